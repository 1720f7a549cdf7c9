import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { crdErrors } from './support/crd-validator';
import { engineGenerated } from './support/engine-objects';
import { invariantErrors } from './support/invariant';
import { lintViolations, podSecurityViolations } from './support/policy';
import { captureStderr, K8sObject, schemaErrors } from './support/synth';

/**
 * Every example is a real cdk8s app (examples/<name>/main.ts exporting buildApp(outdir)) whose
 * synthesized dist/ is committed. These tests synthesize each one in this process and hold the
 * output to its committed dist/, the schemas, the policies and the invariant (test/support/invariant.ts).
 */
const EXAMPLES_DIR = path.join(__dirname, '..', 'examples');
const examples = fs
  .readdirSync(EXAMPLES_DIR)
  .filter((d) => fs.existsSync(path.join(EXAMPLES_DIR, d, 'cdk8s.yaml')))
  .sort();

/** Every *.k8s.yaml below dir, by path relative to dir. */
function manifests(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  if (!fs.existsSync(dir)) return files;
  for (const entry of fs.readdirSync(dir, { recursive: true }).map(String).sort()) {
    if (entry.endsWith('.k8s.yaml')) files[entry] = fs.readFileSync(path.join(dir, entry), 'utf8');
  }
  return files;
}

function synthExample(name: string): { files: Record<string, string>; stderr: string } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { buildApps } = require(path.join(EXAMPLES_DIR, name, 'main.ts')) as { buildApps: (outdir: string) => App[] };
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), `example-${name}-`));
  // the report names each App by its outdir: shown as the example's own dist/ for a stable snapshot
  const stderr = captureStderr(() => buildApps(outdir).forEach((app) => app.synth())).split(outdir).join('dist');
  const files = manifests(outdir);
  fs.rmSync(outdir, { recursive: true, force: true });
  return { files, stderr };
}

test('there are examples', () => {
  expect(examples).toEqual(expect.arrayContaining(['canary', 'legacy-servlet', 'progressive', 'rider-api', 'session-app']));
});

describe.each(examples)('examples/%s', (name) => {
  const { files, stderr } = synthExample(name);
  const objects = Object.values(files).flatMap((text) => parseAllDocuments(text).map((d) => d.toJSON() as K8sObject));

  test('committed dist/ is what the example synthesizes (run `npm run examples` after a change)', () => {
    const committed = manifests(path.join(EXAMPLES_DIR, name, 'dist'));
    expect(Object.keys(committed)).toEqual(Object.keys(files));
    for (const [file, text] of Object.entries(files)) {
      expect(committed[file]).toBe(text);
    }
  });

  test('deterministic: a second synth is byte-identical', () => {
    expect(synthExample(name).files).toEqual(files);
  });

  // The synthesized YAML is held to the committed dist/ above (one copy, reviewed in the diff of dist/); the
  // risk report printed on stderr is not in dist/, so it keeps a snapshot.
  test('risk report on stderr', () => {
    expect(stderr).toMatchSnapshot('risk report on stderr');
  });

  // The invariant on what the example really ships: every object of every variant (ingress-nginx and
  // Gateway API) is accepted by an API server (schemas, CRDs with CEL, name rules) and read back by kubectl
  // exactly as written. HTTPRoutes with sessionPersistence are held to the experimental channel.
  test.each(Object.keys(files))('%s: accepted by the API server and read back unchanged', (file) => {
    const fileObjects = parseAllDocuments(files[file]).map((d) => d.toJSON() as K8sObject);
    expect(invariantErrors(fileObjects)).toEqual([]);
  });

  test('valid against the schemas, PSS restricted and kube-linter checks', () => {
    expect(objects.length).toBeGreaterThan(0);
    // Flagger has no kubernetes-models package: its objects are held to their CRD by invariantErrors above
    expect(schemaErrors(objects.filter((o) => !o.apiVersion.startsWith('flagger.app/')))).toEqual([]);
    // the policies run over what the progressive-delivery engines will create as well
    const cluster = [...objects, ...engineGenerated(objects)];
    expect(podSecurityViolations(cluster)).toEqual([]);
    expect(lintViolations(cluster)).toEqual([]);
  });
});

