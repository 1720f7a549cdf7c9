import * as fs from 'fs';
import * as nodePath from 'path';
import { ApiObject, App, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { ValidationError } from './errors';
import { describeConstruct, PropChecker, show } from './prop-checks';
import { runBeforeSynth } from './synth-hooks';

/**
 * The stable codes of every risk this library reports.
 *
 * A code never changes meaning; acknowledge one with `acknowledgedRisks`. Traffic providers add codes of
 * their own controller (e.g. `IngressNginxRiskCode`, `GatewayApiRiskCode`).
 */
export enum RiskCode {
  /** A web app runs a single replica: every node drain, eviction or crash is an outage. */
  APP_SINGLE_REPLICA = 'APP_SINGLE_REPLICA',
  /** A standalone Redis holds every session: one pod, one volume, one node between users and a lost login. */
  STORE_SINGLE_POINT_OF_FAILURE = 'STORE_SINGLE_POINT_OF_FAILURE',
  /** An external session store is reached without TLS: session ids and the password cross the network in clear text. */
  STORE_WITHOUT_TLS = 'STORE_WITHOUT_TLS',
  /** Affinity pins users by a hash, not by load: power users make hot pods (ride-hailing case study: 92% vs 24% CPU). */
  AFFINITY_UNEVEN_LOAD = 'AFFINITY_UNEVEN_LOAD',
  /** Affinity is not durability: sessions in pod memory die with the pod (restart, node restart, eviction, rollout, scale-in). */
  AFFINITY_SESSION_LOSS = 'AFFINITY_SESSION_LOSS',
  /** A stateful store's name is derived from its construct path: moving or renaming the construct renames its StatefulSet and volume claims, and a GitOps prune deletes the data. */
  STORE_NAME_FROM_CONSTRUCT_PATH = 'STORE_NAME_FROM_CONSTRUCT_PATH',
  /** A Secure affinity cookie on a route without TLS: browsers do not send it back over plain HTTP, so stickiness does nothing. */
  AFFINITY_SECURE_COOKIE_WITHOUT_TLS = 'AFFINITY_SECURE_COOKIE_WITHOUT_TLS',
  /** The HPA scales on average CPU, which hides the hot pod that affinity creates. */
  AFFINITY_HPA_BLINDNESS = 'AFFINITY_HPA_BLINDNESS',
  /** `balanced` affinity re-pins about (n-c)/n of users when scaling from c to n pods. */
  AFFINITY_BALANCED_REPIN = 'AFFINITY_BALANCED_REPIN',
  /** `persistent` affinity never moves existing users to new pods, even off an overloaded one. */
  AFFINITY_PERSISTENT_NO_REBALANCE = 'AFFINITY_PERSISTENT_NO_REBALANCE',
  /** No shared session store is bound behind the sticky route: sessions live and die in pod memory. */
  AFFINITY_NO_SESSION_STORE = 'AFFINITY_NO_SESSION_STORE',
  /** ClientIP affinity behind an ingress controller or proxy sees the proxy's address, not the client's. */
  AFFINITY_CLIENT_IP_BEHIND_PROXY = 'AFFINITY_CLIENT_IP_BEHIND_PROXY',
  /** ClientIP affinity sends every client behind one NAT to one pod. */
  AFFINITY_CLIENT_IP_NAT = 'AFFINITY_CLIENT_IP_NAT',
  /** Stable and canary share one session store: a user who crosses versions needs both to read each other's session format. */
  CANARY_SHARED_SESSIONS = 'CANARY_SHARED_SESSIONS',
  /** With version stickiness the canary keeps every user it ever got: its real share drifts above the configured weight. */
  CANARY_STICKY_DRIFT = 'CANARY_STICKY_DRIFT',
  /** The canary runs the same image as the stable app: the release compares nothing. */
  CANARY_SAME_IMAGE = 'CANARY_SAME_IMAGE',
  /** An environment variable whose name says it holds a secret has a literal value: the secret is in the YAML and in git. */
  ENV_SECRET_LITERAL = 'ENV_SECRET_LITERAL',
}

/** Every code a construct may report: this library's, and those its traffic providers register. */
const KNOWN_CODES = new Set<string>(Object.values(RiskCode));

/**
 * A risk reported by a construct of this library.
 */
export interface RiskWarning {
  /** The stable code of the risk (a `RiskCode`, or a code of a traffic provider). */
  readonly code: string;
  /** The construct path (`chart/app`) of the construct that reported it. */
  readonly path: string;
  /** The kind of construct that reported it, e.g. `StickyIngress`. */
  readonly constructKind: string;
  /** What goes wrong, with this construct's numbers. */
  readonly message: string;
  /** What to do instead. */
  readonly remedy: string;
  /** Whether the construct's `acknowledgedRisks`, or a `Warnings.of(scope).acknowledge` above it, lists this code. */
  readonly acknowledged: boolean;
  /**
   * Who acknowledged it: `acknowledgedRisks of <path>`, or `Warnings.of('<path>')` with the reason given there.
   * @default - not acknowledged
   */
  readonly acknowledgedBy?: string;
  /**
   * The reason given with `Warnings.of(scope).acknowledge(code, reason)`.
   * @default - none (not acknowledged, or acknowledged with `acknowledgedRisks`)
   */
  readonly reason?: string;
}

/**
 * Something that must exist in the cluster before the synthesized YAML is applied, and that the library does
 * not (and must not) write: a Secret the objects refer to.
 */
export interface Prerequisite {
  /** The kind of object, e.g. `Secret`. */
  readonly kind: string;
  /**
   * Its namespace.
   * @default - the namespace the YAML is applied to (the chart sets none)
   */
  readonly namespace?: string;
  /** Its name. */
  readonly name: string;
  /** The keys that must be in it (empty: the objects read every key, e.g. `envFrom`). */
  readonly keys: string[];
  /** The objects that need it, as `Kind name`. */
  readonly usedBy: string[];
}

/** Annotation prefix under which every risk is written into the synthesized YAML. */
export const RISK_ANNOTATION_PREFIX = 'risks.stateless.cdk8s.io/';

/** The annotation that lists the risks a construct acknowledged. */
export const ACKNOWLEDGED_ANNOTATION = `${RISK_ANNOTATION_PREFIX}acknowledged`;

/** The annotation with the reasons of `Warnings.of(scope).acknowledge(code, reason)`, one `CODE: reason (scope)` per line. */
export const ACKNOWLEDGED_REASONS_ANNOTATION = `${RISK_ANNOTATION_PREFIX}acknowledged-reasons`;

/** Environment variable that turns strict mode on for a whole synth (`CDK8S_STATELESS_STRICT=true cdk8s synth`). */
export const STRICT_ENV = 'CDK8S_STATELESS_STRICT';

/** Environment variable naming the JSON report file every synth writes (`CDK8S_STATELESS_REPORT=risks.json cdk8s synth`). */
export const REPORT_ENV = 'CDK8S_STATELESS_REPORT';

/** A risk as it was reported; whether it is acknowledged is decided when it is read (scope acknowledgements may come later). */
interface Reported {
  readonly construct: IConstruct;
  readonly code: string;
  readonly kind: string;
  readonly message: string;
  readonly remedy: string;
}

/** `Warnings.of(scope).acknowledge(code, reason)`. */
interface ScopeAcknowledgement {
  readonly scope: IConstruct;
  readonly code: string;
  readonly reason: string;
}

/** The report of one App, shared by the `Warnings` of every scope in it. */
interface AppReport {
  readonly root: IConstruct;
  strict: boolean;
  readonly reported: Reported[];
  /** The codes each construct acknowledged (its `acknowledgedRisks`), and how messages name it. */
  readonly acknowledgements: Map<IConstruct, { where: string; codes: Set<string> }>;
  readonly scopeAcknowledgements: ScopeAcknowledgement[];
  /** The codes each construct reported: an index, so that checking one construct costs its own risks only. */
  readonly reportedCodes: Map<IConstruct, Set<string>>;
  /** Bumped by every change above: the work of a synth is redone only when something changed. */
  generation: number;
  /**
   * What the App's validation found, for one synchronous synth at one generation: cdk8s validates the App again
   * for every chart it writes (`App._synthChart`, cdk8s/lib/app.js), and with a chart per app that would redo
   * the whole App's work once per chart.
   */
  synthResult?: { readonly generation: number; readonly errors: string[] };
  /** cdk8s validates the App again for every chart it writes; print once per synchronous synth. */
  printedThisSynth: boolean;
}

const reports = new WeakMap<IConstruct, AppReport>();
const views = new WeakMap<IConstruct, Warnings>();
/** The JSON reports written to `CDK8S_STATELESS_REPORT` in this process, by App: a file holds every App of the synth. */
const envReports = new Map<string, unknown>();

/**
 * The risk report of one cdk8s App.
 *
 * Every construct of this library reports its risks here. At synth time the
 * unacknowledged risks and the prerequisites (Secrets to create) are printed once
 * to stderr; every risk, acknowledged or not, is also written as an annotation on the
 * objects it concerns, so the reviewer of a GitOps pull request sees it. In strict
 * mode an unacknowledged risk fails the synth. An acknowledgement that matches no
 * risk fails the synth too: it would silently hide a risk that appears later.
 */
export class Warnings {
  /**
   * The report of the App that `scope` belongs to, seen from `scope`: `acknowledge` applies to `scope` and
   * every construct below it; the lists and the report are the App's.
   */
  public static of(scope: IConstruct): Warnings {
    let view = views.get(scope);
    if (!view) {
      view = new Warnings(scope);
      views.set(scope, view);
    }
    return view;
  }

  /**
   * Make `code` a risk code that constructs may report and users may acknowledge. Traffic providers
   * register their controller's codes once, when they are loaded.
   */
  public static registerRiskCode(code: string): void {
    if (!/^[A-Z][A-Z0-9_]{0,59}$/.test(code)) {
      throw new ValidationError('Warnings.registerRiskCode', 'code', 'must be upper-case letters, digits and "_" (at most 60 characters)', show(code), 'Use e.g. "MYCONTROLLER_SOMETHING".');
    }
    KNOWN_CODES.add(code);
  }

  private readonly state: AppReport;

  private constructor(private readonly scope: IConstruct) {
    const root = scope.node.root;
    let state = reports.get(root);
    if (!state) {
      state = {
        root,
        strict: false,
        reported: [],
        acknowledgements: new Map(),
        scopeAcknowledgements: [],
        reportedCodes: new Map(),
        generation: 0,
        printedThisSynth: false,
      };
      reports.set(root, state);
      root.node.addValidation({ validate: () => onSynth(state!) });
    }
    this.state = state;
  }

  /**
   * Turn unacknowledged risks into synth errors (for the whole App).
   *
   * Also on when the environment variable `CDK8S_STATELESS_STRICT` is true (`1`, `true`, `yes`, `on`, `y`, any case);
   * a value that is neither true nor false (`0`, `false`, `no`, `off`, `n`, empty) fails the synth with a message.
   * @default false
   */
  public get strict(): boolean {
    return this.state.strict;
  }

  public set strict(value: boolean) {
    this.state.strict = value;
  }

  /**
   * How the report names its App: the directory it writes to and its charts, e.g. `dist (charts: shop)`.
   * (A cdk8s App has no name of its own.)
   */
  public get appName(): string {
    return appNameOf(this.state.root);
  }

  /**
   * Every risk reported in this App, in construct-path order.
   */
  public get risks(): RiskWarning[] {
    return risksOf(this.state);
  }

  /**
   * The risks that nobody acknowledged.
   */
  public get unacknowledged(): RiskWarning[] {
    return this.risks.filter((r) => !r.acknowledged);
  }

  /**
   * What must exist before the YAML is applied: every Secret the synthesized objects refer to (environment
   * variables, `envFrom`, volumes, Ingress TLS) that the App does not itself define, per namespace, with the
   * keys read. Read it once every construct exists (it renders the routes).
   */
  public get prerequisites(): Prerequisite[] {
    runBeforeSynth(this.state.root);
    return prerequisitesOf(this.state.root);
  }

  /**
   * Whether strict mode is on, by this object or by `CDK8S_STATELESS_STRICT`.
   */
  public get strictMode(): boolean {
    return strictModeOf(this.state);
  }

  /**
   * Accept a risk for `scope` and every construct below it (a chart, or the whole App), with the reason.
   * The reason is written into the YAML (annotation `risks.stateless.cdk8s.io/acknowledged-reasons`) on every
   * object that carries the risk, and into the JSON report. An acknowledgement that matches no risk below
   * `scope` fails the synth.
   *
   * @param code a `RiskCode`, or a code of a traffic provider
   * @param reason why the risk is accepted, in words a reviewer can check
   */
  public acknowledge(code: string, reason: string): void {
    const check = new PropChecker(`Warnings.of('${this.scope.node.path}').acknowledge`);
    if (!KNOWN_CODES.has(code)) {
      check.fail('code', 'must be a risk code of cdk8s-stateless', code, unknownCodeFix(code));
    }
    check.nonBlank('reason', reason, 'Write why the risk is accepted (e.g. "TLS ends at the cloud load balancer; users only reach https://"); it is written into the YAML.');
    if (/[\r\n]/.test(reason)) {
      check.fail('reason', 'must be one line', reason, 'Write the reason on one line.');
    }
    this.state.scopeAcknowledgements.push({ scope: this.scope, code, reason: reason.trim() });
    this.state.generation++;
  }

  /**
   * The text printed to stderr at synth time: the App, its unacknowledged risks and its prerequisites
   * (empty when there is nothing to say).
   */
  public formatReport(): string {
    return formatReportOf(this.state, prerequisitesOf(this.state.root));
  }

  /**
   * The report as JSON-ready data: the App, every risk (acknowledged or not, with who acknowledged it and
   * why) and the prerequisites. Read it once every construct exists (it renders the routes).
   */
  public toJson(): any {
    runBeforeSynth(this.state.root);
    return jsonOf(this.state);
  }

  /**
   * Write the JSON report (`{ "apps": [ <toJson()> ] }`) to `path`, for CI. Call it once every construct
   * exists, e.g. after `app.synth()`. Every synth also writes it when `CDK8S_STATELESS_REPORT` names a file.
   */
  public writeJsonReport(path: string): void {
    const check = new PropChecker('Warnings.writeJsonReport');
    check.nonBlank('path', path, 'Pass a file path, e.g. "risks.json".');
    writeJsonFile(check, path, { apps: [this.toJson()] });
  }

  /**
   * Record a risk for a construct (the annotations are written by the caller).
   * @internal
   */
  public _report(construct: IConstruct, kind: string, risk: RiskDescription, acknowledged: readonly string[], targets: ApiObject[] = []): void {
    for (const target of targets) {
      target.metadata.addAnnotation(RISK_ANNOTATION_PREFIX + annotationName(risk.code), `${risk.message} Instead: ${risk.remedy}`);
    }
    this.state.reported.push({ construct, code: risk.code, kind, message: risk.message, remedy: risk.remedy });
    this.state.generation++;
    const codes = this.state.reportedCodes.get(construct) ?? new Set<string>();
    codes.add(risk.code);
    this.state.reportedCodes.set(construct, codes);
    this._noteAcknowledged(construct, describeConstruct(construct, kind), acknowledged);
    const key = `${kind}\u0000${risk.code}`;
    const once = strictChecked.get(construct) ?? new Set<string>();
    if (once.has(key)) return;
    once.add(key);
    strictChecked.set(construct, once);
    // cdk8s prefixes the message with the construct path: "[chart/web] strict mode: ..."
    construct.node.addValidation({
      validate: () => {
        if (!strictModeOf(this.state)) return [];
        const open = acknowledgementOf(this.state, construct, risk.code) === undefined;
        return open
          ? [`strict mode: unacknowledged risk ${risk.code} (${kind}). Fix the cause, or add ${risk.code} to its 'acknowledgedRisks' (or Warnings.of(scope).acknowledge(code, reason) for a chart or the App).`]
          : [];
      },
    });
  }

  /**
   * Record the codes a construct acknowledged; at synth, a code that matches none of its risks is an error.
   * @internal
   */
  public _noteAcknowledged(construct: IConstruct, where: string, codes: readonly string[]): void {
    // a construct that acknowledges nothing has nothing to check: no entry, no validation of its own
    if (codes.length === 0 && !this.state.acknowledgements.has(construct)) return;
    let entry = this.state.acknowledgements.get(construct);
    if (!entry) {
      entry = { where, codes: new Set() };
      this.state.acknowledgements.set(construct, entry);
      const noted = entry;
      construct.node.addValidation({ validate: () => unmatchedAcknowledgements(this.state, construct, noted) });
    }
    for (const code of codes) entry.codes.add(code);
    this.state.generation++;
  }
}

const strictChecked = new WeakMap<IConstruct, Set<string>>();

// The spellings of a boolean environment variable that CI systems and shells commonly use; anything else is a
// mistake (e.g. `CDK8S_STATELESS_STRICT=ture`) that would otherwise silently leave strict mode off.
const ENV_TRUE = ['1', 'true', 'yes', 'on', 'y'];
const ENV_FALSE = ['', '0', 'false', 'no', 'off', 'n'];

/** Strict mode as the environment asks for it; a value that is neither true nor false is refused. */
export function strictFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  const raw = env[STRICT_ENV];
  if (raw === undefined) return false;
  const value = raw.trim().toLowerCase();
  if (ENV_TRUE.includes(value)) return true;
  if (ENV_FALSE.includes(value)) return false;
  throw new ValidationError(
    `environment variable ${STRICT_ENV}`, STRICT_ENV,
    `must be true (${ENV_TRUE.join(', ')}) or false (${ENV_FALSE.filter((v) => v).join(', ')}, or empty)`,
    JSON.stringify(raw),
    `Set ${STRICT_ENV}=true to fail the synth on unacknowledged risks, or unset it.`,
  );
}

