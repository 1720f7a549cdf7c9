import * as fs from 'fs';
import * as path from 'path';
import { runCli } from '../src/cli/main';

// The worked example of docs/migrating-from-ingress-nginx.md is what the command writes and prints for its input.

const DOC = path.join(__dirname, '..', 'docs', 'migrating-from-ingress-nginx.md');
const DIR = path.join(__dirname, '.cli-import-docs');

function block(text: string, after: string, lang: string): string {
  const start = text.indexOf(after);
  expect(start).toBeGreaterThanOrEqual(0);
  const m = text.slice(start).match(new RegExp('```' + lang + '\\n([\\s\\S]*?)```'));
  if (!m) throw new Error(`no \`\`\`${lang} block after "${after}"`);
  return m[1];
}

afterAll(() => fs.rmSync(DIR, { recursive: true, force: true }));

test('the worked example: the file and the report are the command\'s output', () => {
  const doc = fs.readFileSync(DOC, 'utf8');
  const section = doc.slice(doc.indexOf('## Worked example'));
  fs.rmSync(DIR, { recursive: true, force: true });
  fs.mkdirSync(DIR, { recursive: true });
  fs.writeFileSync(path.join(DIR, 'sticky.yaml'), block(section, '## Worked example', 'yaml'));
  const cwd = process.cwd();
  process.chdir(DIR);
  let stdout = '';
  let code: number;
  try {
    code = runCli(['import', '--out', 'main.ts', 'sticky.yaml'], { stdout: (t) => (stdout += t), stderr: (t) => (stdout += t), stdin: () => '' });
  } finally {
    process.chdir(cwd);
  }
  expect(code).toBe(0);
  expect(fs.readFileSync(path.join(DIR, 'main.ts'), 'utf8')).toBe(block(section, 'writes:', 'ts'));
  expect(stdout).toBe(block(section, 'and prints:', 'text'));
});
