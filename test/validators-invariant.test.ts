import { ApiObject, Chart, Testing, Yaml } from 'cdk8s';
import { invariantErrors, schemaErrorsInProcess } from './support/invariant';
import { nameErrors, objectNameErrors, STATEFULSET_NAME_MAX } from './support/k8s-names';
import { K8sObject } from './support/synth';
import { goResolve, GoTimestamp, goYamlRead, yamlRoundTripErrors } from './support/yaml-roundtrip';

/**
 * The pieces of `invariantErrors` (test/support/invariant.ts), each shown rejecting what an API server or
 * kubectl would reject or change, next to what it must accept.
 */

function deployment(name: string, env: Array<{ name: string; value: string }> = []): K8sObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'shop', labels: { 'app.kubernetes.io/name': name } },
    spec: {
      selector: { matchLabels: { 'app.kubernetes.io/name': name } },
      template: {
        metadata: { labels: { 'app.kubernetes.io/name': name } },
        spec: { containers: [{ name: 'web', image: 'ghcr.io/acme/shop:1.9.0', env, ports: [{ name: 'http', containerPort: 8080 }] }] },
      },
    },
  };
}

describe('YAML 1.1 re-read as kubectl does (go-yaml v2 resolve, ported in yaml-roundtrip.ts)', () => {
  test.each([
    ['yes', true], ['Yes', true], ['YES', true], ['y', true], ['Y', true], ['on', true], ['On', true], ['ON', true], ['true', true],
    ['no', false], ['N', false], ['off', false], ['OFF', false], ['False', false],
    ['~', null], ['null', null], ['NULL', null], ['', null],
    ['0644', 420], ['0o644', 420], ['0O644', 420], ['0x1F', 31], ['0X1F', 31], ['0b101', 5], ['1_000', 1000], ['0_x1', 1], ['-12', -12], ['+7', 7],
    ['1e3', 1000], ['08', 8], ['1.', 1], ['.5', 0.5], ['3.14', 3.14], ['.inf', Infinity], ['-.Inf', -Infinity],
    ['0o8', '0o8'], ['1e', '1e'], ['12:30', '12:30'], ['=', '='], ['yes please', 'yes please'], ['0x', '0x'], ['east-us', 'east-us'], ['1.2.3', '1.2.3'],
  ] as Array<[string, unknown]>)('plain %j is read as %p', (plain, expected) => {
    expect(goResolve(plain)).toEqual(expected);
  });

  test.each(['2001-12-14', '2001-12-14T21:59:43Z', '2001-1-2 3:04:05'])('plain %j is read as a timestamp, not the string', (plain) => {
    expect(goResolve(plain)).toBeInstanceOf(GoTimestamp);
  });

  test('quoted and block scalars stay strings; plain keys are resolved and turned back into strings', () => {
    expect(goYamlRead('a: "yes"\nb: \'0o644\'\nc: |\n  0o644\nyes: 1\n0o10: x\n')).toEqual([{ a: 'yes', b: '0o644', c: '0o644\n', true: 1, 8: 'x' }]);
  });

  test("cdk8s's own writer (Yaml.stringify, YAML 1.1 schema) leaves 0o644 unquoted: kubectl reads 420 and the API server rejects the Deployment", () => {
    const chart = new Chart(Testing.app(), 'test');
    const env = ['0o644', 'yes', 'no', 'on', '0644', '1e3', '0x1F', '~', '&a', '*a', '---', 'true', '2001-12-14'].map((value, i) => ({ name: `V${i}`, value }));
    new ApiObject(chart, 'web', deployment('web', env));
    const objects = Testing.synth(chart);
    const text = Yaml.stringify(...objects);
    expect(text).toContain('value: 0o644\n');
    expect(text).toContain('value: "yes"\n');
    expect(yamlRoundTripErrors(objects)).toEqual([
      'Deployment/web: spec.template.spec.containers[0].env[0].value: "0o644", as cdk8s writes it, is read back by kubectl\'s YAML 1.1 decoder as 420 (number)',
    ]);
  });

  test('which strings cdk8s 2.68 writes unquoted although kubectl reads them as numbers (recorded for the cdk8s report)', () => {
    // Found by trying Go's integer syntaxes against the writer: cdk8s quotes every string its own YAML 1.1
    // schema would resolve (yes/no/on/off/y/n, ~, null, 0644, 0x1F, 0b101, 1e3, 1_000, dates, .inf), but
    // go-yaml v2 parses integers with strconv.ParseInt(s, 0, 64) after removing every "_", which also accepts
    // 0o/0O octal, upper-case 0X/0B prefixes and underscores anywhere.
    const candidates = ['0o644', '0O644', '0o_644', '0X1F', '0B1', '0_x1', '-0o7', '+0X1F', '0x1F', '0b101', '0644', '1_000', '1e3', 'yes', 'Off', 'y', '~', '2001-12-14', '.inf', '08', '0o8'];
    const misread = candidates.filter((v) => (goYamlRead(Yaml.stringify({ v }))[0] as any).v !== v);
    expect(misread).toEqual(['0o644', '0O644', '0o_644', '0X1F', '0B1', '0_x1', '-0o7', '+0X1F']);
  });

  test('characters: cdk8s writes raw DEL/C1 controls, U+FFFE, NEL, LS and PS, which kubectl refuses or reads differently', () => {
    const cm = (v: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { v } });
    // DEL and C1 controls go raw into a double-quoted scalar; U+FFFE raw into a plain one: the reader refuses the file.
    expect(Yaml.stringify(cm('a\u007fb'))).toContain('v: "a\u007fb"');
    expect(yamlRoundTripErrors([cm('a\u007fb')])).toEqual(['ConfigMap/c: kubectl\'s YAML reader fails the whole file: "control characters are not allowed" (U+007F, readerc.go)']);
    expect(yamlRoundTripErrors([cm('a\u0080b')])).toEqual([expect.stringContaining('"control characters are not allowed" (U+0080')]);
    expect(yamlRoundTripErrors([cm('\ufffe')])).toEqual([expect.stringContaining('"control characters are not allowed" (U+FFFE')]);
    // NEL goes raw into a double-quoted scalar: read_line turns it into a line feed and the fold makes it a space.
    expect(yamlRoundTripErrors([cm('a\u0085b')])).toEqual(['ConfigMap/c: data.v: "a\u0085b", as cdk8s writes it, is read back by kubectl\'s YAML 1.1 decoder as "a b"']);
    // LS goes raw into a plain scalar: the line breaks there and the document no longer parses.
    expect(Yaml.stringify(cm('a\u2028b'))).toContain('v: a\u2028b\n');
    expect(yamlRoundTripErrors([cm('a\u2028b')])).toEqual([expect.stringMatching(/^ConfigMap\/c: the YAML does not parse: /)]);
    // Inside double quotes go-yaml keeps LS as it is.
    expect(yamlRoundTripErrors([cm('a\u2028b ')])).toEqual([]);
    // A lone surrogate is escaped as \ud800, which go-yaml's scanner refuses.
    expect(yamlRoundTripErrors([cm('\ud800')])).toEqual(['ConfigMap/c: the YAML does not parse: "found invalid Unicode character escape code" (\\ud800, scannerc.go)']);
    // What stays the same: emoji, NUL (escaped as \0), BOM inside a value, tabs, non-ASCII letters.
    expect(yamlRoundTripErrors([cm('😀\u0000'), cm('a\ufeffb'), cm('a\tb'), cm('é')])).toEqual([]);
  });

  test('a map key that YAML 1.1 rewrites is reported', () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { '0o10': 'x' } };
    expect(yamlRoundTripErrors([cm])).toEqual([
      'ConfigMap/c: data.8: a key read back that was never written (a key rewritten by YAML 1.1 resolution); data.0o10: the key "0o10" is read back as another key',
    ]);
  });
});

