import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';
import { ValidationError } from './errors';
import { PropChecker, show } from './prop-checks';
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
  /** Whether the construct's `acknowledgedRisks` lists this code. */
  readonly acknowledged: boolean;
}

/** Annotation prefix under which every risk is written into the synthesized YAML. */
export const RISK_ANNOTATION_PREFIX = 'risks.stateless.cdk8s.io/';

/** The annotation that lists the risks a construct acknowledged. */
export const ACKNOWLEDGED_ANNOTATION = `${RISK_ANNOTATION_PREFIX}acknowledged`;

/** Environment variable that turns strict mode on for a whole synth (`CDK8S_STATELESS_STRICT=true cdk8s synth`). */
export const STRICT_ENV = 'CDK8S_STATELESS_STRICT';

const registries = new WeakMap<IConstruct, Warnings>();

/**
 * The risk report of one cdk8s App.
 *
 * Every construct of this library reports its risks here. At synth time the
 * unacknowledged risks are printed once to stderr; every risk, acknowledged or
 * not, is also written as an annotation on the objects it concerns, so the
 * reviewer of a GitOps pull request sees it. In strict mode an unacknowledged
 * risk fails the synth.
 */
export class Warnings {
  /**
   * The report of the App that `scope` belongs to.
   */
  public static of(scope: IConstruct): Warnings {
    const root = scope.node.root;
    let report = registries.get(root);
    if (!report) {
      report = new Warnings(root);
      registries.set(root, report);
    }
    return report;
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

  /**
   * Turn unacknowledged risks into synth errors.
   *
   * Also on when the environment variable `CDK8S_STATELESS_STRICT` is `true` or `1`.
   * @default false
   */
  public strict: boolean = false;

  private readonly reported: RiskWarning[] = [];
  /** cdk8s validates the App again for every chart it writes; print once per synchronous synth. */
  private printedThisSynth = false;

  private constructor(private readonly root: IConstruct) {
    root.node.addValidation({ validate: () => this.onSynth() });
  }

  /**
   * Every risk reported in this App, in construct-path order.
   */
  public get risks(): RiskWarning[] {
    return [...this.reported].sort((a, b) => a.path.localeCompare(b.path) || a.code.localeCompare(b.code));
  }

  /**
   * The risks that no construct acknowledged.
   */
  public get unacknowledged(): RiskWarning[] {
    return this.risks.filter((r) => !r.acknowledged);
  }

  /**
   * Whether strict mode is on, by this object or by `CDK8S_STATELESS_STRICT`.
   */
  public get strictMode(): boolean {
    const env = (process.env[STRICT_ENV] ?? '').toLowerCase();
    return this.strict || env === 'true' || env === '1';
  }

  /**
   * The text printed to stderr at synth time (empty when every risk is acknowledged).
   */
  public formatReport(): string {
    const open = this.unacknowledged;
    if (open.length === 0) {
      return '';
    }
    const acknowledged = this.reported.length - open.length;
    const lines = [
      `cdk8s-stateless: ${open.length} unacknowledged risk${open.length === 1 ? '' : 's'}` +
        (acknowledged > 0 ? ` (${acknowledged} acknowledged, not shown)` : '') +
        (this.strictMode ? ' [strict mode: synth fails]' : ''),
    ];
    for (const r of open) {
      lines.push(`  [${r.code}] ${r.constructKind} '${r.path}': ${r.message}`);
      lines.push(`      Instead: ${r.remedy}`);
    }
    lines.push("  Acknowledge a risk you accept with the construct's 'acknowledgedRisks' prop; it stays annotated in the YAML.");
    return lines.join('\n') + '\n';
  }

  /**
   * Record a risk for a construct and annotate the objects it concerns.
   * @internal
   */
  public _report(construct: IConstruct, kind: string, risk: RiskDescription, acknowledged: readonly string[], targets: ApiObject[]): void {
    const warning: RiskWarning = {
      code: risk.code,
      path: construct.node.path,
      constructKind: kind,
      message: risk.message,
      remedy: risk.remedy,
      acknowledged: acknowledged.includes(risk.code),
    };
    this.reported.push(warning);
    if (!warning.acknowledged) {
      // cdk8s prefixes the message with the construct path: "[chart/web] strict mode: ..."
      construct.node.addValidation({
        validate: () =>
          this.strictMode
            ? [`strict mode: unacknowledged risk ${risk.code} (${kind}). Fix the cause, or add ${risk.code} to its 'acknowledgedRisks'.`]
            : [],
      });
    }
    for (const target of targets) {
      target.metadata.addAnnotation(RISK_ANNOTATION_PREFIX + annotationName(risk.code), `${risk.message} Instead: ${risk.remedy}`);
    }
  }

  /** Prints the report; strict-mode errors come from each construct's own validation. */
  private onSynth(): string[] {
    // risks that depend on the whole tree (routes rendered from their complete intent) are reported first
    runBeforeSynth(this.root);
    const text = this.formatReport();
    if (text === '') {
      return [];
    }
    if (!this.printedThisSynth) {
      this.printedThisSynth = true;
      queueMicrotask(() => (this.printedThisSynth = false));
      process.stderr.write(text);
    }
    return [];
  }
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
 * Checks an `acknowledgedRisks` prop and writes the acknowledged-risks annotation.
 * Throws on a code this library does not define (a typo would otherwise silence nothing).
 * @internal
 */
export function checkAcknowledged(check: PropChecker, codes: readonly string[] | undefined): string[] {
  if (codes !== undefined && !Array.isArray(codes)) {
    check.fail('acknowledgedRisks', 'must be a list of RiskCode values', codes, 'Pass e.g. [RiskCode.APP_SINGLE_REPLICA].');
  }
  const list = codes ?? [];
  for (const code of list) {
    if (!KNOWN_CODES.has(code)) {
      check.fail(
        'acknowledgedRisks',
        'must list risk codes of cdk8s-stateless',
        code,
        `Use a RiskCode value (${[...KNOWN_CODES].sort().join(', ')}).`,
      );
    }
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
  for (const risk of risks) {
    report._report(construct, kind, risk, acknowledged, []);
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
