import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cli, FIXTURES, json, synthShop } from './support/audit-cli';

/**
 * `--base`: two syntheses of the canary example (examples/canary/main.ts), in this process, as the base branch and
 * the pull request would write them.
 */
describe('--base: what a change adds, removes or changes', () => {
  const release = (weight: number) => ({ image: 'ghcr.io/acme/shop:1.9.0', weight });
  const canaryCodes = ['CANARY_OVERRIDE_IGNORED_WHEN_PINNED', 'CANARY_SHARED_SESSIONS', 'CANARY_STICKY_DRIFT', 'INGRESS_NGINX_BALANCED_ROLLBACK_KEEPS_COOKIE', 'INGRESS_NGINX_CANARY_KEEPS_OVERRIDE_USERS', 'INGRESS_NGINX_RETIRED'];

  test('starting a release: the canary\'s risks are new and fail under new-unacknowledged; the stable route\'s are unchanged', () => {
    const base = synthShop(undefined);
    const head = synthShop(release(20));
    const report = json([head, '--base', base]);
    const onCanary = report.findings.filter((f: any) => f.object.name === 'shop-canary');
    expect(onCanary.map((f: any) => f.code).sort()).toEqual(canaryCodes);
    expect(onCanary.every((f: any) => f.change === 'new' && f.failing === true)).toBe(true);
    const onStable = report.findings.filter((f: any) => f.object.kind === 'Ingress' && f.object.name === 'shop');
    expect(onStable.length).toBe(4);
    expect(onStable.every((f: any) => f.change === 'unchanged' && f.failing === false)).toBe(true);
    expect(report.summary).toMatchObject({ new: report.findings.filter((f: any) => f.change === 'new').length, removed: 0, changed: 0 });
    expect(report.summary.failing).toBe(onCanary.length);
    expect(report.mechanismChanges.map((c: any) => `${c.object.kind} ${c.object.name}`)).toContain('Ingress shop-canary');
    expect(cli(['audit', head, '--base', base]).code).toBe(1);
  });

  test('a weight step (20 -> 50): no new risk, so new-unacknowledged passes; the traffic change is listed', () => {
    const base = synthShop(release(20));
    const head = synthShop(release(50));
    const run = cli(['audit', head, '--base', base]);
    expect(run.code).toBe(0);
    const report = json([head, '--base', base]);
    expect(report.summary).toMatchObject({ new: 0, changed: 0, removed: 0, failing: 0 });
    expect(report.summary.unchanged).toBe(report.findings.length);
    const change = report.mechanismChanges.find((c: any) => c.object.name === 'shop-canary');
    expect(change.removed).toEqual([expect.stringContaining('CanaryMatch.weight(20) of 100')]);
    expect(change.added).toEqual([expect.stringContaining('CanaryMatch.weight(50) of 100')]);
    expect(run.stdout).toContain('Traffic changes since the base:');
    expect(run.stdout).toMatch(/- canary \(ingress-nginx\) .*CanaryMatch\.weight\(20\) of 100/);
    expect(run.stdout).toMatch(/\+ canary \(ingress-nginx\) .*CanaryMatch\.weight\(50\) of 100/);
    // the risks the tree already had still fail under the stricter policy
    expect(cli(['audit', head, '--base', base, '--fail-on', 'unacknowledged']).code).toBe(1);
  });

  test('the same step on Gateway API: the weights of the HTTPRoute\'s weighted rule change', () => {
    const base = synthShop(release(20), 'gateway-api');
    const head = synthShop(release(50), 'gateway-api');
    const report = json([head, '--base', base]);
    expect(report.summary).toMatchObject({ new: 0, changed: 0, removed: 0 });
    const change = report.mechanismChanges.find((c: any) => c.object.kind === 'HTTPRoute');
    expect(change.removed).toEqual([expect.stringMatching(/^weighted backends \(gateway-api\) on rule \d+: shop 80, shop-canary-[0-9a-f]+ 20$/)]);
    expect(change.added).toEqual([expect.stringMatching(/^weighted backends \(gateway-api\) on rule \d+: shop 50, shop-canary-[0-9a-f]+ 50$/)]);
  });

  test('ending the release: the canary\'s risks are removed, and nothing fails', () => {
    const base = synthShop(release(50));
    const head = synthShop(undefined);
    const report = json([head, '--base', base]);
    expect(report.removed.map((f: any) => f.code).sort()).toEqual(canaryCodes);
    expect(report.findings.every((f: any) => f.change === 'unchanged')).toBe(true);
    const text = cli(['audit', head, '--base', base]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`0 new, 0 changed, ${canaryCodes.length} removed`);
    expect(text.stdout).toMatch(/Removed since the base:\n .*Ingress shop\/shop-canary \[CANARY_OVERRIDE_IGNORED_WHEN_PINNED\]/);
  });

  test('a changed text (replicas 3 -> 5 behind a hand-written sticky Ingress) is "changed" and does not fail new-unacknowledged', () => {
    const original = fs.readFileSync(path.join(FIXTURES, 'foreign', 'sticky-ingress.yaml'), 'utf8');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-replicas-'));
    fs.mkdirSync(path.join(dir, 'base'));
    fs.mkdirSync(path.join(dir, 'head'));
    fs.writeFileSync(path.join(dir, 'base', 'app.yaml'), original);
    fs.writeFileSync(path.join(dir, 'head', 'app.yaml'), original.replace('replicas: 3', 'replicas: 5'));
    const report = json([path.join(dir, 'head'), '--base', path.join(dir, 'base')]);
    const uneven = report.findings.find((f: any) => f.code === 'AFFINITY_UNEVEN_LOAD');
    expect(uneven.change).toBe('changed');
    expect(uneven.message).toContain('one of 5 pods');
    expect(uneven.before.message).toContain('one of 3 pods');
    expect(report.summary.failing).toBe(0);
  });

  test('removing an acknowledgement makes the risk "changed" and failing under new-unacknowledged', () => {
    const original = fs.readFileSync(path.join(FIXTURES, 'foreign', 'traefik-sticky.yaml'), 'utf8');
    const acked = original.replace(
      '  name: profile\n  namespace: shop\n',
      '  name: profile\n  namespace: shop\n  annotations:\n    risks.stateless.cdk8s.io/acknowledged: AFFINITY_UNEVEN_LOAD\n',
    );
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-ack-'));
    fs.writeFileSync(path.join(dir, 'base.yaml'), acked);
    fs.writeFileSync(path.join(dir, 'head.yaml'), original);
    // the head: every risk unacknowledged; the base: one acknowledged
    const report = json([path.join(dir, 'head.yaml'), '--base', path.join(dir, 'base.yaml')]);
    const failing = report.findings.filter((f: any) => f.failing);
    expect(failing.map((f: any) => [f.code, f.change, f.before.acknowledged])).toEqual([['AFFINITY_UNEVEN_LOAD', 'changed', true]]);
  });

  test('an empty base (the first manifests of a repository): everything is new', () => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-empty-base-'));
    const report = json([path.join(FIXTURES, 'foreign', 'traefik-sticky.yaml'), '--base', base]);
    expect(report.base).toEqual({ inputs: [base], objects: 0, files: 0 });
    expect(report.findings.every((f: any) => f.change === 'new' && f.failing)).toBe(true);
  });
});