describe("the API server's name rules (k8s-names.ts)", () => {
  const svc = (name: string): K8sObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: { app: 'x' }, ports: [{ name: 'http', port: 80 }] } });
  const sts = (name: string): K8sObject => ({ ...deployment(name), kind: 'StatefulSet' });
  const cm = (name: string, metadata: object = {}): K8sObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...metadata } });

  test('valid objects pass', () => {
    expect(nameErrors([deployment('web'), svc('web'), sts('s'.repeat(STATEFULSET_NAME_MAX)), cm('a.b-c', { annotations: { 'Example.COM/Key': 'v' } })])).toEqual([]);
  });

  test('DNS-1123 subdomain for most kinds: a..b, a.-b, upper case, 254 characters', () => {
    for (const bad of ['a..b', 'a.-b', 'Web', 'x'.repeat(254), '-a']) {
      expect(objectNameErrors(cm(bad))).toEqual([expect.stringMatching(/^metadata\.name: Invalid value: .*(RFC 1123 subdomain|no more than 253)/)]);
    }
  });

  test('DNS-1035 label for a Service: no leading digit, no dot, at most 63', () => {
    expect(objectNameErrors(svc('1web'))).toEqual([expect.stringContaining('a DNS-1035 label must consist of lower case alphanumeric characters')]);
    expect(objectNameErrors(svc('a.b'))).toEqual([expect.stringContaining('DNS-1035')]);
    expect(objectNameErrors(svc('a'.repeat(64)))).toEqual([expect.stringContaining('must be no more than 63 characters')]);
  });

  test('StatefulSet: 52 characters at most (controller-revision-hash label), and no dot (pod hostname)', () => {
    expect(objectNameErrors(sts('s'.repeat(53)))).toEqual([expect.stringContaining('must be no more than 52 characters: its pods get the label controller-revision-hash')]);
    expect(objectNameErrors(sts('redis.sessions'))).toEqual(['metadata.name: Invalid value: "redis.sessions": must not contain dots']);
  });

  test('namespace names are DNS-1123 labels', () => {
    expect(objectNameErrors(cm('c', { namespace: 'a.b' }))).toEqual(['metadata.namespace: Invalid value: "a.b": must not contain dots']);
  });

  test('label keys and values, also in pod templates and selectors', () => {
    expect(objectNameErrors(cm('c', { labels: { 'bad key': 'v' } }))).toEqual([expect.stringContaining('metadata.labels: Invalid value: "bad key": name part must consist of')]);
    expect(objectNameErrors(cm('c', { labels: { k: 'x'.repeat(64) } }))).toEqual([expect.stringContaining('must be no more than 63 characters')]);
    expect(objectNameErrors(cm('c', { labels: { k: 'a b' } }))).toEqual([expect.stringContaining('a valid label must be an empty string or consist of')]);
    const d = deployment('web');
    d.spec.template.metadata.labels = { 'app/x/y': 'v' };
    d.spec.selector.matchLabels = { k: '-v' };
    expect(objectNameErrors(d)).toEqual([
      expect.stringContaining('spec.template.metadata.labels: Invalid value: "app/x/y"'),
      expect.stringContaining('spec.selector.matchLabels: Invalid value: "-v"'),
    ]);
  });

  test('annotation keys (case-insensitive qualified names) and the 256 KiB total', () => {
    expect(objectNameErrors(cm('c', { annotations: { 'risks/with space': 'v' } }))).toEqual([expect.stringContaining('metadata.annotations: Invalid value: "risks/with space"')]);
    expect(objectNameErrors(cm('c', { annotations: { a: 'x'.repeat(256 * 1024 - 1) } }))).toEqual([]);
    expect(objectNameErrors(cm('c', { annotations: { a: 'x'.repeat(256 * 1024) } }))).toEqual(['metadata.annotations: Too long: may not be more than 262144 bytes, got 262145']);
  });

  test('Ingress: host not an IP, paths the API server refuses, backend Service name, TLS and class names', () => {
    const ingress = (rule: object, extra: object = {}): K8sObject => ({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'web' },
      spec: { rules: [{ host: 'web.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] }, ...rule }], ...extra },
    });
    const path = (p: string, pathType = 'Prefix') => ({ http: { paths: [{ path: p, pathType, backend: { service: { name: 'web', port: { number: 80 } } } }] } });
    expect(objectNameErrors(ingress({}))).toEqual([]);
    expect(objectNameErrors(ingress({ host: '*.example.com' }))).toEqual([]);
    expect(objectNameErrors(ingress({ host: '10.0.0.1' }))).toEqual(['spec.rules[0].host: Invalid value: "10.0.0.1": must be a DNS name, not an IP address']);
    expect(objectNameErrors(ingress({ host: 'a.*.com' }))).toEqual([expect.stringContaining("a wildcard DNS-1123 subdomain must start with '*.'")]);
    expect(objectNameErrors(ingress(path('/api//v1')))).toEqual(['spec.rules[0].http.paths[0].path: Invalid value: "/api//v1": must not contain \'//\'']);
    expect(objectNameErrors(ingress(path('/a%2Fb', 'Exact')))).toEqual(['spec.rules[0].http.paths[0].path: Invalid value: "/a%2Fb": must not contain \'%2F\'']);
    expect(objectNameErrors(ingress(path('/v1/.')))).toEqual(['spec.rules[0].http.paths[0].path: Invalid value: "/v1/.": cannot end with \'/.\'']);
    expect(objectNameErrors(ingress(path('/a/../b', 'ImplementationSpecific')))).toEqual([]);
    expect(objectNameErrors(ingress(path('api', 'ImplementationSpecific')))).toEqual(['spec.rules[0].http.paths[0].path: Invalid value: "api": must be an absolute path']);
    expect(objectNameErrors(ingress({}, { ingressClassName: 'Public Nginx', tls: [{ hosts: ['web.example.com'], secretName: 'a..b' }] }))).toEqual([
      expect.stringContaining('spec.tls[0].secretName: Invalid value: "a..b"'),
      expect.stringContaining('spec.ingressClassName: Invalid value: "Public Nginx"'),
    ]);
    const toBadService = ingress({});
    toBadService.spec.rules[0].http.paths[0].backend.service.name = '1web';
    expect(objectNameErrors(toBadService)).toEqual([expect.stringContaining('spec.rules[0].http.paths[0].backend.service.name: Invalid value: "1web": a DNS-1035 label')]);
  });

  test('two objects of one kind, namespace and name', () => {
    expect(nameErrors([svc('web'), { ...svc('web'), metadata: { name: 'web', namespace: 'other' } }, deployment('web')])).toEqual([]);
    expect(nameErrors([svc('sessions'), cm('x'), svc('sessions')])).toEqual(['Service/sessions: object #3 has the group, kind, namespace and name of object #1: one overwrites the other']);
  });

  test('container, port and volume names', () => {
    const d = deployment('web');
    d.spec.template.spec.containers[0].name = 'Web_1';
    d.spec.template.spec.containers[0].ports[0].name = 'http-metrics-port';
    d.spec.template.spec.volumes = [{ name: 'tmp.dir', emptyDir: {} }];
    expect(objectNameErrors(d)).toEqual([
      expect.stringContaining('spec.template.spec.containers[0].name: Invalid value: "Web_1"'),
      'spec.template.spec.containers[0].ports[0].name: Invalid value: "http-metrics-port": must be no more than 15 characters',
      'spec.template.spec.volumes[0].name: Invalid value: "tmp.dir": must not contain dots',
    ]);
  });
});

