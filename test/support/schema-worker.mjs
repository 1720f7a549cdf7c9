// A worker thread that keeps the kubernetes-models schemas loaded for the life of a test process, so the
// property-based suite can validate thousands of objects without starting a Node.js process per input.
// Protocol (see schemaErrorsInProcess in invariant.ts): the test thread posts { objects } on `port`, then
// blocks on Atomics.wait(flag); this worker posts the results on `port`, sets flag to 1 and notifies.
import { workerData } from 'node:worker_threads';
import { validateObjects } from './validate-schema.mjs';

const { port, flag } = workerData;
const signal = new Int32Array(flag);
port.on('message', async ({ objects }) => {
  let reply;
  try {
    reply = { results: await validateObjects(objects) };
  } catch (e) {
    reply = { error: String(e?.stack ?? e) };
  }
  port.postMessage(reply);
  Atomics.store(signal, 0, 1);
  Atomics.notify(signal, 0);
});
