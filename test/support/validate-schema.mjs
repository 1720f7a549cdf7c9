// Validates Kubernetes objects against the OpenAPI schemas of `kubernetes-models` and the
// `@kubernetes-models/*` packages of PACKAGES (all ESM-only, hence this child process of the CJS test runner).
// As a script: stdin a JSON array of objects; stdout a JSON array, one entry per object: null if valid, else
// the error text. As a module: `validateObjects(objects)` (used by schema-worker.mjs, the in-process path).
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

// The kubernetes-models package of each custom API group (issues 15, 16: Traefik, Argo Rollouts, Prometheus
// Operator). Flagger (flagger.app) has no kubernetes-models package on npm: its objects are validated from
// its CRD only (test/support/crd-validator.ts), and are refused here rather than silently passed.
const PACKAGES = {
  'gateway.networking.k8s.io': '@kubernetes-models/gateway-api',
  'traefik.io': '@kubernetes-models/traefik',
  'argoproj.io': '@kubernetes-models/argo-rollouts',
  'monitoring.coreos.com': '@kubernetes-models/prometheus-operator',
};

async function modelFor(apiVersion, kind) {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  if (group === 'flagger.app') throw new Error('no kubernetes-models package for flagger.app on npm: validate it with crdErrors (test/support/crd-validator.ts)');
  const pkg = PACKAGES[group] ?? 'kubernetes-models';
  const path = group ? `${pkg}/${group}/${version}/${kind}` : `${pkg}/${version}/${kind}`;
  const mod = await import(path);
  if (!mod[kind]) throw new Error(`no model ${kind} in ${path}`);
  return mod[kind];
}

/** One entry per object: null if valid, else the error text. */
export async function validateObjects(input) {
  const results = [];
  for (const obj of input) {
    try {
      const Model = await modelFor(obj.apiVersion, obj.kind);
      new Model(obj).validate();
      results.push(null);
    } catch (e) {
      const details = e.errors ? JSON.stringify(e.errors) : '';
      results.push(`${obj.kind}/${obj.metadata?.name}: ${e.message} ${details}`.trim());
    }
  }
  return results;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const input = JSON.parse(readFileSync(0, 'utf8'));
  process.stdout.write(JSON.stringify(await validateObjects(input)));
}