describe('every example also synthesizes a Gateway API variant', () => {
  test.each(examples)('%s', (name) => {
    const { files } = synthExample(name);
    const gateway = Object.keys(files).filter((f) => f.startsWith('gateway-api/'));
    expect(gateway.length).toBeGreaterThan(0);
    const objects = gateway.flatMap((f) => parseAllDocuments(files[f]).map((d) => d.toJSON() as K8sObject));
    expect(objects.filter((o) => o.kind === 'Ingress')).toEqual([]);
    expect(objects.filter((o) => o.kind === 'HTTPRoute').length).toBeGreaterThan(0);
  });
});

describe('Gateway API variants: which HTTPRoutes need the experimental channel', () => {
  // sessionPersistence exists only in the experimental channel's HTTPRoute CRD: a cluster with the standard
  // channel rejects these routes (kubectl's default Strict field validation), on v1.5.1 and v1.6.1 alike.
  const routes = examples.flatMap((name) => {
    const { files } = synthExample(name);
    return Object.entries(files)
      .filter(([f]) => f.startsWith('gateway-api/'))
      .flatMap(([f, text]) => parseAllDocuments(text).map((d) => d.toJSON() as K8sObject).filter((o) => o.kind === 'HTTPRoute').map((o) => ({ id: `${name}/${f} ${o.metadata.name}`, o })));
  });

  test('sticky routes are rejected on the standard channel, the others are accepted', () => {
    const rejected = routes.filter(({ o }) => crdErrors([o], { gatewayApi: 'v1.6.1', channel: 'standard' }).length > 0).map(({ id }) => id);
    const sticky = routes.filter(({ o }) => JSON.stringify(o.spec).includes('sessionPersistence')).map(({ id }) => id);
    expect(sticky.length).toBeGreaterThan(0);
    expect(rejected).toEqual(sticky);
    for (const { o } of routes.filter(({ id }) => sticky.includes(id))) {
      expect(crdErrors([o], { gatewayApi: 'v1.5.1', channel: 'standard' })).toEqual([expect.stringContaining('unknown field "spec.rules[0].sessionPersistence"')]);
    }
  });
});

describe('examples/rider-api: the seed scenario', () => {
  const { files } = synthExample('rider-api');
  const objects = parseAllDocuments(files['rider-api.k8s.yaml']).map((d) => d.toJSON() as K8sObject);
  const find = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name)!;

  test('6-20 replicas at 70% CPU, host and path of the seed, no affinity anywhere', () => {
    expect(find('HorizontalPodAutoscaler', 'rider-api').spec).toMatchObject({ minReplicas: 6, maxReplicas: 20 });
    expect(find('HorizontalPodAutoscaler', 'rider-api').spec.metrics[0].resource.target.averageUtilization).toBe(70);
    expect(find('Deployment', 'rider-api').spec.replicas).toBeUndefined();
    const ingress = find('Ingress', 'rider-api');
    expect(ingress.spec.rules[0].host).toBe('api.ridehailing.example');
    expect(ingress.spec.rules[0].http.paths[0].path).toBe('/api');
    expect(JSON.stringify(objects)).not.toMatch(/affinity|session-cookie|sessionAffinity/);
  });

  test('Spring sessions in Redis Sentinel', () => {
    const env = find('Deployment', 'rider-api').spec.template.spec.containers[0].env;
    expect(env.map((e: any) => e.name)).toEqual([
      'SPRING_DATA_REDIS_SENTINEL_MASTER',
      'SPRING_DATA_REDIS_SENTINEL_NODES',
      'SPRING_DATA_REDIS_USERNAME',
      'SPRING_DATA_REDIS_PASSWORD',
      'SPRING_DATA_REDIS_SENTINEL_USERNAME',
      'SPRING_DATA_REDIS_SENTINEL_PASSWORD',
      'SPRING_DATA_REDIS_SSL_ENABLED',
      'SPRING_SESSION_REDIS_NAMESPACE',
    ]);
    expect(env[0].value).toBe('mymaster');
    expect(find('StatefulSet', 'rider-sessions').spec.replicas).toBe(3);
    expect(find('StatefulSet', 'rider-sessions-sentinel').spec.replicas).toBe(3);
  });
});

