import { ApiObject, App, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { parseAllDocuments } from 'yaml';
import { API, evaluate, Expr } from './library-api';
import { ChartPlan, ConstructCall, ImportPlan } from './plan';
import { AffinityMode } from '../../traffic/affinity-mode';
import { StickyIngress } from '../../affinity/sticky-ingress';
import { CanaryRelease } from '../../canary/canary-release';
import { StatelessErrors } from '../../errors';
import { TrafficProvider } from '../../traffic/factory';
import { ITrafficProvider } from '../../traffic/provider-contract';
import { ACKNOWLEDGED_ANNOTATION, ACKNOWLEDGED_REASONS_ANNOTATION, REPORT_ENV, RISK_ANNOTATION_PREFIX, STRICT_ENV } from '../../warnings';
import { StatelessWebApp } from '../../web-app/stateless-web-app';

/** The controllers a report covers. */
export const TARGETS = ['ingress-nginx', 'gateway-api', 'traefik'] as const;
export type Target = (typeof TARGETS)[number];

/** The provider each target is built on (the generated file keeps ingress-nginx with the Ingresses' classes). */
export const TARGET_PROVIDERS: { [t in Target]: { code: string; make: (ingressClass: string) => ITrafficProvider } } = {
  'ingress-nginx': { code: "TrafficProvider.ingressNginx({ ingressClassName: '<class>' })", make: (c) => TrafficProvider.ingressNginx({ ingressClassName: c }) },
  // sessionPersistence (a StickyIngress) needs the experimental channel: built with it so that the report says what it costs
  'gateway-api': {
    code: "TrafficProvider.gatewayApi({ gatewayName: 'gateway', experimentalFields: true })",
    make: () => TrafficProvider.gatewayApi({ gatewayName: 'gateway', experimentalFields: true }),
  },
  'traefik': { code: 'TrafficProvider.traefik()', make: () => TrafficProvider.traefik() },
};

const CONSTRUCTS: { [name: string]: new (scope: any, id: string, props: any) => any } = {
  [API.webApp.construct]: StatelessWebApp,
  [API.sticky.construct]: StickyIngress,
  [API.canary.construct]: CanaryRelease,
};

/** A Kubernetes object as synthesized. */
export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: { [k: string]: string } };
  [k: string]: any;
};

/** A prop a provider or construct refused on a target, and what the build did instead. */
export interface Refusal {
  readonly chart: string;
  readonly construct: string;
  readonly prop: string;
  readonly message: string;
  /** What the build did instead: left the prop out, changed it, or left the construct out. */
  readonly instead: string;
}

export interface BuildResult {
  readonly objects: K8sObject[];
  readonly refusals: Refusal[];
  /** Risk codes annotated on the objects, by `Kind/name`. */
  readonly risks: { [object: string]: string[] };
  /** Risk codes annotated on the objects of each construct, by `chart/id`. */
  readonly byConstruct: { [chartAndId: string]: string[] };
}

/**
 * Build the plan's constructs in memory on `target` and synthesize them. A ValidationError for a prop the
 * import set leaves that prop out (or changes it, for a required one) and builds again, so the report can say
 * what each target refuses; the plan for ingress-nginx itself must build as it is (the caller checks).
 */
export function buildOn(plan: ImportPlan, target: Target): BuildResult {
  let charts: ChartPlan[] = plan.charts.map((c) => ({ ...c, calls: c.calls.map((x) => ({ ...x, props: [...x.props] })) }));
  const refusals: Refusal[] = [];
  for (let attempt = 0; attempt < 100; attempt++) {
    const outcome = tryBuild(charts, target);
    if ('objects' in outcome) return { ...outcome, refusals };
    const { chart, call, prop, message } = outcome.refused;
    const fixed = fallback(call, prop);
    const instead = fixed ? fixed.instead : `${call.construct} ${call.id} left out on ${target}`;
    refusals.push({ chart: chart.id, construct: call.id, prop, message, instead });
    const calls = (c: ChartPlan) => (fixed ? c.calls.map((x) => (x === call ? fixed.call : x)) : withoutCall(c.calls, call));
    charts = charts.map((c) => (c !== chart ? c : { ...c, calls: calls(c) }));
  }
  throw new Error(`import: the build on ${target} did not settle`);
}

