import { NginxAnnotationName } from '../../traffic/ingress-nginx';
import { isCanaryOf, nginxAnnotationKey } from '../../traffic/ingress-nginx-reader';
import { CliInputError, ManifestObject } from '../manifests';
import { API, bool, durationExpr, Expr, num, obj, str } from './library-api';
import { at, InputObjects, ReadAnnotation, ReadIngress, readInput } from './read-ingresses';

/** The `match` prop of a CanaryRelease, as its errors name it (`match.header`, `match.cookie`, ...). */
const M = API.canary.match;

/** One construct of the generated file. */
export interface ConstructCall {
  /** The variable holding it, when another construct refers to it. */
  readonly variable?: string;
  readonly construct: string;
  readonly id: string;
  readonly props: Array<readonly [string, Expr | undefined]>;
  /** Comment lines above it in the generated file. */
  readonly comments: string[];
  /** Variables of the constructs it needs (it is left out when one of them is). */
  readonly needs: string[];
}

/** A chart per namespace. */
export interface ChartPlan {
  readonly id: string;
  readonly className: string;
  readonly namespace?: string;
  /** The provider variable of each ingress class. */
  readonly providers: Array<{ readonly variable: string; readonly ingressClass: string }>;
  readonly calls: ConstructCall[];
}

/** What the import made of one annotation (or of TLS, the class, the path). */
export interface AnnotationUse {
  /** `namespace/name` of the Ingress. */
  readonly ingress: string;
  readonly where: string;
  readonly key: string;
  readonly raw: string;
  /** The construct id it went into (undefined: it went nowhere, see `meaning`). */
  readonly construct?: string;
  /** The props it set (construct prop paths, as a ValidationError names them). */
  readonly props: string[];
  /** What it became, in the construct's words. */
  readonly meaning: string;
  /** Recognised by the import (else listed as unknown). */
  readonly recognised: boolean;
  /** Whether ingress-nginx uses it (false: absent-equivalent, e.g. an invalid value, or no effect where it is). */
  readonly effective: boolean;
  /** Set when the import does not keep ingress-nginx's behaviour exactly: what differs. */
  readonly changes?: string;
  /** An annotation left out whose ingress-nginx default the import writes out (it has no "without"). */
  readonly absent?: boolean;
}

export interface ImportPlan {
  readonly charts: ChartPlan[];
  readonly uses: AnnotationUse[];
  readonly notes: string[];
  readonly sources: string[];
}

/** The import of `objects`: the constructs, and what each annotation became. */
export function planImport(objects: ManifestObject[]): ImportPlan {
  const input = readInput(objects);
  const charts = new Map<string, { plan: ChartPlan; names: Set<string> }>();
  const uses: AnnotationUse[] = [];
  const notes: string[] = [];
  const chartOf = (namespace: string | undefined) => {
    const id = namespace ?? 'default';
    let c = charts.get(id);
    if (!c) {
      c = { plan: { id, className: `Imported${pascal(id)}`, namespace, providers: [], calls: [] }, names: new Set() };
      charts.set(id, c);
    }
    return c;
  };
  const stables = input.ingresses.filter((i) => !i.isCanary);
  const canaries = input.ingresses.filter((i) => i.isCanary);
  const canaryOf = new Map<ReadIngress, ReadIngress>();
  for (const c of canaries) {
    const stable = stables.find((s) => s.namespace === c.namespace && isCanaryOf(c.reading, s.reading));
    if (!stable) {
      throw new CliInputError(`${at(c.source)}: canary Ingress ${c.name} has no stable Ingress with the same class, host, path and pathType (${c.ingressClass}, ${c.host ?? '*'}, ${c.path}, ${c.pathType}) in the input`);
    }
    if (canaryOf.has(stable)) {
      throw new CliInputError(`${at(c.source)}: canary Ingress ${c.name} is the second canary of Ingress ${stable.name}; ingress-nginx applies one canary per route`);
    }
    canaryOf.set(stable, c);
  }
  stables.forEach((s, i) => {
    const dup = stables.slice(0, i).find((o) => sameRoute(o, s));
    if (dup) {
      const hint = s.annotations.some((a) => a.name?.startsWith('canary-')) ? ` (canary annotations take effect only with ${nginxAnnotationKey('canary')}: "true")` : '';
      throw new CliInputError(`${at(s.source)}: Ingresses ${dup.name} and ${s.name} route the same class, host and path; import one of them${hint}`);
    }
    const chart = chartOf(s.namespace);
    planRoute(input, chart.plan, chart.names, s, canaryOf.get(s), uses, notes);
  });
  return { charts: [...charts.values()].map((c) => c.plan), uses, notes, sources: [...new Set(objects.map((o) => o.file))] };
}