function strictModeOf(state: AppReport): boolean {
  return state.strict || strictFromEnv();
}

/** A construct still in its App (a construct whose constructor failed removed itself). */
function attached(construct: IConstruct): boolean {
  let current: IConstruct = construct;
  while (current.node.scope) {
    if (current.node.scope.node.tryFindChild(current.node.id) !== current) return false;
    current = current.node.scope;
  }
  return true;
}

function within(path: string, scope: IConstruct): boolean {
  const base = scope.node.path;
  return base === '' || path === base || path.startsWith(`${base}/`);
}

/** Who acknowledged `code` for `construct`: its own `acknowledgedRisks`, a scope acknowledgement above it, or nobody. */
function acknowledgementOf(state: AppReport, construct: IConstruct, code: string): 'own' | ScopeAcknowledgement | undefined {
  if (state.acknowledgements.get(construct)?.codes.has(code)) return 'own';
  if (state.scopeAcknowledgements.length === 0) return undefined;
  const path = construct.node.path;
  return state.scopeAcknowledgements.find((a) => a.code === code && within(path, a.scope));
}

function risksOf(state: AppReport): RiskWarning[] {
  return state.reported
    .filter((r) => attached(r.construct))
    .map((r): RiskWarning => {
      const path = r.construct.node.path;
      const byScope = acknowledgementOf(state, r.construct, r.code);
      if (byScope === 'own') {
        return { code: r.code, path, constructKind: r.kind, message: r.message, remedy: r.remedy, acknowledged: true, acknowledgedBy: `acknowledgedRisks of ${path}` };
      }
      if (byScope) {
        return {
          code: r.code,
          path,
          constructKind: r.kind,
          message: r.message,
          remedy: r.remedy,
          acknowledged: true,
          acknowledgedBy: `Warnings.of('${byScope.scope.node.path}')`,
          reason: byScope.reason,
        };
      }
      return { code: r.code, path, constructKind: r.kind, message: r.message, remedy: r.remedy, acknowledged: false };
    })
    .sort((a, b) => a.path.localeCompare(b.path) || a.code.localeCompare(b.code));
}