function withoutCall(calls: ConstructCall[], call: ConstructCall): ConstructCall[] {
  const gone = new Set<string>(call.variable ? [call.variable] : []);
  return calls.filter((x) => {
    if (x === call) return false;
    if (x.needs.some((v) => gone.has(v))) {
      if (x.variable) gone.add(x.variable);
      return false;
    }
    return true;
  });
}

type Built = Omit<BuildResult, 'refusals'>;
type Outcome = Built | { refused: { chart: ChartPlan; call: ConstructCall; prop: string; message: string } };

function tryBuild(charts: ChartPlan[], target: Target): Outcome {
  const app = new App({ outdir: 'dist' }); // nothing is written: synthYaml returns the YAML
  const built: Array<{ chart: ChartPlan; call: ConstructCall; construct: IConstruct }> = [];
  for (const c of charts) {
    const chart = new Chart(app, c.id, { namespace: c.namespace });
    const vars: { [v: string]: any } = {};
    for (const p of c.providers) vars[p.variable] = TARGET_PROVIDERS[target].make(p.ingressClass);
    for (const call of c.calls) {
      const props = evaluate({ k: 'obj', entries: call.props.filter((e): e is readonly [string, Expr] => e[1] !== undefined) }, vars);
      try {
        const construct = new CONSTRUCTS[call.construct](chart, call.id, props);
        if (call.variable) vars[call.variable] = construct;
        built.push({ chart: c, call, construct });
      } catch (e) {
        const d = StatelessErrors.details(e);
        if (!d) throw e;
        return { refused: { chart: c, call, prop: d.prop, message: d.message } };
      }
    }
  }
  let yaml: string;
  try {
    yaml = quietly(() => app.synthYaml());
  } catch (e) {
    const d = StatelessErrors.details(e);
    const message = d?.message ?? (e as Error).message;
    const culprit = built.find((b) => message.includes(`'${b.chart.id}/${b.call.id}'`));
    if (!culprit) throw e;
    return { refused: { chart: culprit.chart, call: culprit.call, prop: d?.prop ?? '', message } };
  }
  const objects = parseAllDocuments(yaml)
    .map((d: any) => d.toJS())
    .filter((o: any) => o) as K8sObject[];
  const risks: { [object: string]: string[] } = {};
  for (const o of objects) {
    const codes = riskCodes(o.metadata?.annotations);
    if (codes.length) risks[`${o.kind}/${o.metadata.name}`] = codes;
  }
  const byConstruct: { [chartAndId: string]: string[] } = {};
  for (const b of built) {
    const codes = b.construct.node
      .findAll()
      .filter((c): c is ApiObject => c instanceof ApiObject)
      .flatMap((o) => riskCodes((o.toJson() as K8sObject).metadata?.annotations));
    byConstruct[`${b.chart.id}/${b.call.id}`] = [...new Set(codes)].sort();
  }
  return { objects, risks, byConstruct };
}

/** The risk codes written as annotations (`risks.stateless.cdk8s.io/<code>`). */
function riskCodes(annotations: { [k: string]: string } | undefined): string[] {
  return Object.keys(annotations ?? {})
    .filter((k) => k.startsWith(RISK_ANNOTATION_PREFIX) && k !== ACKNOWLEDGED_ANNOTATION && k !== ACKNOWLEDGED_REASONS_ANNOTATION)
    .map((k) => k.slice(RISK_ANNOTATION_PREFIX.length).toUpperCase().replace(/-/g, '_'))
    .sort();
}