function sameRoute(a: ReadIngress, b: ReadIngress): boolean {
  return a.namespace === b.namespace && a.ingressClass === b.ingressClass && a.host === b.host && a.path === b.path;
}

function planRoute(
  input: InputObjects,
  chart: ChartPlan,
  names: Set<string>,
  s: ReadIngress,
  c: ReadIngress | undefined,
  uses: AnnotationUse[],
  notes: string[],
): void {
  const route = `${s.namespace ?? 'default'}/${s.name}`;
  const use = (i: ReadIngress, key: string, raw: string, construct: string | undefined, props: string[], meaning: string, effective = true) =>
    uses.push({ ingress: `${i.namespace ?? 'default'}/${i.name}`, where: at(i.source), key, raw, construct, props, meaning, recognised: true, effective });
  const sticky = s.reading.affinity !== undefined;
  const service = findService(input, s.namespace, s.serviceName);
  const deployment = service ? findDeployment(input, s.namespace, service) : undefined;
  const traffic = providerVariable(chart, names, s.ingressClass);
  const regex = s.reading.useRegex;
  const pathType: Expr = { k: 'enum', type: 'PathType', value: regex ? 'RegularExpression' : s.pathType === 'Exact' ? 'Exact' : 'Prefix' };
  const routeProps = (p: { host: string; path: string; pathType: string; tlsSecretName: string }): Array<readonly [string, Expr | undefined]> => [
    [p.host, s.host !== undefined ? str(s.host) : undefined],
    [p.path, str(s.path)],
    [p.pathType, pathType],
    [p.tlsSecretName, s.tlsSecretName !== undefined ? str(s.tlsSecretName) : undefined],
  ];

  const id = (base: string) => unique(names, `id:${base}`).slice(3);
  if (!sticky && !c && !deployment) {
    notes.push(
      `${at(s.source)}: Ingress ${route} was not imported: it has neither cookie affinity nor a canary, and the Deployment behind Service ${s.serviceName} is not in the input (a StatelessWebApp owns its Deployment; import it with the Deployment, or keep the Ingress as it is)`,
    );
    for (const a of s.annotations) listAnnotation(uses, s, a, undefined, 'not imported (the Ingress was not imported)');
    return;
  }
  let appId: string | undefined;
  let appVariable: string | undefined;
  // the file owns the app when its Deployment is given, and must own it to route without affinity or to release a canary
  if (c || !sticky || deployment) {
    appId = id(s.serviceName);
    appVariable = unique(names, camel(s.serviceName));
    const w = API.webApp;
    const props: Array<readonly [string, Expr | undefined]> = [
      [w.name, str(s.serviceName)],
      ...workloadProps(input, s, service, deployment, notes, route),
      [w.servicePort, num(s.servicePort)],
      ...(sticky ? [] : routeProps(w)),
      [w.traffic, { k: 'traffic', variable: traffic }],
    ];
    chart.calls.push({
      variable: appVariable,
      construct: w.construct,
      id: appId,
      props,
      comments: [
        `Service ${s.serviceName}${deployment ? ` and Deployment ${deployment.object.metadata.name} (${at(deployment)})` : ' (its Deployment is not in the input)'}` +
          (sticky ? '; the StickyIngress below owns its route' : `; route of Ingress ${s.name} (${at(s.source)})`),
      ],
      needs: [],
    });
  }
  const stickyId = sticky ? id(appId === undefined ? s.name : `${s.name}-route`) : undefined;
  useRoute(s, stickyId ?? appId!, use, uses);
  if (sticky) {
    const k = API.sticky;
    const cookie = cookieProps(s, stickyId!, use, uses);
    const props: Array<readonly [string, Expr | undefined]> = [
      appVariable ? [k.service, { k: 'ref', variable: appVariable, member: API.webApp.serviceMember }] : [k.serviceRef, obj([['name', str(s.serviceName)], ['port', num(s.servicePort)]])],
      [k.name, str(s.name)],
      ...routeProps(k),
      [k.traffic, { k: 'traffic', variable: traffic }],
      [k.mode, { k: 'enum', type: 'AffinityMode', value: s.reading.affinity!.mode }],
      [k.justification, { k: 'fillIn', what: `why ${s.name} needs cookie affinity`, standIn: 'imported from ingress-nginx' }],
      [k.cookie, cookie],
    ];
    chart.calls.push({
      construct: k.construct,
      id: stickyId!,
      props,
      comments: [`Ingress ${s.name} (${at(s.source)})${appVariable ? '' : `: Service ${s.serviceName} is not owned by this file, so it is referenced by name and port`}`],
      needs: appVariable ? [appVariable] : [],
    });
  }
  if (c) planCanary(input, chart, s, c, id(c.name), appVariable!, sticky, use, notes, uses);
  for (const i of c ? [s, c] : [s]) {
    for (const a of i.annotations) {
      if (!uses.some((u) => u.key === a.key && u.ingress === `${i.namespace ?? 'default'}/${i.name}`)) listAnnotation(uses, i, a, undefined, undefined);
    }
  }
}