describe('examples/legacy-servlet: sticky before, stateless after', () => {
  const { files, stderr } = synthExample('legacy-servlet');
  const parse = (file: string) => parseAllDocuments(files[file]).map((d) => d.toJSON() as K8sObject);
  const sticky = parse('sticky/legacy-servlet.k8s.yaml');
  const stateless = parse('stateless/helloworld-stateless.k8s.yaml');

  test('before: a persistent StickyIngress on /helloworld/ with its justification and risks', () => {
    const ingress = sticky.find((o) => o.kind === 'Ingress')!;
    const a = ingress.metadata.annotations!;
    expect(a['nginx.ingress.kubernetes.io/affinity']).toBe('cookie');
    expect(a['nginx.ingress.kubernetes.io/affinity-mode']).toBe('persistent');
    expect(a['nginx.ingress.kubernetes.io/session-cookie-name']).toBe('HELLOAFFINITY');
    expect(a['stateless.cdk8s.io/affinity-justification']).toMatch(/HelloWorldServlet keeps "lang" in its in-memory HttpSession/);
    expect(Object.keys(a).filter((k) => k.startsWith('risks.stateless.cdk8s.io/')).sort()).toEqual([
      'risks.stateless.cdk8s.io/affinity-no-session-store',
      'risks.stateless.cdk8s.io/affinity-persistent-no-rebalance',
      'risks.stateless.cdk8s.io/affinity-secure-cookie-without-tls',
      'risks.stateless.cdk8s.io/affinity-session-loss',
      'risks.stateless.cdk8s.io/affinity-uneven-load',
      'risks.stateless.cdk8s.io/ingress-nginx-retired',
    ]);
    expect(ingress.spec.rules[0]).toMatchObject({ host: 'hello.example.com', http: { paths: [{ path: '/helloworld/' }] } });
    expect(stderr).toContain("[AFFINITY_PERSISTENT_NO_REBALANCE] StickyIngress 'legacy-servlet/helloworld-sticky'");
  });

  test('after: no affinity anywhere, sessions in Redis Sentinel through Spring Session', () => {
    expect(JSON.stringify(stateless)).not.toMatch(/affinity|session-cookie/i);
    const env = stateless.find((o) => o.kind === 'Deployment')!.spec.template.spec.containers[0].env.map((e: any) => e.name);
    expect(env).toEqual(expect.arrayContaining(['SPRING_DATA_REDIS_SENTINEL_MASTER', 'SPRING_DATA_REDIS_SENTINEL_NODES']));
    expect(stateless.find((o) => o.kind === 'Ingress')!.spec.rules[0].http.paths[0].path).toBe('/helloworld/');
  });
});

