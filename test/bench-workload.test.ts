import { appObjectsHash, kindCounts, SHAPES, synthHandWritten, synthLibrary } from '../bench/workload';
import { captureStderr } from './support/synth';

/**
 * The benchmark compares like with like only if both versions synthesize the same objects: the same kinds and
 * counts, and byte-identical objects for everything that grows with the number of apps.
 * (The timings themselves are `npm run bench` and the CI guard, not a test.)
 */
test.each(SHAPES.map((s) => [s]))('%s: the hand-written workload synthesizes the same objects as the library', (shape) => {
  let lib = '';
  captureStderr(() => (lib = synthLibrary(40, shape)));
  const hand = synthHandWritten(40, shape);
  expect(kindCounts(hand)).toEqual(kindCounts(lib));
  expect(appObjectsHash(hand)).toBe(appObjectsHash(lib));
});

test('the mix has 10% canaries and 5% sticky apps: 40 apps give 4 canaries and 2 StickyIngresses', () => {
  let lib = '';
  captureStderr(() => (lib = synthLibrary(40, 'mix')));
  expect(kindCounts(lib)).toEqual({
    ConfigMap: 1,
    Service: 2 + 40 + 4,
    StatefulSet: 1,
    NetworkPolicy: 1,
    Deployment: 40 + 4,
    HorizontalPodAutoscaler: 40,
    Ingress: 40 + 4,
    PodDisruptionBudget: 40,
  });
  expect(lib.match(/^ {4}nginx\.ingress\.kubernetes\.io\/affinity: cookie$/gm)).toHaveLength(2);
});

test('a changed app object changes the hash (the check can fail)', () => {
  const hand = synthHandWritten(3);
  expect(appObjectsHash(hand.replace('app-1.example.com', 'app-x.example.com'))).not.toBe(appObjectsHash(hand));
  expect(appObjectsHash(hand.replace('"bench.app-2:"', '"bench.app-9:"'))).not.toBe(appObjectsHash(hand));
});