/** An annotation the route did not use: unknown, ignored by ingress-nginx, or without effect where it is. */
function listAnnotation(uses: AnnotationUse[], i: ReadIngress, a: ReadAnnotation, construct: string | undefined, why: string | undefined): void {
  const ingress = `${i.namespace ?? 'default'}/${i.name}`;
  let meaning = why;
  if (meaning === undefined) {
    if (!a.recognised) meaning = 'unknown to cdk8s-stateless: not imported (carry it by hand if you need it)';
    else if (a.ignored) meaning = `ingress-nginx ignores this value (${a.ignored}), so it has no effect and is not imported`;
    else meaning = 'no effect on this Ingress in ingress-nginx (see the notes), not imported';
  }
  uses.push({ ingress, where: at(i.source), key: a.key, raw: a.raw, construct, props: [], meaning, recognised: a.recognised, effective: false });
}

function useRoute(
  s: ReadIngress,
  owner: string,
  use: (i: ReadIngress, key: string, raw: string, construct: string | undefined, props: string[], meaning: string) => void,
  uses: AnnotationUse[],
): void {
  const classAnnotation = s.annotations.find((a) => a.key === 'kubernetes.io/ingress.class');
  use(s, 'ingress class', s.ingressClass, owner, [API.sticky.traffic], `TrafficProvider.ingressNginx({ ingressClassName: '${s.ingressClass}' }) (from ${s.classFrom})`);
  if (classAnnotation) use(s, classAnnotation.key, classAnnotation.raw, owner, [API.sticky.traffic], 'the ingress class (see "ingress class")');
  if (s.tlsSecretName) use(s, 'tls', s.tlsSecretName, owner, [API.sticky.tlsSecretName], `tlsSecretName: '${s.tlsSecretName}'`);
  const regex = s.reading.annotation('use-regex');
  if (regex) {
    use(s, regex.key, regex.raw, owner, [API.sticky.pathType, API.sticky.path], s.reading.useRegex ? 'pathType: PathType.REGULAR_EXPRESSION' : `pathType stays ${s.pathType === 'Exact' ? 'EXACT' : 'PREFIX'} (use-regex is not true)`);
  }
  if (s.pathType === 'ImplementationSpecific' && !s.reading.useRegex) {
    uses.push({
      ingress: `${s.namespace ?? 'default'}/${s.name}`,
      where: at(s.source),
      key: 'pathType',
      raw: s.pathType,
      construct: owner,
      props: [API.sticky.pathType],
      meaning: 'pathType: PathType.PREFIX',
      recognised: true,
      effective: true,
      changes: 'PathType.PREFIX matches whole path elements (/app matches /app/x, not /appx); ingress-nginx matched ImplementationSpecific as a plain string prefix',
    });
  }
}