describe('invariantErrors: all checks together', () => {
  const route = {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'web', namespace: 'shop' },
    spec: { parentRefs: [{ name: 'public' }], rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ name: 'web', port: 80 }] }] },
  };

  test('valid objects: no errors', () => {
    expect(invariantErrors([deployment('web', [{ name: 'MODE', value: '0644' }]), route])).toEqual([]);
  });

  test('each check reports with its prefix', () => {
    const badSchema = deployment('web');
    badSchema.spec.replicas = 'three';
    const badRoute = structuredClone(route);
    badRoute.spec.rules[0].matches[0].path.value = '//x';
    expect(invariantErrors([badSchema, badRoute, deployment('Web'), deployment('env', [{ name: 'M', value: '0o644' }])])).toEqual([
      // kubernetes-models checks types only: the '//' path and the upper-case name pass it, hence the other checks.
      expect.stringMatching(/^\[schema\] Deployment\/web: .*replicas must be integer/),
      expect.stringContaining("[crd] HTTPRoute/web [Gateway API v1.5.1 standard]: spec.rules[0].matches[0].path: Invalid value: \"object\": must not contain '//'"),
      expect.stringContaining("[crd] HTTPRoute/web [Gateway API v1.6.1 standard]: spec.rules[0].matches[0].path: Invalid value: \"object\": must not contain '//'"),
      expect.stringMatching(/^\[names\] Deployment\/Web: metadata\.name: Invalid value: "Web"/),
      '[yaml] Deployment/env: spec.template.spec.containers[0].env[0].value: "0o644", as cdk8s writes it, is read back by kubectl\'s YAML 1.1 decoder as 420 (number)',
    ]);
  });

  test('an HTTPRoute with sessionPersistence is held to the experimental channel; the standard channel is one option away', () => {
    const sticky = structuredClone(route) as any;
    sticky.spec.rules[0].sessionPersistence = { sessionName: 's', type: 'Cookie' };
    expect(invariantErrors([sticky])).toEqual([]);
    expect(invariantErrors([sticky], { crd: { gatewayApi: 'v1.6.1', channel: 'standard' } })).toEqual([
      '[crd] HTTPRoute/web [Gateway API v1.6.1 standard]: unknown field "spec.rules[0].sessionPersistence"',
    ]);
  });

  test('custom resources of Traefik, Argo Rollouts and Flagger: kubernetes-models where it exists, the CRD always', () => {
    const canary = {
      apiVersion: 'flagger.app/v1beta1',
      kind: 'Canary',
      metadata: { name: 'web', namespace: 'shop' },
      spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, service: { port: 80 }, analysis: { interval: '1m', threshold: 5, stepWeight: 10, maxWeight: 50 } },
    };
    const middleware = { apiVersion: 'traefik.io/v1alpha1', kind: 'Middleware', metadata: { name: 'prefix', namespace: 'shop' }, spec: { addPrefix: { prefix: '/api' } } };
    expect(invariantErrors([canary, middleware])).toEqual([]);
    const badCanary = structuredClone(canary) as any;
    badCanary.spec.analysis.stepWieght = 10;
    const badMiddleware = structuredClone(middleware);
    badMiddleware.spec.addPrefix.prefix = 'api';
    expect(invariantErrors([badCanary, badMiddleware])).toEqual([
      '[crd] Canary/web: unknown field "spec.analysis.stepWieght"',
      "[crd] Middleware/prefix: spec.addPrefix.prefix: Invalid value: \"string\": must start with a '/'",
    ]);
  });

  test('the schema worker is fast after the first call (the property-based suite calls it per input)', () => {
    schemaErrorsInProcess([deployment('warm')]);
    const start = Date.now();
    for (let i = 0; i < 20; i++) schemaErrorsInProcess([deployment(`web-${i}`), route]);
    expect(Date.now() - start).toBeLessThan(2_000);
  });
});
