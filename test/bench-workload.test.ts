import { kindCounts, synthHandWritten, synthLibrary } from '../bench/workload';
import { captureStderr } from './support/synth';

/**
 * The benchmark compares like with like only if both versions synthesize the same objects.
 * (The timings themselves are `npm run bench`, not a test.)
 */
test('the hand-written benchmark workload synthesizes the same kinds and counts as the library', () => {
  let lib = '';
  captureStderr(() => (lib = synthLibrary(3)));
  const hand = synthHandWritten(3);
  expect(kindCounts(hand)).toEqual(kindCounts(lib));
  expect(kindCounts(lib)).toEqual({
    ConfigMap: 1,
    Service: 5,
    StatefulSet: 1,
    NetworkPolicy: 1,
    Deployment: 3,
    HorizontalPodAutoscaler: 3,
    Ingress: 3,
    PodDisruptionBudget: 3,
  });
});