/** `dist (charts: shop, billing)`: the directory an App writes to, relative to the working directory, and its charts. */
function appNameOf(root: IConstruct): string {
  const outdir = root instanceof App ? root.outdir : undefined;
  let dir = '(no outdir)';
  if (outdir !== undefined) {
    const relative = nodePath.relative(process.cwd(), nodePath.resolve(outdir));
    dir = relative === '' ? '.' : relative.startsWith('..') ? nodePath.resolve(outdir) : relative;
  }
  const charts = root.node.children.filter((c) => c instanceof Chart).map((c) => c.node.id);
  return `${dir} (chart${charts.length === 1 ? '' : 's'}: ${charts.join(', ') || 'none'})`;
}

function formatReportOf(state: AppReport, prerequisites: Prerequisite[], risks: RiskWarning[] = risksOf(state)): string {
  const open = risks.filter((r) => !r.acknowledged);
  if (open.length === 0 && prerequisites.length === 0) {
    return '';
  }
  const acknowledged = risks.length - open.length;
  const lines = [
    `cdk8s-stateless, App ${appNameOf(state.root)}: ` +
      (open.length === 0 ? 'no unacknowledged risks' : `${open.length} unacknowledged risk${open.length === 1 ? '' : 's'}`) +
      (acknowledged > 0 ? ` (${acknowledged} acknowledged, not shown)` : '') +
      (strictModeOf(state) && open.length > 0 ? ' [strict mode: synth fails]' : ''),
  ];
  for (const r of open) {
    lines.push(`  [${r.code}] ${r.constructKind} '${r.path}': ${r.message}`);
    lines.push(`      Instead: ${r.remedy}`);
  }
  if (open.length > 0) {
    lines.push(
      "  Acknowledge a risk you accept with the construct's 'acknowledgedRisks' prop, or for a chart or the App with " +
        'Warnings.of(scope).acknowledge(code, reason); it stays annotated in the YAML.',
    );
  }
  if (prerequisites.length > 0) {
    lines.push('  Prerequisites: create these before applying the YAML (the library never writes a secret into it):');
    for (const p of prerequisites) {
      const keys = p.keys.length === 0 ? 'every key the objects read' : `key${p.keys.length === 1 ? '' : 's'} ${p.keys.map((k) => `"${k}"`).join(', ')}`;
      lines.push(`    ${p.kind} ${p.namespace ?? '(the namespace you apply to)'}/${p.name}: ${keys} (used by ${p.usedBy.join(', ')})`);
    }
  }
  return lines.join('\n') + '\n';
}

