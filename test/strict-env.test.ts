import { Chart, Testing } from 'cdk8s';
import { RedisSessionStore, StatelessErrors } from '../src';
import { captureStderr } from './support/synth';

// One unacknowledged risk (a standalone store is a single point of failure): strict mode turns it into an error.
function synthWithOneRisk(): () => string {
  const app = Testing.app();
  const chart = new Chart(app, 'test');
  new RedisSessionStore(chart, 'sessions', { name: 'sessions' });
  return () => captureStderr(() => app.synthYaml());
}

function withStrictEnv<T>(value: string | undefined, body: () => T): T {
  const before = process.env.CDK8S_STATELESS_STRICT;
  if (value === undefined) delete process.env.CDK8S_STATELESS_STRICT;
  else process.env.CDK8S_STATELESS_STRICT = value;
  try {
    return body();
  } finally {
    if (before === undefined) delete process.env.CDK8S_STATELESS_STRICT;
    else process.env.CDK8S_STATELESS_STRICT = before;
  }
}

describe('CDK8S_STATELESS_STRICT', () => {
  test.each(['1', 'true', 'TRUE', 'yes', 'Yes', 'on', 'y', ' true '])('%p turns strict mode on: an unacknowledged risk fails the synth', (value) => {
    withStrictEnv(value, () => expect(synthWithOneRisk()).toThrow(/strict mode: unacknowledged risk STORE_SINGLE_POINT_OF_FAILURE/));
  });

  test.each(['', '0', 'false', 'False', 'no', 'off', 'n'])('%p leaves strict mode off: the risk is reported, the synth succeeds', (value) => {
    withStrictEnv(value, () => expect(synthWithOneRisk()).not.toThrow());
  });

  test('unset leaves strict mode off', () => {
    withStrictEnv(undefined, () => expect(synthWithOneRisk()).not.toThrow());
  });

  test.each(['ture', 'enabled', '2', 'strict'])('%p is neither true nor false: the synth fails with a message naming the variable', (value) => {
    withStrictEnv(value, () => {
      let error: unknown;
      try {
        synthWithOneRisk()();
      } catch (e) {
        error = e;
      }
      expect(StatelessErrors.isValidationError(error)).toBe(true);
      expect((error as Error).message).toBe(
        `environment variable CDK8S_STATELESS_STRICT: 'CDK8S_STATELESS_STRICT' must be true (1, true, yes, on, y) or false (0, false, no, off, n, or empty), got "${value}". Set CDK8S_STATELESS_STRICT=true to fail the synth on unacknowledged risks, or unset it.`,
      );
    });
  });
});
