import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

// without redis-server the end-to-end suites skip, and `npm test` says so. This runs the real
// Jest, with this project's configuration and reporters, on the two end-to-end files with a PATH that has node
// and nothing else (so redis-server and redis-sentinel are missing whatever this machine has installed).

const ROOT = path.join(__dirname, '..');
const E2E = ['test/redis-e2e.test.ts', 'test/session-app-e2e.test.ts'];

function runJest(extraEnv: NodeJS.ProcessEnv): { status: number | null; output: string } {
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'node-only-'));
  try {
    fs.symlinkSync(process.execPath, path.join(bin, 'node'));
    const result = spawnSync(process.execPath, [require.resolve('jest/bin/jest'), '--ci', '--colors=false', ...E2E], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { PATH: bin, HOME: os.homedir(), ...extraEnv },
      timeout: 120_000,
    });
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
  } finally {
    fs.rmSync(bin, { recursive: true, force: true });
  }
}

describe('the end-to-end skip is visible in the test output', () => {
  test('outside CI: both suites skip, and the output says why and how to install the servers', () => {
    const { status, output } = runJest({});
    expect(status).toBe(0);
    expect(output).toMatch(/Test Suites: 2 skipped, 0 of 2 total/);
    // each suite names what is missing and the install command, per server flavour it runs on
    expect(output).toContain(
      '!!! SKIPPING END-TO-END TESTS ON VALKEY !!!\n' +
        'valkey-server / valkey-sentinel / valkey-cli not found: the end-to-end tests run on valkey too. ' +
        'Install with: apt-get install -y -t bookworm-backports valkey-server valkey-sentinel valkey-tools\n' +
        '(skipped: test/redis-e2e.test.ts)',
    );
    expect(output).toContain(
      '!!! SKIPPING END-TO-END TESTS ON REDIS !!!\n' +
        'redis-server / redis-sentinel / redis-cli not found: the end-to-end tests run on redis too. ' +
        'Install with: apt-get install -y redis-server redis-sentinel\n' +
        '(skipped: test/redis-e2e.test.ts)',
    );
    expect(output).toContain(
      '!!! SKIPPING END-TO-END REDIS TESTS !!!\n' +
        'redis-server / redis-sentinel not found: the end-to-end tests of the generated Redis configuration need them. ' +
        'Install with: apt-get install -y redis-server redis-sentinel\n' +
        '(skipped: test/session-app-e2e.test.ts)',
    );
  }, 150_000);

  test('with CI set: the run fails, naming the missing servers', () => {
    const { status, output } = runJest({ CI: 'true' });
    expect(status).not.toBe(0);
    expect(output).toContain('(CI is set, so this fails instead of skipping)');
  }, 150_000);
});
