import { opensslAvailable, redisAvailable } from './support/redis-harness';

/** The end-to-end suites fail in CI when redis-server is missing, and skip loudly elsewhere. */
describe('redisAvailable', () => {
  const missing = { PATH: '/nonexistent' };

  test('in CI a missing redis-server is a failure with the install command', () => {
    expect(() => redisAvailable({ ...missing, CI: 'true' })).toThrow(
      'redis-server / redis-sentinel not found: the end-to-end tests of the generated Redis configuration need them. ' +
        'Install with: apt-get install -y redis-server redis-sentinel (CI is set, so this fails instead of skipping)',
    );
  });

  test('outside CI it skips with a loud message', () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      expect(redisAvailable(missing)).toBe(false);
      expect(warn.mock.calls[0][0]).toContain('!!! SKIPPING END-TO-END REDIS TESTS !!!');
      expect(warn.mock.calls[0][0]).toContain('apt-get install -y redis-server redis-sentinel');
    } finally {
      warn.mockRestore();
    }
  });
});

describe('opensslAvailable (the TLS test)', () => {
  const missing = { PATH: '/nonexistent' };

  test('in CI a missing openssl is a failure with the install command', () => {
    expect(() => opensslAvailable({ ...missing, CI: 'true' })).toThrow(
      'openssl not found: the TLS end-to-end test makes its certificates with it. Install with: apt-get install -y openssl (CI is set, so this fails instead of skipping)',
    );
  });

  test('outside CI it skips with a loud message', () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      expect(opensslAvailable(missing)).toBe(false);
      expect(warn.mock.calls[0][0]).toContain('!!! SKIPPING THE TLS END-TO-END TEST !!!');
    } finally {
      warn.mockRestore();
    }
  });
});