describe('examples/canary: the case study scenario', () => {
  const { files, stderr } = synthExample('canary');
  const objects = parseAllDocuments(files['shop.k8s.yaml']).map((d) => d.toJSON() as K8sObject);
  const find = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name)!;

  test('region: east-us goes to the canary, others 20% by weight, users stay on their version', () => {
    const canary = find('Ingress', 'shop-canary').metadata.annotations!;
    expect(canary['nginx.ingress.kubernetes.io/canary']).toBe('true');
    expect(canary['nginx.ingress.kubernetes.io/canary-by-header']).toBe('region');
    expect(canary['nginx.ingress.kubernetes.io/canary-by-header-value']).toBe('east-us');
    expect(canary['nginx.ingress.kubernetes.io/canary-weight']).toBe('20');
    expect(canary['nginx.ingress.kubernetes.io/affinity-canary-behavior']).toBe('sticky');
    const stable = find('Ingress', 'shop').metadata.annotations!;
    expect(stable['nginx.ingress.kubernetes.io/affinity']).toBe('cookie');
    expect(stable['nginx.ingress.kubernetes.io/session-cookie-name']).toBe('shop-version');
  });

  test('the canary runs the new image and shares the sessions', () => {
    expect(find('Deployment', 'shop-canary-984eeb').spec.template.spec.containers[0].image).toBe('ghcr.io/acme/shop:1.9.0');
    expect(find('Deployment', 'shop').spec.template.spec.containers[0].image).toBe('ghcr.io/acme/shop:1.8.0');
    expect(stderr).toContain('[CANARY_STICKY_DRIFT]');
    expect(stderr).toContain('[CANARY_SHARED_SESSIONS]');
  });
});
describe('examples/progressive: the canary example\'s shop on Argo Rollouts and Flagger', () => {
  const { files, stderr } = synthExample('progressive');
  const parse = (file: string) => parseAllDocuments(files[file]).map((d) => d.toJSON() as K8sObject);
  const names = (objects: K8sObject[]) => objects.filter((o) => !o.metadata.name.startsWith('shop-sessions')).map((o) => `${o.kind}/${o.metadata.name}`).sort();
  const engineObjects = (objects: K8sObject[]) => objects.filter((o) => /^(argoproj\.io|flagger\.app)\//.test(o.apiVersion));

  test('six variants: each engine with ingress-nginx, Gateway API and Traefik', () => {
    expect(Object.keys(files)).toEqual([
      'argo-rollouts/shop.k8s.yaml',
      'flagger/shop.k8s.yaml',
      'gateway-api/argo-rollouts/shop.k8s.yaml',
      'gateway-api/flagger/shop.k8s.yaml',
      'traefik/argo-rollouts/shop.k8s.yaml',
      'traefik/flagger/shop.k8s.yaml',
    ]);
  });

  test('what the library renders next to each engine (and not what the engine owns)', () => {
    expect(names(parse('argo-rollouts/shop.k8s.yaml'))).toEqual([
      'AnalysisTemplate/shop-canary', 'Deployment/shop', 'Ingress/shop', 'PodDisruptionBudget/shop', 'Rollout/shop', 'Service/shop', 'Service/shop-canary',
    ]);
    expect(names(parse('gateway-api/argo-rollouts/shop.k8s.yaml'))).toEqual([
      'AnalysisTemplate/shop-canary', 'Deployment/shop', 'HTTPRoute/shop', 'PodDisruptionBudget/shop', 'Rollout/shop', 'Service/shop', 'Service/shop-canary',
    ]);
    expect(names(parse('flagger/shop.k8s.yaml'))).toEqual([
      'Canary/shop', 'Deployment/shop', 'Ingress/shop', 'MetricTemplate/shop-latency-p99', 'MetricTemplate/shop-success-rate', 'PodDisruptionBudget/shop', 'PodDisruptionBudget/shop-primary',
    ]);
    expect(names(parse('gateway-api/flagger/shop.k8s.yaml'))).toEqual([
      'Canary/shop', 'Deployment/shop', 'MetricTemplate/shop-latency-p99', 'MetricTemplate/shop-success-rate', 'PodDisruptionBudget/shop', 'PodDisruptionBudget/shop-primary',
    ]);
  });

  test('the release is the app\'s new image; the engine objects are valid against their CRDs (with CEL)', () => {
    for (const file of Object.keys(files)) {
      const objects = parse(file);
      expect(objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'shop')!.spec.template.spec.containers[0].image).toBe('ghcr.io/acme/shop:1.9.0');
      const engine = engineObjects(objects);
      expect(engine.length).toBeGreaterThanOrEqual(2);
      expect(crdErrors(engine)).toEqual([]);
    }
    expect(stderr).toContain('[ENGINE_OWNS_PODS]');
    expect(stderr).toContain('[FLAGGER_PRIMARY_COPY]');
  });
});
