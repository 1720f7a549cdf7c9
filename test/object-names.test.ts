import * as fs from 'fs';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { RedisSessionStore, StatelessErrors, StatelessWebApp } from '../src';
import { captureStderr } from './support/synth';

/**
 * Two objects of one group, kind, namespace and name in one App are one object on the cluster. The check keeps an
 * index per App (no walk of the App per construct): a clash between two constructs of the library is refused from
 * the second constructor; a clash with an object written by plain cdk8s code is refused when the App is
 * synthesized, before any file is written. Either way the message names both constructs.
 */

const IMAGE = 'ghcr.io/acme/shop:1.9.0';
const outdir = path.join(__dirname, '..', 'test-reports', 'object-names-out');

function errorOf(build: () => void): Error {
  try {
    build();
  } catch (e) {
    expect(StatelessErrors.isValidationError(e)).toBe(true);
    return e as Error;
  }
  throw new Error('expected a ValidationError');
}

test('two apps named "web" in two charts of one namespace: the second constructor is refused, naming the first', () => {
  const app = new App({ outdir });
  const one = new Chart(app, 'one', { namespace: 'shop' });
  const two = new Chart(app, 'two', { namespace: 'shop' });
  new StatelessWebApp(one, 'web', { name: 'web', image: IMAGE });
  const error = errorOf(() => new StatelessWebApp(two, 'web', { name: 'web', image: IMAGE }));
  expect(error.message).toBe(
    "StatelessWebApp 'two/web': 'name' gives the Deployment \"web\" in namespace \"shop\", which StatelessWebApp 'one/web' also writes " +
      '(one would overwrite the other on the cluster), got "web". Give one of the two a different name.',
  );
  // the refused app removed itself: the App synthesizes the first one only
  expect(two.node.tryFindChild('web')).toBeUndefined();
});

test('the same names in two charts of different namespaces are two objects, and both synthesize', () => {
  const app = new App({ outdir });
  new StatelessWebApp(new Chart(app, 'one', { namespace: 'shop' }), 'web', { name: 'web', image: IMAGE });
  new StatelessWebApp(new Chart(app, 'two', { namespace: 'billing' }), 'web', { name: 'web', image: IMAGE });
  let yaml = '';
  captureStderr(() => (yaml = app.synthYaml()));
  expect(yaml.match(/^kind: Deployment$/gm)).toHaveLength(2);
});

test.each([
  ['before', true],
  ['after', false],
])('a Service written with plain cdk8s-plus %s the store, in another chart: refused at synth, before any file is written', (_when, first) => {
  fs.rmSync(outdir, { recursive: true, force: true });
  const app = new App({ outdir });
  const data = new Chart(app, 'data', { namespace: 'shop' });
  const other = new Chart(app, 'other', { namespace: 'shop' });
  const handWritten = () => new kplus.Service(other, 'legacy', { metadata: { name: 'sessions' }, ports: [{ port: 6379 }] });
  if (first) handWritten();
  new RedisSessionStore(data, 'store', { name: 'sessions' });
  if (!first) handWritten();
  let error: unknown;
  captureStderr(() => {
    try {
      app.synth();
    } catch (e) {
      error = e;
    }
  });
  expect(StatelessErrors.isValidationError(error)).toBe(true);
  expect((error as Error).message).toBe(
    "RedisSessionStore 'data/store': 'name' gives the Service \"sessions\" in namespace \"shop\", which Service 'other/legacy' also writes " +
      '(one would overwrite the other on the cluster), got "sessions". Give one of the two a different name.',
  );
  expect(fs.existsSync(outdir) ? fs.readdirSync(outdir) : []).toEqual([]);
});
