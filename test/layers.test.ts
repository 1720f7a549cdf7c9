import * as fs from 'fs';
import * as path from 'path';

// The layers of docs/architecture.md, read from the sources: a controller is known only under src/traffic/, and no
// import runs back up the layers.

const SRC = path.join(__dirname, '..', 'src');
const filesIn = (dir: string): string[] =>
  fs.readdirSync(path.join(SRC, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesIn(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []);
const importsOf = (file: string): string[] =>
  [...fs.readFileSync(path.join(SRC, file), 'utf8').matchAll(/from '(\.{1,2}\/[^']+)'/g)].map((m) =>
    path.relative(SRC, path.resolve(path.dirname(path.join(SRC, file)), m[1])));

describe('layers', () => {
  test('releases and apps name no controller (src/canary, src/web-app)', () => {
    const named = [...filesIn('canary'), ...filesIn('web-app')].flatMap((f) =>
      fs.readFileSync(path.join(SRC, f), 'utf8').split('\n')
        .map((line, i) => ({ where: `${f}:${i + 1}`, line: line.replace(/StickyIngress/g, '') }))
        .filter(({ line }) => /nginx|traefik|gateway|envoy|istio|cilium|kong|INGRESSCOOKIE/i.test(line))
        .map(({ where }) => where));
    expect(named).toEqual([]);
  });

  // each layer and the folders it may import from (besides itself)
  const below: { [layer: string]: string[] } = {
    'traffic': ['.'],
    'session': ['.'],
    'affinity': ['.', 'traffic', 'session'],
    'web-app': ['.', 'traffic', 'session', 'affinity'],
    'canary': ['.', 'traffic', 'session', 'affinity', 'web-app'],
  };
  const layerOf = (p: string) => (p.includes(path.sep) ? p.split(path.sep)[0] : '.');

  test('no import runs back up the layers', () => {
    const upward: string[] = [];
    for (const [layer, allowed] of Object.entries(below)) {
      for (const f of filesIn(layer)) {
        for (const target of importsOf(f)) {
          const to = layerOf(target);
          if (to !== layer && !allowed.includes(to)) upward.push(`${f} -> ${target}`);
        }
      }
    }
    // the core (src/*.ts but the index) imports no layer
    for (const f of fs.readdirSync(SRC).filter((n) => n.endsWith('.ts') && n !== 'index.ts')) {
      for (const target of importsOf(f)) if (layerOf(target) !== '.') upward.push(`${f} -> ${target}`);
    }
    expect(upward).toEqual([]);
  });

  test('the checks find what they look for (they can fail)', () => {
    expect(importsOf(path.join('canary', 'canary-release.ts')).some((t) => t.startsWith(`traffic${path.sep}`))).toBe(true);
    expect(filesIn('traffic')).toContain(path.join('traffic', 'ingress-nginx.ts'));
  });
});
