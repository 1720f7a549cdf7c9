import { Target } from '../src/cli/import/build';
import { planImport } from '../src/cli/import/plan';
import { EntryReport, reportOn } from '../src/cli/import/report';
import { ManifestObject } from '../src/cli/manifests';
import { NGINX_ANNOTATION_RULES } from '../src/traffic/ingress-nginx';

// Every annotation the import recognises, one at a time: what it is imported as, and what each target controller
// renders, refuses or loses for it (read from the provider's rendered objects, risk annotations and errors).

const N = 'nginx.ingress.kubernetes.io/';
type Annotations = { [k: string]: string };

function ingress(name: string, service: string, annotations: Annotations, spec: { [k: string]: unknown } = {}, path = '/'): ManifestObject {
  return {
    file: 'input.yaml',
    line: name.length, // any line: messages are not under test here
    object: {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name, namespace: 'shop', annotations },
      spec: {
        ingressClassName: 'nginx',
        rules: [{ host: 'web.example.com', http: { paths: [{ path, pathType: 'Prefix', backend: { service: { name: service, port: { number: 80 } } } }] } }],
        ...spec,
      },
    },
  };
}

/** The Deployment and Service of the stable app `web`. */
const WORKLOAD: ManifestObject[] = [
  {
    file: 'input.yaml',
    line: 1,
    object: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'shop' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'ghcr.io/acme/web:1.0.0', ports: [{ containerPort: 8080 }] }] } },
      },
    },
  },
  { file: 'input.yaml', line: 20, object: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop' }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } } },
];

const sticky = (a: Annotations = {}, spec?: { [k: string]: unknown }) => [ingress('web', 'web', { [`${N}affinity`]: 'cookie', ...a }, spec)];
const canary = (a: Annotations, stable: Annotations = { [`${N}affinity`]: 'cookie' }) => [
  ...WORKLOAD,
  ingress('web', 'web', stable),
  ingress('web-canary', 'web-next', { [`${N}canary`]: 'true', ...a }),
];

/** The report entry of `key` on `target`. */
function entry(objects: ManifestObject[], key: string, target: Target = 'ingress-nginx'): EntryReport {
  const report = reportOn(objects, planImport(objects), target);
  const found = report.entries.filter((e) => e.key === key);
  if (found.length !== 1) throw new Error(`expected one entry for ${key}, got ${found.length}: ${report.entries.map((e) => e.key).join(', ')}`);
  return found[0];
}

interface Row {
  /** What the row tests, for the test name. */
  readonly title: string;
  readonly input: ManifestObject[];
  readonly key: string;
  readonly imported: string;
  /** Per target: outcome, a line of the detail (exact), risk codes that must be among the entry's. */
  readonly on: { [t in Target]?: [EntryReport['outcome'], string?, string[]?] };
}