/** The cookie options of a sticky route, from the session-cookie-* annotations (effective values, defaults made explicit). */
function cookieProps(
  s: ReadIngress,
  id: string,
  use: (i: ReadIngress, key: string, raw: string, construct: string | undefined, props: string[], meaning: string, effective?: boolean) => void,
  uses: AnnotationUse[],
): Expr {
  const k = API.cookie;
  const read = s.reading.affinity!;
  const entries: Array<readonly [string, Expr | undefined]> = [];
  const annotation = (n: NginxAnnotationName) => s.reading.annotation(n);
  const absent = (n: NginxAnnotationName, prop: string, meaning: string, changes?: string) =>
    uses.push({ ingress: `${s.namespace ?? 'default'}/${s.name}`, where: at(s.source), key: `${nginxAnnotationKey(n)} (absent)`, raw: '', construct: id, props: [prop], meaning, recognised: true, effective: true, changes, absent: true });
  const seen = (n: NginxAnnotationName, prop: string, value: Expr | undefined, meaning: string) => {
    const a = annotation(n);
    if (a?.value !== undefined) use(s, a.key, a.raw, id, [prop], meaning);
    entries.push([prop.replace(/^cookie\./, ''), value]);
  };
  const affinity = annotation('affinity')!;
  use(s, affinity.key, affinity.raw, id, [API.sticky.mode, API.sticky.justification], 'StickyIngress (cookie affinity)');
  const mode = annotation('affinity-mode');
  if (mode?.value !== undefined) use(s, mode.key, mode.raw, id, [API.sticky.mode], `mode: AffinityMode.${mode.value.toUpperCase()}`);
  const name = s.reading.has('session-cookie-name') ? read.cookieName : undefined;
  seen('session-cookie-name', `cookie.${k.name}`, name !== undefined ? str(name) : undefined, `cookie.name: '${name}'`);
  for (const [n, prop, v] of [['session-cookie-path', k.path, read.cookiePath], ['session-cookie-domain', k.domain, read.cookieDomain]] as const) {
    seen(n, `cookie.${prop}`, v !== undefined ? str(v) : undefined, `cookie.${prop}: '${v}'`);
  }
  for (const [n, prop, v] of [['session-cookie-max-age', k.maxAge, read.maxAgeSeconds], ['session-cookie-expires', k.expires, read.expiresSeconds]] as const) {
    seen(n, `cookie.${prop}`, v !== undefined ? durationExpr(v) : undefined, `cookie.${prop}: ${v} s`);
  }
  const sameSiteValue = read.sameSite;
  seen('session-cookie-samesite', `cookie.${k.sameSite}`, sameSiteValue ? { k: 'enum', type: 'SameSite', value: sameSiteValue } : undefined, `cookie.sameSite: SameSite.${sameSiteValue?.toUpperCase()}`);
  // booleans whose ingress-nginx default (false) differs from the library's: written out either way
  for (const [n, prop, why, v] of [
    ['session-cookie-secure', k.secure, 'Secure only on HTTPS requests (sticky.lua)', read.secure],
    ['session-cookie-change-on-failure', k.changeOnFailure, 'the pin stays after a failed attempt (sticky.lua)', read.changeOnFailure],
  ] as const) {
    seen(n, `cookie.${prop}`, bool(v), `cookie.${prop}: ${v}`);
    if (annotation(n)?.value === undefined) absent(n, `cookie.${prop}`, `cookie.${prop}: false, written out: ingress-nginx's default (${why}) is not the library's`);
  }
  if (sameSiteValue === undefined) {
    absent(
      'session-cookie-samesite',
      `cookie.${k.sameSite}`,
      "cookie.sameSite left to the library's default, SameSite.LAX",
      'the cookie gains SameSite=Lax: ingress-nginx wrote no SameSite attribute (sticky.lua), and browsers differ in what a cookie without one gets; the library has no setting for "none written"',
    );
  }
  const conditional = read.conditionalSameSiteNone;
  seen('session-cookie-conditional-samesite-none', `cookie.${k.conditionalSameSiteNone}`, conditional ? bool(true) : undefined, `cookie.conditionalSameSiteNone: ${conditional}`);
  return obj(entries);
}