function jsonOf(state: AppReport, prerequisites = prerequisitesOf(state.root), risks = risksOf(state)): unknown {
  const root = state.root;
  return {
    app: appNameOf(root),
    outdir: root instanceof App ? root.outdir : undefined,
    charts: root.node.children.filter((c) => c instanceof Chart).map((c) => c.node.id),
    strictMode: strictModeOf(state),
    risks,
    prerequisites,
  };
}

function writeJsonFile(check: PropChecker, file: string, data: unknown): void {
  try {
    fs.mkdirSync(nodePath.dirname(nodePath.resolve(file)), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(data, undefined, 2) + '\n');
  } catch (e) {
    check.fail('path', `could not be written (${(e as Error).message})`, file, 'Pass a writable file path.');
  }
}

/** A construct's acknowledged codes that match none of its risks. */
function unmatchedAcknowledgements(state: AppReport, construct: IConstruct, noted: { where: string; codes: Set<string> }): string[] {
  runBeforeSynth(state.root);
  const reported = state.reportedCodes.get(construct) ?? new Set<string>();
  const unmatched = [...noted.codes].filter((c) => !reported.has(c)).sort();
  if (unmatched.length === 0) return [];
  const has = reported.size === 0 ? 'it reports no risk' : `it reports ${[...reported].sort().join(', ')}`;
  return [
    `${noted.where}: 'acknowledgedRisks' lists ${unmatched.join(', ')}, which this construct does not report (${has}). ` +
      'Remove the code: an acknowledgement that matches nothing would silently hide that risk if it appeared later.',
  ];
}

