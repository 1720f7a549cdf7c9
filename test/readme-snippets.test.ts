import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ts from 'typescript';
import { captureStderr } from './support/synth';

// Every ```ts block of README.md is a complete program (its imports and declarations shown, ending in
// `app.synth()`, so that pasted into a project `cdk8s synth` finds the YAML it expects), and `npm test` type-checks
// it against the library and runs it, so the README cannot drift from the API.

const ROOT = path.join(__dirname, '..');
const DIR = path.join(__dirname, '.readme-snippets');

interface Snippet {
  readonly doc: string;
  readonly line: number;
  readonly code: string;
  readonly file: string;
}

/** The documents whose TypeScript blocks are programs a user copies: the README and the guides it sends them to. */
const DOCUMENTS = ['README.md', 'docs/session-store.md', 'docs/progressive-delivery.md'];

function snippets(): Snippet[] {
  const found: Snippet[] = [];
  for (const doc of DOCUMENTS) {
    const lines = fs.readFileSync(path.join(ROOT, doc), 'utf8').split('\n');
    const stem = doc.replace(/[/.]/g, '-');
    for (let i = 0; i < lines.length; i++) {
      if (lines[i].trim() !== '```ts') continue;
      const end = lines.findIndex((l, j) => j > i && l.trim() === '```');
      if (end < 0) throw new Error(`${doc}:${i + 1}: a \`\`\`ts block that never ends`);
      found.push({ doc, line: i + 1, code: lines.slice(i + 1, end).join('\n') + '\n', file: path.join(DIR, `${stem}-line-${i + 1}.ts`) });
      i = end;
    }
  }
  return found;
}

const all = snippets();

beforeAll(() => {
  fs.rmSync(DIR, { recursive: true, force: true });
  fs.mkdirSync(DIR, { recursive: true });
  for (const s of all) fs.writeFileSync(s.file, s.code);
});

afterAll(() => {
  fs.rmSync(DIR, { recursive: true, force: true });
});

test('the README has TypeScript snippets, each with its imports', () => {
  expect(all.length).toBeGreaterThanOrEqual(8);
  for (const s of all) {
    expect([`${s.doc}:${s.line}`, /^import .* from 'cdk8s-stateless';$/m.test(s.code)]).toEqual([`${s.doc}:${s.line}`, true]);
  }
});

/** The type errors of TypeScript files compiled against the library, as `<document>:<line>: <message>`. */
function typeErrors(files: Array<{ file: string; line: number; doc: string }>): string[] {
  const config = ts.readConfigFile(path.join(ROOT, 'tsconfig.json'), ts.sys.readFile);
  const base = ts.parseJsonConfigFileContent(config.config ?? {}, ts.sys, ROOT).options;
  const options: ts.CompilerOptions = {
    ...base,
    noEmit: true,
    rootDir: ROOT,
    // the package name resolves to the sources, as in examples/tsconfig.json
    paths: { 'cdk8s-stateless': [path.join(ROOT, 'src', 'index.ts')] },
    // a snippet may declare something only to show it
    noUnusedLocals: false,
  };
  const program = ts.createProgram(files.map((s) => s.file), options);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (!d.file) return text;
    const { line } = d.file.getLineAndCharacterOfPosition(d.start ?? 0);
    const snippet = files.find((s) => path.resolve(s.file) === path.resolve(d.file!.fileName));
    return snippet ? `${snippet.doc}:${snippet.line + 1 + line}: ${text}` : `${d.file.fileName}:${line + 1}: ${text}`;
  });
}

test('every snippet type-checks against the library, as a user would compile it', () => {
  expect(typeErrors(all)).toEqual([]);
}, 120_000);

test('the type check rejects a snippet that does not match the API', () => {
  // a snippet that names a code under the wrong enum: INGRESS_NGINX_RETIRED is a code of the ingress-nginx provider
  const file = path.join(DIR, 'wrong.ts');
  fs.writeFileSync(file, "import { RiskCode } from 'cdk8s-stateless';\nexport const code: string = RiskCode.INGRESS_NGINX_RETIRED;\n");
  expect(typeErrors([{ file, line: 100, doc: 'README.md' }])).toEqual(["README.md:102: Property 'INGRESS_NGINX_RETIRED' does not exist on type 'typeof RiskCode'."]);
}, 120_000);

test('every snippet is a complete program: it calls app.synth()', () => {
  const incomplete = all.filter((s) => !/^app\.synth\(\);$/m.test(s.code)).map((s) => `${s.doc}:${s.line}`);
  expect(incomplete).toEqual([]);
});

test.each(all.map((s) => [`${s.doc}:${s.line}`, s] as const))('the snippet at %s runs and writes its YAML', (_where, snippet) => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'readme-'));
  const cwd = process.cwd();
  const previous = process.env.CDK8S_OUTDIR;
  process.env.CDK8S_OUTDIR = outdir;
  process.chdir(outdir);
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    captureStderr(() => jest.isolateModules(() => require(snippet.file)));
    // what `cdk8s synth` checks after running the app: YAML in the output folder
    expect([snippet.doc, snippet.line, fs.readdirSync(outdir).filter((f) => f.endsWith('.yaml')).length > 0]).toEqual([snippet.doc, snippet.line, true]);
  } finally {
    process.chdir(cwd);
    if (previous === undefined) delete process.env.CDK8S_OUTDIR;
    else process.env.CDK8S_OUTDIR = previous;
    fs.rmSync(outdir, { recursive: true, force: true });
  }
});
