import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { lintViolations, podSecurityViolations } from './support/policy';
import { captureStderr, K8sObject, schemaErrors } from './support/synth';

/**
 * Every example is a real cdk8s app (examples/<name>/main.ts exporting buildApp(outdir)) whose
 * synthesized dist/ is committed. These tests synthesize each one in this process and hold the
 * output to its committed dist/, to the YAML snapshot, the schemas and the policies.
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
  const stderr = captureStderr(() => buildApps(outdir).forEach((app) => app.synth()));
  const files = manifests(outdir);
  fs.rmSync(outdir, { recursive: true, force: true });
  return { files, stderr };
}

test('there are examples', () => {
  expect(examples).toEqual(expect.arrayContaining(['canary', 'legacy-servlet', 'rider-api', 'session-app']));
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

  test('YAML snapshot', () => {
    for (const [file, text] of Object.entries(files)) {
      expect(text).toMatchSnapshot(file);
    }
    expect(stderr).toMatchSnapshot('risk report on stderr');
  });

  test('valid against the schemas, PSS restricted and kube-linter checks', () => {
    expect(objects.length).toBeGreaterThan(0);
    expect(schemaErrors(objects)).toEqual([]);
    expect(podSecurityViolations(objects)).toEqual([]);
    expect(lintViolations(objects)).toEqual([]);
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

describe('examples/canary: the seed scenario', () => {
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
    expect(find('Deployment', 'shop-canary').spec.template.spec.containers[0].image).toBe('ghcr.io/acme/shop:1.9.0');
    expect(find('Deployment', 'shop').spec.template.spec.containers[0].image).toBe('ghcr.io/acme/shop:1.8.0');
    expect(stderr).toContain('[CANARY_STICKY_DRIFT]');
    expect(stderr).toContain('[CANARY_SHARED_SESSIONS]');
  });
});
