import { App, Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { SessionStore, StatelessWebApp, Warnings } from '../src';
import { captureStderr } from './support/synth';

/**
 * The work a synth needs the whole App for runs once per synth, however many charts cdk8s writes (cdk8s validates
 * the whole App again for every chart), and the report reads the Secrets to create from the JSON cdk8s renders
 * anyway instead of rendering every object twice. These tests show that this never changes what is synthesized
 * or reported.
 */

const IMAGE = 'ghcr.io/acme/shop:1.9.0';

function twoCharts() {
  const app = new App({ outdir: 'dist' });
  const a = new Chart(app, 'a', { namespace: 'shop' });
  const b = new Chart(app, 'b', { namespace: 'shop' });
  const store = SessionStore.external({ host: 'redis.example.com', passwordSecretName: 'redis-auth', tls: true });
  const web = new StatelessWebApp(a, 'web', { name: 'web', image: IMAGE, sessionStore: store });
  const api = new StatelessWebApp(b, 'api', { name: 'api', image: IMAGE, sessionStore: store });
  return { app, a, b, web, api };
}

test('the report of an App synthesized chart by chart names every prerequisite, printed with the last chart', () => {
  const { app } = twoCharts();
  const stderr = captureStderr(() => app.charts.forEach((c) => c.toJson()));
  expect(stderr).toContain('Secret shop/redis-auth: key "password" (used by Deployment api, Deployment web)');
});

test('one chart of two synthesized: the report still names what the other chart reads, once the synth is over', async () => {
  const { a } = twoCharts();
  const spy = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    Testing.synth(a);
    await Promise.resolve();
    await Promise.resolve();
    const stderr = spy.mock.calls.map((c) => String(c[0])).join('');
    expect(stderr).toContain('Secret shop/redis-auth: key "password" (used by Deployment api, Deployment web)');
  } finally {
    spy.mockRestore();
  }
});

test('an object changed between two synths of one tick is synthesized as changed, and the report follows it', () => {
  const { a, b, api } = twoCharts();
  captureStderr(() => Testing.synth(a));
  // the other chart's Deployment changes after the first synth, before its own, in the same tick
  api.container.env.addVariable('FLAGS', kplus.EnvValue.fromSecretValue({ secret: kplus.Secret.fromSecretName(b, 'flags', 'flags'), key: 'json' }));
  let objects: any[] = [];
  captureStderr(() => (objects = Testing.synth(b)));
  const env = objects.find((o) => o.kind === 'Deployment').spec.template.spec.containers[0].env as Array<{ name: string }>;
  expect(env.map((e) => e.name)).toContain('FLAGS');
  expect(Warnings.of(b).prerequisites.map((p) => `${p.name} ${p.usedBy.join(',')}`)).toEqual(['flags Deployment api', 'redis-auth Deployment api,Deployment web']);
});

test('50 charts: cdk8s validates the App 51 times, the report is printed once', () => {
  const app = new App({ outdir: 'dist' });
  const store = SessionStore.external({ host: 'redis.example.com', passwordSecretName: 'redis-auth', tls: true });
  for (let i = 0; i < 50; i++) {
    new StatelessWebApp(new Chart(app, `c${i}`, { namespace: 'shop' }), 'web', { name: `web-${i}`, image: IMAGE, sessionStore: store });
  }
  const count = (text: string) => text.split('Prerequisites:').length - 1;
  expect(count(captureStderr(() => app.synthYaml()))).toBe(1);
});
