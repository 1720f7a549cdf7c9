import * as fs from 'fs';
import * as path from 'path';

// `npm run test:unit` must start no server, and `npm run test:e2e` must hold every suite that does: a suite that
// boots Redis, Sentinel, HAProxy or nginx (directly or through a test module it imports) is in the end-to-end tier.

const ROOT = path.join(__dirname, '..');
const tasks = JSON.parse(fs.readFileSync(path.join(ROOT, '.projen', 'tasks.json'), 'utf8')).tasks;
const patternsOf = (task: string, flag: string): RegExp[] => {
  const exec: string = tasks[task].steps.find((s: any) => s.name === 'jest').exec;
  return [...exec.matchAll(new RegExp(`--${flag}='([^']+)'`, 'g'))].map((m) => new RegExp(m[1]));
};
const unitIgnores = patternsOf('test:unit', 'testPathIgnorePatterns');
const e2eMatches = patternsOf('test:e2e', 'testPathPatterns');

// what starting a real server looks like in this repository's tests
// (the support library defines these; a suite starts them by calling them)
const STARTS_SERVERS = /new (StoreHarness|HaproxyProcess|ExporterProcess)\(|runLab\(|spawn\('(nginx|haproxy|redis-server|valkey-server)'/;

function startsServers(file: string, seen = new Set<string>()): boolean {
  if (seen.has(file) || !fs.existsSync(file)) return false;
  seen.add(file);
  const source = fs.readFileSync(file, 'utf8');
  if (STARTS_SERVERS.test(source)) return true;
  const local = [...source.matchAll(/from '(\.{1,2}\/[^']+)'/g)].map((m) => path.resolve(path.dirname(file), m[1]) + '.ts');
  // shared scenario modules beside the suites (not the support library, which only defines the servers)
  return local.filter((f) => path.dirname(f) === path.join(ROOT, 'test')).some((f) => startsServers(f, seen));
}

const testFiles = fs.readdirSync(path.join(ROOT, 'test')).filter((f) => f.endsWith('.test.ts')).map((f) => path.join(ROOT, 'test', f));

describe('test tiers', () => {
  test('the tiers are defined (the task file has both pattern lists)', () => {
    expect(unitIgnores.length).toBeGreaterThan(0);
    expect(e2eMatches.map(String)).toEqual(unitIgnores.map(String));
  });

  test('every suite that starts a server is in the end-to-end tier, out of the unit tier', () => {
    const misplaced = testFiles
      .filter((f) => startsServers(f))
      .filter((f) => !unitIgnores.some((re) => re.test(f)))
      .map((f) => path.relative(ROOT, f));
    expect(misplaced).toEqual([]);
  });

  test('the check finds the suites that start servers (it can fail)', () => {
    const found = testFiles.filter((f) => startsServers(f)).map((f) => path.basename(f));
    expect(found).toEqual(expect.arrayContaining(['redis-e2e.test.ts', 'affinity-lab.test.ts', 'primary-endpoint-e2e.test.ts']));
    expect(found).not.toContain('test-tiers.test.ts');
    expect(found).not.toContain('primary-endpoint.test.ts');
  });
});