/** What the build does instead of a refused prop: leave it out (the library's default) or change it. */
function fallback(call: ConstructCall, prop: string): { call: ConstructCall; instead: string } | undefined {
  const props = [...call.props];
  const set = (key: string, value: Expr | undefined) => {
    const i = props.findIndex(([k]) => k === key);
    if (i >= 0) props[i] = [key, value];
    else props.push([key, value]);
  };
  const get = (key: string) => props.find(([k]) => k === key)?.[1];
  const done = (instead: string) => ({ call: { ...call, props }, instead });
  const [head, sub] = prop.split('.');
  if (head === API.sticky.cookie && sub !== undefined) {
    const cookie = get(API.sticky.cookie);
    if (cookie?.k !== 'obj' || !cookie.entries.some(([k]) => k === sub)) return undefined;
    set(API.sticky.cookie, { k: 'obj', entries: cookie.entries.filter(([k]) => k !== sub) });
    return done(`${prop} left out (the library's default)`);
  }
  if (prop === API.sticky.mode && call.construct === API.sticky.construct) {
    if (get(prop)?.k === 'enum' && (get(prop) as any).value === AffinityMode.PERSISTENT) return undefined;
    set(prop, { k: 'enum', type: 'AffinityMode', value: AffinityMode.PERSISTENT });
    return done('mode: AffinityMode.PERSISTENT instead');
  }
  if (prop === API.canary.versionStickiness) {
    const on = get(prop)?.k === 'bool' && (get(prop) as any).v === true;
    set(prop, on ? undefined : { k: 'bool', v: true });
    return done(`versionStickiness: ${!on} instead`);
  }
  if (prop === API.canary.match || prop.startsWith(`${API.canary.match}.`)) {
    const kinds = sub === 'cookie' ? ['cookie'] : sub?.startsWith('header') ? ['header', 'headerPattern'] : sub === 'weight' ? ['weight'] : [];
    const match = get(API.canary.match);
    if (match?.k !== 'arr' || kinds.length === 0) return undefined;
    const items = match.items.filter((m) => !(m.k === 'match' && kinds.includes(m.kind)));
    if (items.length === match.items.length) return undefined;
    set(API.canary.match, { k: 'arr', items: items.length ? items : [{ k: 'match', kind: 'weight', args: [0] }] });
    return done(`the ${kinds.join(' and ')} match left out`);
  }
  if ((prop === API.sticky.tlsSecretName || prop === API.canary.weightTotal) && get(prop) !== undefined) {
    set(prop, undefined);
    return done(`${prop} left out`);
  }
  return undefined;
}

/** Run a synthesis without the risk report on stderr and without strict mode or a report file from the environment. */
function quietly<T>(fn: () => T): T {
  const write = process.stderr.write;
  const saved = [STRICT_ENV, REPORT_ENV].map((k) => [k, process.env[k]] as const);
  for (const [k] of saved) delete process.env[k];
  process.stderr.write = (() => true) as any;
  try {
    return fn();
  } finally {
    process.stderr.write = write;
    for (const [k, v] of saved) if (v !== undefined) process.env[k] = v;
  }
}

/** Leaves of the objects, `Kind/name path` -> value (risk annotations are reported as codes instead). */
export function leaves(objects: K8sObject[]): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (prefix: string, x: any): void => {
    if (x === null || typeof x !== 'object') {
      out.set(prefix, String(x));
      return;
    }
    if (Array.isArray(x)) x.forEach((v, i) => walk(`${prefix}[${i}]`, v));
    else for (const [k, v] of Object.entries(x)) walk(/^[A-Za-z0-9_]+$/.test(k) ? `${prefix}.${k}` : `${prefix}[${k}]`, v);
  };
  for (const o of objects) {
    const { annotations, ...metadata } = o.metadata ?? ({} as any);
    const kept = Object.fromEntries(Object.entries(annotations ?? {}).filter(([k]) => !k.startsWith(RISK_ANNOTATION_PREFIX)));
    const { metadata: _m, apiVersion: _a, kind: _k, ...rest } = o;
    walk(`${o.kind}/${o.metadata.name}`, { metadata: { ...metadata, annotations: kept }, ...rest });
  }
  return out;
}