function planCanary(
  input: InputObjects,
  chart: ChartPlan,
  s: ReadIngress,
  c: ReadIngress,
  canaryId: string,
  appVariable: string,
  sticky: boolean,
  use: (i: ReadIngress, key: string, raw: string, construct: string | undefined, props: string[], meaning: string, effective?: boolean) => void,
  notes: string[],
  uses: AnnotationUse[],
): void {
  const k = API.canary;
  const read = c.reading.canary!;
  const matches = canaryMatches(s, c, canaryId, use);
  const versionSticky = canaryVersionStickiness(s, c, canaryId, sticky, use, uses);
  const canaryService = findService(input, c.namespace, c.serviceName);
  const canaryDeployment = canaryService ? findDeployment(input, c.namespace, canaryService) : undefined;
  const image = canaryDeployment ? firstContainer(canaryDeployment)?.image : undefined;
  notes.push(
    `${at(c.source)}: canary Ingress ${c.name} becomes CanaryRelease ${c.name}, which runs the stable pod spec with its own image in a Deployment and Service named ${s.serviceName}-canary-<releaseId>` +
      ` (Service ${c.serviceName}${canaryDeployment ? ` and Deployment ${canaryDeployment.object.metadata.name}` : ''} are replaced); its Ingress is named ${sticky ? s.name : s.serviceName}-canary.`,
  );
  chart.calls.push({
    construct: k.construct,
    id: canaryId,
    props: [
      [k.stable, { k: 'ref', variable: appVariable }],
      [k.image, image ? str(image) : { k: 'fillIn', what: `the canary image (Service ${c.serviceName})`, standIn: 'registry.example/fill-in-canary:0.0.0' }],
      [k.match, { k: 'arr', items: matches }],
      [k.weightTotal, read.weightTotalSet ? num(read.weightTotal) : undefined],
      [k.versionStickiness, versionSticky ? bool(true) : undefined],
    ],
    comments: [`canary Ingress ${c.name} (${at(c.source)})`],
    needs: [appVariable],
  });
}

/**
 * The CanaryRelease's matches from the canary-by-* and canary-weight annotations, in ingress-nginx's order (header,
 * cookie, weight), recording the use of each annotation.
 */