/** Scope acknowledgements that match no risk below their scope. */
function unmatchedScopeAcknowledgements(state: AppReport, risks: RiskWarning[]): string[] {
  return state.scopeAcknowledgements
    .filter((a) => !risks.some((r) => r.code === a.code && within(r.path, a.scope)))
    .map(
      (a) =>
        `Warnings.of('${a.scope.node.path}').acknowledge: ${a.code} matches no risk reported below '${a.scope.node.path}'. ` +
        'Remove the acknowledgement: one that matches nothing would silently hide that risk if it appeared later.',
    );
}

/** Write the reasons of scope acknowledgements onto the objects that carry the risk (one pass over the App). */
function annotateScopeReasons(state: AppReport): void {
  if (state.scopeAcknowledgements.length === 0) return;
  for (const object of state.root.node.findAll()) {
    if (!(object instanceof ApiObject)) continue;
    const annotations = (object.metadata.toJson().annotations ?? {}) as { [key: string]: string };
    const lines = state.scopeAcknowledgements
      .filter((a) => annotations[RISK_ANNOTATION_PREFIX + annotationName(a.code)] !== undefined && within(object.node.path, a.scope))
      .map((a) => `${a.code}: ${a.reason} (Warnings.of('${a.scope.node.path}'))`);
    if (lines.length > 0) {
      object.metadata.addAnnotation(ACKNOWLEDGED_REASONS_ANNOTATION, [...new Set(lines)].sort().join('\n'));
    }
  }
}

