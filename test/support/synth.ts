import { spawnSync } from 'child_process';
import * as path from 'path';
import { Chart, Testing, Yaml } from 'cdk8s';
import { crdErrors } from './crd-validator';

/** A Kubernetes object as synthesized. */
export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string>; labels?: Record<string, string> };
  spec?: any;
  data?: any;
};

/** A chart in a fresh test App. */
export function newChart(namespace?: string): Chart {
  return new Chart(Testing.app(), 'test', { namespace });
}

/** Synthesize a chart to objects (runs validations; the risk report on stderr is swallowed, see captureStderr). */
export function synth(chart: Chart): K8sObject[] {
  let objects: K8sObject[] = [];
  captureStderr(() => (objects = Testing.synth(chart) as K8sObject[]));
  assertCustomResourcesValid(objects);
  return objects;
}

/**
 * Every custom resource a test synthesizes is checked against its real CRD with every CEL rule:
 * HTTPRoutes on Gateway API v1.5.1 and v1.6.1, on the standard channel unless they use sessionPersistence
 * (experimental channel only); Traefik, Argo Rollouts and Flagger objects on their CRDs. A test of bad output
 * fails here, whatever it asserts.
 */
function assertCustomResourcesValid(objects: K8sObject[]): void {
  const errors: string[] = [];
  for (const o of objects) {
    const channel = JSON.stringify(o.spec ?? {}).includes('"sessionPersistence"') ? 'experimental' : 'standard';
    for (const gatewayApi of ['v1.5.1', 'v1.6.1'] as const) {
      errors.push(...crdErrors([o], { gatewayApi, channel }));
      if (!o.apiVersion.startsWith('gateway.networking.k8s.io/')) break;
    }
  }
  if (errors.length > 0) {
    throw new Error(`synthesized custom resources the API server would reject:\n  ${errors.join('\n  ')}`);
  }
}

/** Synthesize a chart to the YAML text cdk8s writes to dist/. */
export function synthYaml(chart: Chart): string {
  return Yaml.stringify(...synth(chart));
}

/** The one object of a kind (and name, if given); fails the test if there is not exactly one. */
export function only(objects: K8sObject[], kind: string, name?: string): K8sObject {
  const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (found.length !== 1) {
    throw new Error(`expected exactly one ${kind}${name ? ` named ${name}` : ''}, found ${found.length}: ${found.map((o) => o.metadata.name).join(', ')}`);
  }
  return found[0];
}

/** All objects of a kind. */
export function ofKind(objects: K8sObject[], kind: string): K8sObject[] {
  return objects.filter((o) => o.kind === kind);
}

/**
 * Validate objects against the Kubernetes OpenAPI schema (kubernetes-models) and the Gateway API
 * schema (@kubernetes-models/gateway-api). Both packages are ESM-only, so validation runs in a
 * child Node.js process. Returns one message per invalid object.
 */
export function schemaErrors(objects: K8sObject[]): string[] {
  const result = spawnSync(process.execPath, [path.join(__dirname, 'validate-schema.mjs')], {
    input: JSON.stringify(objects),
    encoding: 'utf8',
    cwd: path.join(__dirname, '..', '..'),
  });
  if (result.status !== 0) {
    throw new Error(`schema validator failed: ${result.stderr}`);
  }
  const results = JSON.parse(result.stdout) as Array<string | null>;
  if (results.length !== objects.length) {
    throw new Error(`schema validator returned ${results.length} results for ${objects.length} objects`);
  }
  return results.filter((r): r is string => r !== null);
}

/** Capture what a function writes to stderr. */
export function captureStderr(fn: () => void): string {
  const spy = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    fn();
    return spy.mock.calls.map((c) => String(c[0])).join('');
  } finally {
    spy.mockRestore();
  }
}
