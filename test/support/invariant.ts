import * as path from 'path';
import { MessageChannel, MessagePort, receiveMessageOnPort, Worker } from 'worker_threads';
import { CRD_GROUPS, crdErrors, CrdOptions } from './crd-validator';
import { nameErrors } from './k8s-names';
import { yamlRoundTripErrors } from './yaml-roundtrip';

/**
 * The invariant: every object the library synthesizes is accepted by an API server and read back
 * the same. `invariantErrors(objects)` returns one line per problem, prefixed with the check that found it:
 *
 * - `[schema]` the Kubernetes OpenAPI schema of the kind (kubernetes-models, and @kubernetes-models/gateway-api,
 *   traefik, argo-rollouts, prometheus-operator for custom resources; Flagger has no such package);
 * - `[crd]` custom resources against the real CRDs with every CEL rule (crd-validator.ts); HTTPRoutes are
 *   checked on Gateway API v1.5.1 and v1.6.1, on the standard channel unless they use `sessionPersistence`
 *   (experimental only), unless `crd` options force one cluster;
 * - `[names]` the API server's name rules (k8s-names.ts);
 * - `[yaml]` written with cdk8s's YAML writer and read back as kubectl reads it, every value is unchanged
 *   (yaml-roundtrip.ts).
 *
 * Fast enough to run per generated input: the schemas stay loaded in a worker thread, the CRDs and CEL
 * programs are parsed once per process.
 */

export interface InvariantOptions {
  /** Validate custom resources against one cluster only. @default both Gateway API versions, channel by use of sessionPersistence */
  readonly crd?: CrdOptions;
}

let worker: { worker: Worker; port: MessagePort; flag: Int32Array } | undefined;

// Jest gives each test file its own module registry: stop this file's worker when the file is done.
if (typeof afterAll === 'function') {
  afterAll(async () => {
    const w = worker;
    worker = undefined;
    await w?.worker.terminate();
  });
}

function schemaWorker() {
  if (!worker) {
    const { port1, port2 } = new MessageChannel();
    const shared = new SharedArrayBuffer(4);
    const w = new Worker(path.join(__dirname, 'schema-worker.mjs'), { workerData: { port: port2, flag: shared }, transferList: [port2] });
    w.unref();
    port1.unref?.();
    worker = { worker: w, port: port1, flag: new Int32Array(shared) };
  }
  return worker;
}

/** kubernetes-models validation in a worker thread kept for the life of the process; one message per invalid object. */
export function schemaErrorsInProcess(objects: any[]): string[] {
  if (objects.length === 0) return [];
  const { port, flag } = schemaWorker();
  Atomics.store(flag, 0, 0);
  port.postMessage({ objects: JSON.parse(JSON.stringify(objects)) });
  // The first call loads the schema packages; later calls take milliseconds.
  if (Atomics.wait(flag, 0, 0, 60_000) === 'timed-out') throw new Error('schema worker did not answer within 60 s');
  const reply = receiveMessageOnPort(port)?.message;
  if (!reply || reply.error) throw new Error(`schema worker failed: ${reply?.error ?? 'no reply'}`);
  const results = reply.results as Array<string | null>;
  if (results.length !== objects.length) throw new Error(`schema worker returned ${results.length} results for ${objects.length} objects`);
  return results.filter((r): r is string => r !== null);
}

function groupOf(o: any): string {
  const v = String(o?.apiVersion ?? '');
  return v.includes('/') ? v.split('/')[0] : '';
}

/** Every way the objects would be rejected or changed on their way to a cluster; empty if none. */
export function invariantErrors(objects: any[], options: InvariantOptions = {}): string[] {
  const out: string[] = [];
  const modelled = objects.filter((o) => groupOf(o) !== 'flagger.app');
  out.push(...schemaErrorsInProcess(modelled).map((e) => `[schema] ${e}`));

  const custom = objects.filter((o) => CRD_GROUPS.includes(groupOf(o)));
  for (const o of custom) {
    const clusters: CrdOptions[] = options.crd
      ? [options.crd]
      : groupOf(o) === 'gateway.networking.k8s.io'
        ? (['v1.5.1', 'v1.6.1'] as const).map((gatewayApi) => ({ gatewayApi, channel: JSON.stringify(o).includes('sessionPersistence') ? 'experimental' : 'standard' }))
        : [{}];
    for (const c of clusters) out.push(...crdErrors([o], c).map((e) => `[crd] ${e}`));
  }

  out.push(...nameErrors(objects).map((e) => `[names] ${e}`));
  out.push(...yamlRoundTripErrors(objects).map((e) => `[yaml] ${e}`));
  return out;
}