/** At synth: render, annotate reasons, check scope acknowledgements, print the report once, write the env report. */
function onSynth(state: AppReport): string[] {
  // risks that depend on the whole tree (routes rendered from their complete intent) are reported first
  runBeforeSynth(state.root);
  // the App's validation runs once per chart written: in one synth, and with nothing changed, once is enough
  if (state.printedThisSynth && state.synthResult?.generation === state.generation) {
    return state.synthResult.errors;
  }
  annotateScopeReasons(state);
  const risks = risksOf(state);
  const errors = unmatchedScopeAcknowledgements(state, risks);
  state.synthResult = { generation: state.generation, errors };
  if (!state.printedThisSynth) {
    state.printedThisSynth = true;
    queueMicrotask(() => (state.printedThisSynth = false));
    const print = (prerequisites: Prerequisite[]) => printReport(state, prerequisites, risks);
    // a synth that fails prints its report now (nothing will be rendered); one that goes on prints it as soon as
    // cdk8s has rendered the objects the prerequisites are read from
    if (errors.length > 0 || synthWillFail(state, risks)) {
      print(prerequisitesOf(state.root));
    } else {
      prerequisitesAfterRender(state.root, print);
    }
  }
  return errors;
}

function printReport(state: AppReport, prerequisites: Prerequisite[], risks: RiskWarning[]): void {
  const text = formatReportOf(state, prerequisites, risks);
  if (text !== '') process.stderr.write(text);
  const file = process.env[REPORT_ENV];
  if (file !== undefined && file.trim() !== '') {
    const json = jsonOf(state, prerequisites, risks) as { app: string };
    envReports.set(json.app, json);
    writeJsonFile(new PropChecker(REPORT_ENV), file, { apps: [...envReports.values()] });
  }
}

/** Whether a validation of this library fails the synth: an unacknowledged risk in strict mode, an unmatched acknowledgement. */
function synthWillFail(state: AppReport, risks: RiskWarning[]): boolean {
  if (strictModeOf(state) && risks.some((r) => !r.acknowledged)) return true;
  for (const [construct, noted] of state.acknowledgements) {
    const reported = state.reportedCodes.get(construct);
    if ([...noted.codes].some((c) => !reported?.has(c)) && attached(construct)) return true;
  }
  return false;
}

/**
 * Kinds (`apiGroup/kind`, as cdk8s's `ApiObject.apiGroup` names the core group) whose schema has no field the
 * prerequisite walk reads (no pod template, no `secretKeyRef`, `envFrom`, `volumes` or `sources`, no Ingress
 * `tls`): the Kubernetes 1.27 API of cdk8s-plus-27's `k8s` module (ServiceSpec, ConfigMap,
 * HorizontalPodAutoscalerSpecV2, PodDisruptionBudgetSpec, NetworkPolicySpec, ServiceAccount).
 */
const NO_SECRET_REFERENCES = new Set([
  'core/Service',
  'core/ConfigMap',
  'core/ServiceAccount',
  'autoscaling/HorizontalPodAutoscaler',
  'policy/PodDisruptionBudget',
  'networking.k8s.io/NetworkPolicy',
]);

/**
 * Every Secret the synthesized objects of `root` refer to and that no object of `root` defines: from
 * `secretKeyRef` (env), `secretRef` (envFrom), `secret` volumes and projected sources, and Ingress `tls`.
 */
function prerequisitesOf(root: IConstruct): Prerequisite[] {
  const { defined, read } = prerequisiteSources(root);
  return prerequisitesFrom(defined, read.flatMap((o) => secretReferences(o.toJson())));
}

/**
 * The prerequisites of a synth, from the JSON cdk8s renders anyway: rendering the objects is most of the cost of
 * the report, and a second rendering of every Deployment would cost about a sixth of the whole synth. cdk8s
 * renders every object of a chart right after it validated the App (`App._synthChart` in cdk8s/lib/app.js 2.68:
 * `validate(app)`, then `obj.toJson()` for every object of the chart; `App.synth` and `synthYaml` do it for
 * every chart), so the next `toJson()` of each object is watched once, and `done` runs when the last one has
 * been rendered. The JSON handed to cdk8s is always its own fresh rendering. When only some charts are rendered
 * (`Testing.synth(chart)` of an App with several), the rest are rendered once this synchronous synth is over.
 */
