import fsModule, * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..');
// the module object itself (`import * as` copies only its string-keyed properties)
const boundary = (fsModule as any)[Symbol.for('cdk8s-stateless.repository-boundary')];

describe('tests read only files in the repository', () => {
  test('the guard is loaded for every test file (jest setupFiles)', () => {
    expect(boundary).toBeDefined();
    expect(boundary.ROOT).toBe(ROOT);
  });

  test('reading a folder beside the repository throws, naming the path', () => {
    const beside = path.join(ROOT, '..', 'shared', 'crds', 'README.md');
    expect(() => fs.readFileSync(beside, 'utf8')).toThrow(`A test read ${path.resolve(beside)} (fs.readFileSync), outside the repository ${ROOT}`);
    expect(() => fs.existsSync(path.join(ROOT, '..', 'shared'))).toThrow(/fs\.existsSync\), outside the repository/);
  });

  test('files in the repository and in the temporary folder stay readable', () => {
    expect(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).toContain('"name": "cdk8s-stateless"');
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'boundary-'));
    fs.writeFileSync(path.join(tmp, 'x'), 'y');
    expect(fs.readFileSync(path.join(tmp, 'x'), 'utf8')).toBe('y');
    fs.rmSync(tmp, { recursive: true });
  });

  // The same rule read statically: no test source climbs out of the repository by a relative path.
  test('no test source names a path above the repository', () => {
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) {
          if (!['__snapshots__', 'crds', 'node_modules', '.readme-snippets'].includes(entry.name)) walk(full);
          continue;
        }
        if (!/\.(ts|js|mjs)$/.test(entry.name)) continue;
        const depth = path.relative(ROOT, dir).split(path.sep).length; // test/ = 1, test/support = 2
        const source = fs.readFileSync(full, 'utf8');
        const joined = new RegExp(`__dirname(\\s*,\\s*'\\.\\.'){${depth + 1},}`);
        const literal = new RegExp(`['"\`](\\.\\./){${depth + 1},}`);
        source.split('\n').forEach((line, i) => {
          if (joined.test(line) || literal.test(line)) offenders.push(`${path.relative(ROOT, full)}:${i + 1}: ${line.trim()}`);
        });
      }
    };
    walk(path.join(ROOT, 'test'));
    expect(offenders).toEqual([]);
  });
});
