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

function synthExample(name: string): { files: Record<string, string>; stderr: string } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { buildApp } = require(path.join(EXAMPLES_DIR, name, 'main.ts')) as { buildApp: (outdir: string) => App };
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), `example-${name}-`));
  const stderr = captureStderr(() => buildApp(outdir).synth());
  const files: Record<string, string> = {};
  for (const file of fs.readdirSync(outdir).filter((f) => f.endsWith('.k8s.yaml')).sort()) {
    files[file] = fs.readFileSync(path.join(outdir, file), 'utf8');
  }
  fs.rmSync(outdir, { recursive: true, force: true });
  return { files, stderr };
}

test('there are examples', () => {
  expect(examples).toEqual(expect.arrayContaining(['rider-api']));
});

describe.each(examples)('examples/%s', (name) => {
  const { files, stderr } = synthExample(name);
  const objects = Object.values(files).flatMap((text) => parseAllDocuments(text).map((d) => d.toJSON() as K8sObject));

  test('committed dist/ is what the example synthesizes (run `npm run examples` after a change)', () => {
    const distDir = path.join(EXAMPLES_DIR, name, 'dist');
    const committed = fs.existsSync(distDir) ? fs.readdirSync(distDir).filter((f) => f.endsWith('.k8s.yaml')).sort() : [];
    expect(committed).toEqual(Object.keys(files));
    for (const [file, text] of Object.entries(files)) {
      expect(fs.readFileSync(path.join(distDir, file), 'utf8')).toBe(text);
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
      'SPRING_SESSION_STORE_TYPE',
      'SPRING_DATA_REDIS_SENTINEL_MASTER',
      'SPRING_DATA_REDIS_SENTINEL_NODES',
      'SPRING_DATA_REDIS_PASSWORD',
      'SPRING_DATA_REDIS_SENTINEL_PASSWORD',
      'SPRING_DATA_REDIS_SSL_ENABLED',
    ]);
    expect(env[0].value).toBe('redis');
    expect(find('StatefulSet', 'rider-sessions').spec.replicas).toBe(3);
    expect(find('StatefulSet', 'rider-sessions-sentinel').spec.replicas).toBe(3);
  });
});