function prerequisitesAfterRender(root: IConstruct, done: (prerequisites: Prerequisite[]) => void): void {
  const { defined, read } = prerequisiteSources(root);
  const references = new Map<ApiObject, SecretReference[]>();
  let finished = false;
  const unwatch = (object: ApiObject) => {
    if (Object.prototype.hasOwnProperty.call(object, 'toJson')) delete (object as { toJson?: unknown }).toJson;
  };
  const finish = () => {
    if (finished) return;
    finished = true;
    read.forEach(unwatch);
    done(prerequisitesFrom(defined, read.flatMap((o) => references.get(o) ?? secretReferences(o.toJson()))));
  };
  if (read.length === 0) return finish();
  for (const object of read) {
    Object.defineProperty(object, 'toJson', {
      configurable: true,
      writable: true,
      value: () => {
        unwatch(object);
        const json = object.toJson();
        references.set(object, secretReferences(json));
        if (references.size === read.length) finish();
        return json;
      },
    });
  }
  queueMicrotask(finish);
}

/** The Secrets the App defines, and the objects that may refer to a Secret (the ones to read). */
function prerequisiteSources(root: IConstruct): { defined: Set<string>; read: ApiObject[] } {
  const defined = new Set<string>();
  const read: ApiObject[] = [];
  for (const object of root.node.findAll()) {
    if (!(object instanceof ApiObject) || NO_SECRET_REFERENCES.has(`${object.apiGroup}/${object.kind}`)) continue;
    if (object.apiGroup === 'core' && object.kind === 'Secret') {
      defined.add(`${object.metadata.namespace ?? ''}/${object.name}`);
    } else {
      read.push(object);
    }
  }
  return { defined, read };
}

/** One reference of a rendered object to a Secret (`keys` undefined: every key, e.g. `envFrom`). */
interface SecretReference {
  readonly namespace?: string;
  readonly name: string;
  readonly keys?: string[];
  readonly usedBy: string;
  /** The rendered object is a Secret: it defines this one. */
  readonly defines?: boolean;
}

/**
 * The Secrets a rendered object refers to: from `secretKeyRef` (env), `secretRef` (envFrom), `secret` volumes and
 * projected sources, and Ingress `tls`; optional references are no prerequisite.
 */
function secretReferences(rendering: unknown): SecretReference[] {
  const json = rendering as { kind?: string; metadata?: { name?: string; namespace?: string }; spec?: any };
  const namespace = json.metadata?.namespace;
  if (json.kind === 'Secret') {
    return [{ namespace, name: String(json.metadata?.name), usedBy: '', defines: true }];
  }
  const usedBy = `${json.kind} ${json.metadata?.name}`;
  const found: SecretReference[] = [];
  const need = (name: unknown, keys: string[] | undefined, optional: unknown) => {
    if (typeof name === 'string' && optional !== true) found.push({ namespace, name, keys, usedBy });
  };
  walk(json.spec, (node, parentKey) => {
    const secretKeyRef = node.secretKeyRef as { name?: unknown; key?: unknown; optional?: unknown } | undefined;
    if (secretKeyRef && typeof secretKeyRef === 'object') need(secretKeyRef.name, [String(secretKeyRef.key)], secretKeyRef.optional);
    const secretRef = node.secretRef as { name?: unknown; optional?: unknown } | undefined;
    if (parentKey === 'envFrom' && secretRef && typeof secretRef === 'object') need(secretRef.name, undefined, secretRef.optional);
    const secret = node.secret as { secretName?: unknown; name?: unknown; items?: Array<{ key: string }>; optional?: unknown } | undefined;
    if (secret && typeof secret === 'object' && (parentKey === 'volumes' || parentKey === 'sources')) {
      need(secret.secretName ?? secret.name, secret.items?.map((i) => i.key), secret.optional);
    }
  });
  if (json.kind === 'Ingress') {
    for (const tls of (json.spec?.tls ?? []) as Array<{ secretName?: string }>) {
      need(tls.secretName, ['tls.crt', 'tls.key'], false);
    }
  }
  return found;
}

/** The referenced Secrets that the App does not define, per namespace and name, with every key and user. */
function prerequisitesFrom(defined: Set<string>, references: SecretReference[]): Prerequisite[] {
  const needed = new Map<string, { namespace?: string; name: string; keys: Set<string>; all: boolean; usedBy: Set<string> }>();
  for (const r of references) {
    const id = `${r.namespace ?? ''}/${r.name}`;
    if (r.defines) {
      defined.add(id);
      continue;
    }
    const entry = needed.get(id) ?? { namespace: r.namespace, name: r.name, keys: new Set<string>(), all: false, usedBy: new Set<string>() };
    if (r.keys === undefined) entry.all = true;
    for (const k of r.keys ?? []) entry.keys.add(k);
    entry.usedBy.add(r.usedBy);
    needed.set(id, entry);
  }
  return [...needed.entries()]
    .filter(([id]) => !defined.has(id))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([, e]) => ({
      kind: 'Secret',
      namespace: e.namespace,
      name: e.name,
      keys: e.all ? [] : [...e.keys].sort(),
      usedBy: [...e.usedBy].sort(),
    }));
}

