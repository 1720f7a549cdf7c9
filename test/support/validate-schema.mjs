// Validates Kubernetes objects against the OpenAPI schemas of `kubernetes-models`,
// `@kubernetes-models/gateway-api` and `@kubernetes-models/prometheus-operator` (all ESM-only, hence this child process of the CJS test runner).
// stdin: a JSON array of objects. stdout: a JSON array, one entry per object: null if valid, else the error text.
import { readFileSync } from 'node:fs';

const input = JSON.parse(readFileSync(0, 'utf8'));

async function modelFor(apiVersion, kind) {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const pkg = group.endsWith('gateway.networking.k8s.io')
    ? '@kubernetes-models/gateway-api'
    : group === 'monitoring.coreos.com' // #14 item 9: PodMonitor, PrometheusRule
      ? '@kubernetes-models/prometheus-operator'
      : 'kubernetes-models';
  const path = group ? `${pkg}/${group}/${version}/${kind}` : `${pkg}/${version}/${kind}`;
  const mod = await import(path);
  if (!mod[kind]) throw new Error(`no model ${kind} in ${path}`);
  return mod[kind];
}

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
process.stdout.write(JSON.stringify(results));