function canaryMatches(
  s: ReadIngress,
  c: ReadIngress,
  canaryId: string,
  use: (i: ReadIngress, key: string, raw: string, construct: string | undefined, props: string[], meaning: string, effective?: boolean) => void,
): Expr[] {
  const ann = (n: NginxAnnotationName) => c.reading.annotation(n);
  const matches: Expr[] = [];
  const read = c.reading.canary!;
  const header = read.header;
  const canaryAnn = ann('canary')!;
  use(c, canaryAnn.key, canaryAnn.raw, canaryId, [M], `CanaryRelease of ${s.serviceName}`);
  if (header !== undefined) {
    const value = read.headerValue;
    const pattern = read.headerPattern;
    const h = ann('canary-by-header')!;
    if (value !== undefined) {
      matches.push({ k: 'match', kind: 'header', args: [header, value] });
      use(c, h.key, h.raw, canaryId, [`${M}.header`], `CanaryMatch.header('${header}', '${value}')`);
      use(c, ann('canary-by-header-value')!.key, ann('canary-by-header-value')!.raw, canaryId, [`${M}.header value`, `${M}.header`], `CanaryMatch.header('${header}', '${value}')`);
      // canary/main.go: "when 'canary-by-header-value' is set this annotation will be ignored"
      const p = ann('canary-by-header-pattern');
      if (p) use(c, p.key, p.raw, undefined, [], 'ingress-nginx ignores it while canary-by-header-value is set, so it is not imported', false);
    } else if (pattern !== undefined) {
      matches.push({ k: 'match', kind: 'headerPattern', args: [header, pattern] });
      use(c, h.key, h.raw, canaryId, [`${M}.header`], `CanaryMatch.headerPattern('${header}', '${pattern}')`);
      use(c, ann('canary-by-header-pattern')!.key, ann('canary-by-header-pattern')!.raw, canaryId, [`${M}.headerPattern`, `${M}.header`], `CanaryMatch.headerPattern('${header}', '${pattern}')`);
    } else {
      matches.push({ k: 'match', kind: 'header', args: [header] });
      use(c, h.key, h.raw, canaryId, [`${M}.header`], `CanaryMatch.header('${header}') (always / never)`);
    }
  } else {
    for (const n of ['canary-by-header-value', 'canary-by-header-pattern'] as const) {
      const a = ann(n);
      if (a) use(c, a.key, a.raw, undefined, [], 'no effect without canary-by-header (canary/main.go), not imported', false);
    }
  }
  const cookie = read.cookie;
  if (cookie !== undefined) {
    matches.push({ k: 'match', kind: 'cookie', args: [cookie] });
    use(c, ann('canary-by-cookie')!.key, ann('canary-by-cookie')!.raw, canaryId, [`${M}.cookie`], `CanaryMatch.cookie('${cookie}')`);
  }
  const weight = read.weight;
  const total = read.weightTotal;
  // no header, cookie or weight: the canary gets no request (weight 0), which the release says explicitly
  if (read.weightSet || matches.length === 0) {
    matches.push({ k: 'match', kind: 'weight', args: [weight] });
    const w = ann('canary-weight');
    if (w) use(c, w.key, w.raw, canaryId, [`${M}.weight`, M], `CanaryMatch.weight(${weight})`);
  }
  const t = ann('canary-weight-total');
  if (t) use(c, t.key, t.raw, canaryId, [API.canary.weightTotal], `weightTotal: ${total}`);
  return matches;
}

/**
 * versionStickiness from affinity-canary-behavior (present, absent, or misplaced on the stable Ingress), and the
 * canary Ingress's other annotations, which the CanaryRelease does not import.
 */
function canaryVersionStickiness(
  s: ReadIngress,
  c: ReadIngress,
  canaryId: string,
  sticky: boolean,
  use: (i: ReadIngress, key: string, raw: string, construct: string | undefined, props: string[], meaning: string, effective?: boolean) => void,
  uses: AnnotationUse[],
): boolean {
  const ann = (n: NginxAnnotationName) => c.reading.annotation(n);
  const read = c.reading.canary!;
  const behavior = ann('affinity-canary-behavior');
  const versionSticky = sticky && read.versionSticky;
  if (behavior) {
    use(c, behavior.key, behavior.raw, canaryId, [API.canary.versionStickiness], sticky ? `versionStickiness: ${versionSticky}` : 'versionStickiness: false (the stable route has no affinity, so the behaviour has no effect)', sticky);
  }
  if (!behavior && sticky) {
    uses.push({
      ingress: `${c.namespace ?? 'default'}/${c.name}`,
      where: at(c.source),
      key: `${nginxAnnotationKey('affinity-canary-behavior')} (absent)`,
      raw: '',
      construct: canaryId,
      props: [API.canary.versionStickiness],
      meaning: "versionStickiness: true (ingress-nginx's default, sticky: the canary keeps the users it answers)",
      recognised: true,
      effective: true,
      absent: true,
    });
  }
  const sb = s.reading.annotation('affinity-canary-behavior');
  if (sb) use(s, sb.key, sb.raw, undefined, [], 'no effect on the stable Ingress: ingress-nginx reads it from the canary Ingress (controller.go mergeAlternativeBackend); not imported', false);
  // the canary Ingress inherits the stable route's affinity (annotations.md, Canary: "annotations related to session affinity" are the exception)
  for (const a of c.annotations) {
    if (a.recognised && a.name !== undefined && a.name !== 'affinity-canary-behavior' && !a.name.startsWith('canary') && a.key !== 'kubernetes.io/ingress.class') {
      use(c, a.key, a.raw, undefined, [], 'not imported: a CanaryRelease takes the stable route\'s affinity and path (review it by hand if the canary Ingress differed)', false);
    }
  }
  return versionSticky;
}