/** Visit every object in a JSON tree, with the key of the array or object that holds it. */
function walk(value: unknown, visit: (node: { [key: string]: unknown }, parentKey: string | undefined) => void, parentKey?: string): void {
  if (Array.isArray(value)) {
    for (const item of value) walk(item, visit, parentKey);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  const node = value as { [key: string]: unknown };
  visit(node, parentKey);
  for (const [key, child] of Object.entries(node)) walk(child, visit, key);
}

/**
 * A risk as a construct or a traffic provider describes it, before it is reported.
 */
export interface RiskDescription {
  /** The stable code: a `RiskCode`, or a code a traffic provider registered. */
  readonly code: string;
  /** What goes wrong, with the construct's numbers. */
  readonly message: string;
  /** What to do instead. */
  readonly remedy: string;
}

/** `AFFINITY_UNEVEN_LOAD` -> `affinity-uneven-load` (a valid annotation name, at most 63 characters). */
export function annotationName(code: string): string {
  return code.toLowerCase().replace(/_/g, '-');
}

/**
 * The fix for an unknown risk code: the registered code closest to it when one is close (a typo, another enum's
 * spelling), then every registered code. Codes of every enum (`RiskCode`, the providers' and the engines') are one
 * list: an acknowledgement takes any of them as a string.
 */
function unknownCodeFix(code: unknown): string {
  const known = [...KNOWN_CODES].sort();
  const text = typeof code === 'string' ? code.toUpperCase().replace(/[-\s.]/g, '_') : '';
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = editDistance(text, k);
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  const close = best !== undefined && text !== '' && bestDistance <= Math.max(2, Math.floor(best.length / 4));
  return `${close ? `Did you mean "${best}"? ` : ''}Use a registered code (${known.join(', ')}).`;
}

/** Levenshtein distance (insertions, deletions, substitutions). */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row.push(Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1)));
    }
    previous = row;
  }
  return previous[b.length];
}

/**
 * Checks an `acknowledgedRisks` prop and writes the acknowledged-risks annotation.
 * Throws on a code this library does not define (a typo would otherwise silence nothing).
 * @internal
 */
export function checkAcknowledged(check: PropChecker, codes: readonly string[] | undefined): string[] {
  if (codes !== undefined && !Array.isArray(codes)) {
    check.fail('acknowledgedRisks', 'must be a list of risk codes', codes, 'Pass e.g. [RiskCode.APP_SINGLE_REPLICA] or ["INGRESS_NGINX_RETIRED"].');
  }
  const list = codes ?? [];
  for (const code of list) {
    if (!KNOWN_CODES.has(code)) {
      check.fail('acknowledgedRisks', 'must list risk codes of cdk8s-stateless', code, unknownCodeFix(code));
    }
  }
  if (check.construct) {
    Warnings.of(check.construct)._noteAcknowledged(check.construct, check.where, list);
  }
  return [...list];
}

/**
 * Report risks for one construct: annotate the targets, list the acknowledgement.
 * @internal
 */
export function reportRisks(
  construct: IConstruct,
  kind: string,
  risks: RiskDescription[],
  acknowledged: readonly string[],
  targets: ApiObject[],
): void {
  const report = Warnings.of(construct);
  report._noteAcknowledged(construct, describeConstruct(construct, kind), acknowledged);
  for (const risk of risks) {
    report._report(construct, kind, risk, acknowledged);
  }
  for (const target of targets) {
    writeRiskAnnotations(target, [{ where: construct.node.path, risks, acknowledged }]);
  }
}

/**
 * What one construct says about one object: its risks and its acknowledgements.
 * @internal
 */
export interface RiskContribution {
  /** The construct path (shown when several constructs share the object). */
  readonly where: string;
  readonly risks: readonly RiskDescription[];
  readonly acknowledged: readonly string[];
}

/**
 * Write the risks of every construct that contributed to `target` as annotations, losing none: a code reported
 * by two constructs keeps both texts (one per line), and when several constructs contributed, the acknowledged
 * list says who acknowledged what.
 * @internal
 */
export function writeRiskAnnotations(target: ApiObject, contributions: readonly RiskContribution[]): void {
  const texts = new Map<string, string[]>();
  for (const c of contributions) {
    for (const risk of c.risks) {
      const text = `${risk.message} Instead: ${risk.remedy}`;
      const list = texts.get(risk.code) ?? [];
      if (!list.includes(text)) list.push(text);
      texts.set(risk.code, list);
    }
  }
  for (const [code, list] of texts) {
    target.metadata.addAnnotation(RISK_ANNOTATION_PREFIX + annotationName(code), list.join('\n'));
  }
  const acknowledging = contributions.filter((c) => c.acknowledged.length > 0);
  if (acknowledging.length === 0) {
    return;
  }
  const codes = (c: RiskContribution) => [...new Set(c.acknowledged)].sort().join(',');
  target.metadata.addAnnotation(
    ACKNOWLEDGED_ANNOTATION,
    contributions.length === 1 ? codes(acknowledging[0]) : acknowledging.map((c) => `${codes(c)} (${c.where})`).join('; '),
  );
}