const ROWS: Row[] = [
  {
    title: 'affinity: cookie',
    input: sticky(),
    key: `${N}affinity`,
    imported: 'StickyIngress (cookie affinity)',
    on: {
      'ingress-nginx': ['becomes', 'Ingress/web (a whole object)', ['INGRESS_NGINX_RETIRED', 'AFFINITY_BALANCED_REPIN']],
      'gateway-api': ['refused', undefined, ['GATEWAY_API_EXPERIMENTAL']],
      'traefik': ['refused'],
    },
  },
  {
    title: 'affinity: a value ingress-nginx ignores',
    input: [ingress('web', 'web', { [`${N}affinity`]: 'ip' })],
    key: `${N}affinity`,
    imported: 'not imported (the Ingress was not imported)',
    on: { 'ingress-nginx': ['not imported'] },
  },
  {
    title: 'affinity-mode: persistent',
    input: sticky({ [`${N}affinity-mode`]: 'persistent' }),
    key: `${N}affinity-mode`,
    imported: 'mode: AffinityMode.PERSISTENT',
    on: {
      'ingress-nginx': ['becomes', `Ingress/web.metadata.annotations[${N}affinity-mode]: persistent (instead of balanced)`, ['AFFINITY_PERSISTENT_NO_REBALANCE']],
      'gateway-api': ['becomes'],
      'traefik': ['becomes'],
    },
  },
  {
    title: 'affinity-canary-behavior: legacy on the canary',
    input: canary({ [`${N}canary-weight`]: '10', [`${N}affinity-canary-behavior`]: 'legacy' }),
    key: `${N}affinity-canary-behavior`,
    imported: 'versionStickiness: false',
    on: {
      'ingress-nginx': ['becomes', `Ingress/web-canary.metadata.annotations[${N}affinity-canary-behavior]: legacy (instead of sticky)`, ['INGRESS_NGINX_CANARY_FIRST_REQUESTS_ONLY']],
      'gateway-api': ['refused'],
      'traefik': ['refused'],
    },
  },
  {
    title: 'affinity-canary-behavior left out: sticky',
    input: canary({ [`${N}canary-weight`]: '10' }),
    key: `${N}affinity-canary-behavior (absent)`,
    imported: "versionStickiness: true (ingress-nginx's default, sticky: the canary keeps the users it answers)",
    on: { 'ingress-nginx': ['becomes'], 'gateway-api': ['becomes'], 'traefik': ['becomes'] },
  },
  {
    title: 'session-cookie-name',
    input: sticky({ [`${N}session-cookie-name`]: 'route' }),
    key: `${N}session-cookie-name`,
    imported: "cookie.name: 'route'",
    on: {
      'ingress-nginx': ['becomes', `Ingress/web.metadata.annotations[${N}session-cookie-name]: route (instead of INGRESSCOOKIE)`],
      'traefik': ['becomes', 'IngressRoute/web.spec.routes[0].services[0].sticky.cookie.name: route'],
    },
  },
  {
    title: 'session-cookie-path',
    input: sticky({ [`${N}session-cookie-path`]: '/app' }),
    key: `${N}session-cookie-path`,
    imported: "cookie.path: '/app'",
    on: {
      'ingress-nginx': ['becomes', `Ingress/web.metadata.annotations[${N}session-cookie-path]: /app`],
      'gateway-api': ['refused'],
      'traefik': ['becomes', 'IngressRoute/web.spec.routes[0].services[0].sticky.cookie.path: /app'],
    },
  },
  {
    title: 'session-cookie-domain',
    input: sticky({ [`${N}session-cookie-domain`]: '.example.com' }),
    key: `${N}session-cookie-domain`,
    imported: "cookie.domain: '.example.com'",
    on: {
      'ingress-nginx': ['becomes', `Ingress/web.metadata.annotations[${N}session-cookie-domain]: .example.com`],
      'gateway-api': ['refused'],
      'traefik': ['becomes', 'IngressRoute/web.spec.routes[0].services[0].sticky.cookie.domain: .example.com'],
    },
  },
  {
    title: 'session-cookie-samesite',
    input: sticky({ [`${N}session-cookie-samesite`]: 'Strict' }),
    key: `${N}session-cookie-samesite`,
    imported: 'cookie.sameSite: SameSite.STRICT',
    on: {
      'ingress-nginx': ['becomes', `Ingress/web.metadata.annotations[${N}session-cookie-samesite]: Strict (instead of Lax)`],
      'gateway-api': ['refused'],
      'traefik': ['becomes', 'IngressRoute/web.spec.routes[0].services[0].sticky.cookie.sameSite: Strict (instead of Lax)'],
    },
  },
  {
    title: 'session-cookie-samesite left out: the one change the import makes',
    input: sticky(),
    key: `${N}session-cookie-samesite (absent)`,
    imported: "cookie.sameSite left to the library's default, SameSite.LAX",
    on: { 'ingress-nginx': ['changes'], 'traefik': ['changes'] },
  },
  {
    title: 'session-cookie-conditional-samesite-none',
    input: sticky({ [`${N}session-cookie-samesite`]: 'None', [`${N}session-cookie-secure`]: 'true', [`${N}session-cookie-conditional-samesite-none`]: 'true' }),
    key: `${N}session-cookie-conditional-samesite-none`,
    imported: 'cookie.conditionalSameSiteNone: true',
    on: {
      'ingress-nginx': ['becomes', `Ingress/web.metadata.annotations[${N}session-cookie-conditional-samesite-none]: true`],
      'gateway-api': ['refused'],
      'traefik': ['refused'],
    },
  },
  {
    title: 'session-cookie-max-age',
    input: sticky({ [`${N}session-cookie-max-age`]: '3600' }),
    key: `${N}session-cookie-max-age`,
    imported: 'cookie.maxAge: 3600 s',
    on: {
      'ingress-nginx': ['becomes', `Ingress/web.metadata.annotations[${N}session-cookie-max-age]: 3600`],
      'traefik': ['becomes', 'IngressRoute/web.spec.routes[0].services[0].sticky.cookie.maxAge: 3600'],
    },
  },
  {
    title: 'session-cookie-expires',
    input: sticky({ [`${N}session-cookie-expires`]: '3600' }),
    key: `${N}session-cookie-expires`,
    imported: 'cookie.expires: 3600 s',
    on: {
      'ingress-nginx': ['becomes', `Ingress/web.metadata.annotations[${N}session-cookie-expires]: 3600`],
      'gateway-api': ['refused'],
      'traefik': ['refused'],
    },
  },
  {
    title: 'session-cookie-secure',
    input: sticky({ [`${N}session-cookie-secure`]: 'true' }),
    key: `${N}session-cookie-secure`,
    imported: 'cookie.secure: true',
    on: {
      'ingress-nginx': ['becomes', `Ingress/web.metadata.annotations[${N}session-cookie-secure]: true (instead of false)`, ['AFFINITY_SECURE_COOKIE_WITHOUT_TLS']],
      'traefik': ['becomes', 'IngressRoute/web.spec.routes[0].services[0].sticky.cookie.secure: true (instead of false)'],
    },
  },
  {
    title: 'session-cookie-secure left out: false, which Gateway API refuses',
    input: sticky(),
    key: `${N}session-cookie-secure (absent)`,
    imported: "cookie.secure: false, written out: ingress-nginx's default (Secure only on HTTPS requests (sticky.lua)) is not the library's",
    on: { 'ingress-nginx': ['becomes'], 'gateway-api': ['refused'] },
  },
  {
    title: 'session-cookie-change-on-failure',
    input: sticky({ [`${N}session-cookie-change-on-failure`]: 'true' }),
    key: `${N}session-cookie-change-on-failure`,
    imported: 'cookie.changeOnFailure: true',
    on: { 'ingress-nginx': ['becomes', `Ingress/web.metadata.annotations[${N}session-cookie-change-on-failure]: true (instead of false)`] },
  },
  {
    title: 'session-cookie-change-on-failure left out: false, which Traefik refuses',
    input: sticky(),
    key: `${N}session-cookie-change-on-failure (absent)`,
    imported: "cookie.changeOnFailure: false, written out: ingress-nginx's default (the pin stays after a failed attempt (sticky.lua)) is not the library's",
    on: { 'ingress-nginx': ['becomes'], 'traefik': ['refused'] },
  },
  {
    title: 'canary',
    input: canary({ [`${N}canary-weight`]: '10' }, {}),
    key: `${N}canary`,
    imported: 'CanaryRelease of web',
    on: {
      'ingress-nginx': ['becomes', 'Ingress/web-canary (a whole object)', ['INGRESS_NGINX_RETIRED']],
      'gateway-api': ['becomes'],
      'traefik': ['becomes', 'IngressRoute/web-canary (a whole object)'],
    },
  },
  {
    title: 'canary-weight',
    input: canary({ [`${N}canary-weight`]: '10' }, {}),
    key: `${N}canary-weight`,
    imported: 'CanaryMatch.weight(10)',
    on: {
      'ingress-nginx': ['becomes', `Ingress/web-canary.metadata.annotations[${N}canary-weight]: 10 (instead of 0)`],
      'gateway-api': ['becomes', 'HTTPRoute/web.spec.rules[0].backendRefs[0].weight: 90 (instead of 100)'],
      'traefik': ['becomes', 'TraefikService/web-split.spec.weighted.services[0].weight: 90 (instead of 100)'],
    },
  },
  {
    title: 'canary-weight: a value ingress-nginx ignores',
    input: canary({ [`${N}canary-weight`]: 'ten', [`${N}canary-by-header`]: 'x-canary' }, {}),
    key: `${N}canary-weight`,
    imported: 'ingress-nginx ignores this value (not an integer (strconv.Atoi)), so it has no effect and is not imported',
    on: { 'ingress-nginx': ['not imported'] },
  },
  {
    title: 'canary-weight-total',
    input: canary({ [`${N}canary-weight`]: '10', [`${N}canary-weight-total`]: '1000' }, {}),
    key: `${N}canary-weight-total`,
    imported: 'weightTotal: 1000',
    on: {
      'ingress-nginx': ['becomes', `Ingress/web-canary.metadata.annotations[${N}canary-weight-total]: 1000 (instead of 100)`],
      'gateway-api': ['becomes', 'HTTPRoute/web.spec.rules[0].backendRefs[0].weight: 990 (instead of 90)'],
    },
  },
  {
    title: 'canary-by-header',
    input: canary({ [`${N}canary-by-header`]: 'x-canary' }, {}),
    key: `${N}canary-by-header`,
    imported: "CanaryMatch.header('x-canary') (always / never)",
    on: {
      'ingress-nginx': ['becomes', `Ingress/web-canary.metadata.annotations[${N}canary-by-header]: x-canary`],
      'gateway-api': ['becomes', 'HTTPRoute/web.spec.rules[0].matches[0].headers[0].value: always'],
      'traefik': ['becomes'],
    },
  },
  {
    title: 'canary-by-header-value',
    input: canary({ [`${N}canary-by-header`]: 'x-region', [`${N}canary-by-header-value`]: 'us-east' }, {}),
    key: `${N}canary-by-header-value`,
    imported: "CanaryMatch.header('x-region', 'us-east')",
    on: {
      'ingress-nginx': ['becomes', `Ingress/web-canary.metadata.annotations[${N}canary-by-header-value]: us-east`],
      'gateway-api': ['becomes', 'HTTPRoute/web.spec.rules[0].matches[0].headers[0].value: us-east (instead of always)'],
    },
  },
  {
    title: 'canary-by-header-pattern',
    input: canary({ [`${N}canary-by-header`]: 'x-beta', [`${N}canary-by-header-pattern`]: '^(alice|bob)' }, {}),
    key: `${N}canary-by-header-pattern`,
    imported: "CanaryMatch.headerPattern('x-beta', '^(alice|bob)')",
    on: {
      'ingress-nginx': ['becomes', `Ingress/web-canary.metadata.annotations[${N}canary-by-header-pattern]: ^(alice|bob)`, ['INGRESS_NGINX_PATTERN_UNANCHORED']],
      'gateway-api': ['becomes', undefined, ['GATEWAY_API_IMPLEMENTATION_SPECIFIC']],
      'traefik': ['becomes', undefined, ['TRAEFIK_REGEX_DIALECT']],
    },
  },
  {
    title: 'canary-by-header-pattern next to a value: ignored by ingress-nginx',
    input: canary({ [`${N}canary-by-header`]: 'x-beta', [`${N}canary-by-header-value`]: 'yes', [`${N}canary-by-header-pattern`]: '^y' }, {}),
    key: `${N}canary-by-header-pattern`,
    imported: 'ingress-nginx ignores it while canary-by-header-value is set, so it is not imported',
    on: { 'ingress-nginx': ['not imported'], 'traefik': ['not imported'] },
  },
  {
    title: 'canary-by-cookie',
    input: canary({ [`${N}canary-by-cookie`]: 'canary' }, {}),
    key: `${N}canary-by-cookie`,
    imported: "CanaryMatch.cookie('canary')",
    on: {
      'ingress-nginx': ['becomes', `Ingress/web-canary.metadata.annotations[${N}canary-by-cookie]: canary`],
      'gateway-api': ['becomes', undefined, ['GATEWAY_API_IMPLEMENTATION_SPECIFIC']],
      'traefik': ['becomes', undefined, ['TRAEFIK_COOKIE_MATCH_ON_HEADER']],
    },
  },
  {
    title: 'use-regex',
    input: [...WORKLOAD, ingress('web', 'web', { [`${N}use-regex`]: 'true' }, {}, '/items/[0-9]+')],
    key: `${N}use-regex`,
    imported: 'pathType: PathType.REGULAR_EXPRESSION',
    on: {
      'ingress-nginx': ['becomes', 'Ingress/web (a whole object)', ['INGRESS_NGINX_REGEX_PATH']],
      'gateway-api': ['becomes', undefined, ['GATEWAY_API_IMPLEMENTATION_SPECIFIC']],
      'traefik': ['becomes', undefined, ['TRAEFIK_REGEX_DIALECT']],
    },
  },
  {
    title: 'TLS',
    input: sticky({}, { tls: [{ hosts: ['web.example.com'], secretName: 'web-tls' }] }),
    key: 'tls',
    imported: "tlsSecretName: 'web-tls'",
    on: {
      'ingress-nginx': ['becomes', 'Ingress/web.spec.tls[0].secretName: web-tls'],
      'gateway-api': ['refused'],
      'traefik': ['becomes', 'IngressRoute/web.spec.tls.secretName: web-tls'],
    },
  },
  {
    title: 'the ingress class',
    input: sticky({}, { ingressClassName: 'internal' }),
    key: 'ingress class',
    imported: "TrafficProvider.ingressNginx({ ingressClassName: 'internal' }) (from spec.ingressClassName)",
    on: {
      'ingress-nginx': ['becomes', 'spec.ingressClassName: internal'],
      'gateway-api': ['lost', "the class selected the ingress-nginx controller; on gateway-api the routes attach as TrafficProvider.gatewayApi({ gatewayName: 'gateway', experimentalFields: true }) says"],
    },
  },
  {
    title: 'the legacy ingress class annotation',
    input: sticky({ 'kubernetes.io/ingress.class': 'internal' }, { ingressClassName: undefined }),
    key: 'kubernetes.io/ingress.class',
    imported: 'the ingress class (see "ingress class")',
    on: { 'ingress-nginx': ['becomes', 'spec.ingressClassName: internal'] },
  },
  {
    title: 'an annotation this library does not know',
    input: sticky({ [`${N}rewrite-target`]: '/' }),
    key: `${N}rewrite-target`,
    imported: 'unknown to cdk8s-stateless: not imported (carry it by hand if you need it)',
    on: { 'ingress-nginx': ['not imported'], 'gateway-api': ['not imported'], 'traefik': ['not imported'] },
  },
];

test('every annotation ingress-nginx reads for affinity, canaries and regex paths has a row', () => {
  const tested = new Set(ROWS.map((r) => r.key.replace(N, '').replace(/ \(absent\)$/, '')));
  expect(Object.keys(NGINX_ANNOTATION_RULES).filter((k) => !tested.has(k))).toEqual([]);
});

describe.each(ROWS.map((r) => [r.title, r] as const))('%s', (_title, row) => {
  test.each(Object.entries(row.on) as Array<[Target, [EntryReport['outcome'], string?, string[]?]]>)('on %s', (target, [outcome, line, risks]) => {
    const e = entry(row.input, row.key, target);
    expect([e.imported, e.outcome]).toEqual([row.imported, outcome]);
    if (line !== undefined) expect(e.detail).toContain(line);
    for (const code of risks ?? []) expect(e.risks).toContain(code);
    if (outcome === 'refused') expect(e.detail[0]).toMatch(/^(StickyIngress|CanaryRelease|StatelessWebApp) '.*': '.*' .* -> /);
  });
});