function workloadProps(
  input: InputObjects,
  s: ReadIngress,
  service: ManifestObject | undefined,
  deployment: ManifestObject | undefined,
  notes: string[],
  route: string,
): Array<readonly [string, Expr | undefined]> {
  const w = API.webApp;
  void input;
  const svcPort = (service?.object.spec?.ports ?? []).find((p: any) => p?.port === s.servicePort);
  const container = deployment ? firstContainer(deployment) : undefined;
  let port: number | undefined = typeof svcPort?.targetPort === 'number' ? svcPort.targetPort : undefined;
  if (port === undefined && container) {
    const ports: any[] = container.ports ?? [];
    const named = ports.find((p) => p?.name === svcPort?.targetPort) ?? ports[0];
    port = typeof named?.containerPort === 'number' ? named.containerPort : undefined;
  }
  const env = Object.fromEntries(((container?.env ?? []) as any[]).filter((e) => typeof e?.value === 'string').map((e) => [e.name, e.value]));
  const dropped = ((container?.env ?? []) as any[]).filter((e) => typeof e?.value !== 'string').map((e) => e?.name);
  if (deployment) {
    notes.push(
      `${at(deployment)}: Deployment ${deployment.object.metadata.name} of ${route}: the import carries its image, replicas, container port and literal env values;` +
        ` review resources, probes, volumes${dropped.length ? ` and the env from references (${dropped.join(', ')})` : ''} by hand.`,
    );
  }
  const image = container?.image;
  return [
    [w.image, typeof image === 'string' ? str(image) : { k: 'fillIn', what: `the image of ${s.serviceName}`, standIn: 'registry.example/fill-in:0.0.0' }],
    [w.port, port !== undefined ? num(port) : { k: 'fillIn', what: `the container port of ${s.serviceName}`, standIn: 8080 }],
    [w.replicas, deployment ? num(typeof deployment.object.spec?.replicas === 'number' ? deployment.object.spec.replicas : 1) : undefined],
    [w.env, Object.keys(env).length ? obj(Object.entries(env).map(([n, v]) => [n, str(v as string)])) : undefined],
  ];
}

function firstContainer(d: ManifestObject): any {
  return d.object.spec?.template?.spec?.containers?.[0];
}

function findService(input: InputObjects, namespace: string | undefined, name: string): ManifestObject | undefined {
  return input.services.find((s) => s.object.metadata?.name === name && s.object.metadata?.namespace === namespace);
}

/** The Deployment whose pod labels the Service selects. */
function findDeployment(input: InputObjects, namespace: string | undefined, service: ManifestObject): ManifestObject | undefined {
  const selector: { [k: string]: string } = service.object.spec?.selector ?? {};
  if (Object.keys(selector).length === 0) return undefined;
  return input.deployments.find((d) => {
    const labels = d.object.spec?.template?.metadata?.labels ?? {};
    return d.object.metadata?.namespace === namespace && Object.entries(selector).every(([k, v]) => labels[k] === v);
  });
}

function providerVariable(chart: ChartPlan, names: Set<string>, ingressClass: string): string {
  const existing = chart.providers.find((p) => p.ingressClass === ingressClass);
  if (existing) return existing.variable;
  const variable = unique(names, chart.providers.length === 0 ? 'traffic' : camel(`${ingressClass}-traffic`));
  chart.providers.push({ variable, ingressClass });
  return variable;
}

function unique(names: Set<string>, base: string): string {
  let n = base;
  for (let i = 2; names.has(n); i++) n = `${base}${i}`;
  names.add(n);
  return n;
}

function camel(s: string): string {
  const p = pascal(s);
  const c = p.charAt(0).toLowerCase() + p.slice(1);
  return /^[A-Za-z_$]/.test(c) ? c : `_${c}`;
}

function pascal(s: string): string {
  return s.split(/[^A-Za-z0-9]+/).filter(Boolean).map((w) => w[0].toUpperCase() + w.slice(1)).join('') || 'Default';
}

