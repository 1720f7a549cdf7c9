import * as fs from 'fs';
import * as path from 'path';
import { isMap, LineCounter, parseAllDocuments } from 'yaml';

/** One Kubernetes object read from a file, with where it starts (1-based line) for messages and SARIF. */
export interface ManifestObject {
  /** The file it was read from, as given (or `-` for standard input). */
  readonly file: string;
  /** The line of the document (or of the List item) that holds the object. */
  readonly line: number;
  /** The object as plain data. */
  readonly object: { [key: string]: any };
}

/** Bad input to a command: a message that names the file and line, and exit code 2. */
export class CliInputError extends Error {
  public readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    Object.setPrototypeOf(this, CliInputError.prototype);
    this.name = 'CliInputError';
  }
}

const YAML_FILE = /\.(ya?ml|json)$/i;

/** The YAML/JSON files a command reads for `inputs` (files, directories walked in name order, or `-`). */
export function listManifestFiles(inputs: string[]): string[] {
  const files: string[] = [];
  const walk = (p: string): void => {
    const stat = statOrThrow(p);
    if (stat.isDirectory()) {
      for (const name of fs.readdirSync(p).sort()) {
        if (name === 'node_modules' || name.startsWith('.')) continue;
        const child = path.join(p, name);
        if (fs.statSync(child).isDirectory() || YAML_FILE.test(name)) walk(child);
      }
    } else {
      files.push(p);
    }
  };
  for (const input of inputs) {
    if (input === '-') files.push('-');
    else walk(input);
  }
  return files;
}

function statOrThrow(p: string): fs.Stats {
  try {
    return fs.statSync(p);
  } catch {
    throw new CliInputError(`${p}: no such file or directory`);
  }
}

/**
 * Every Kubernetes object in `text` (multi-document YAML or JSON; `kind: List` / `*List` items are flattened,
 * as `kubectl get -o yaml` writes them). Bad YAML or a document that is not an object with `apiVersion` and
 * `kind` is a `CliInputError` naming the file and line.
 */
export function parseManifests(text: string, file: string): ManifestObject[] {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const lineOf = (offset: number | undefined) => (offset === undefined ? 1 : lineCounter.linePos(offset).line);
  if (!Array.isArray(docs)) {
    // an empty stream
    return [];
  }
  const out: ManifestObject[] = [];
  for (const doc of docs) {
    if (doc.errors.length > 0) {
      const err = doc.errors[0];
      throw new CliInputError(`${file}:${lineOf(err.pos[0])}: not valid YAML: ${err.message.split('\n')[0]}`);
    }
    const contents = doc.contents;
    if (contents === null || contents === undefined) continue; // an empty document (`---` alone)
    const docLine = lineOf(contents.range?.[0]);
    if (!isMap(contents)) {
      throw new CliInputError(`${file}:${docLine}: expected a Kubernetes object (a mapping with apiVersion and kind), got ${describe(doc.toJS())}`);
    }
    const obj = doc.toJS({ maxAliasCount: 100 });
    if (typeof obj.kind === 'string' && /List$/.test(obj.kind) && Array.isArray(obj.items)) {
      const itemsNode: any = contents.get('items', true);
      obj.items.forEach((item: any, i: number) => {
        const node = itemsNode?.items?.[i];
        const line = lineOf(node?.range?.[0]);
        out.push({ file, line, object: checkObject(item, file, line) });
      });
      continue;
    }
    out.push({ file, line: docLine, object: checkObject(obj, file, docLine) });
  }
  return out;
}

function checkObject(obj: any, file: string, line: number): { [key: string]: any } {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    throw new CliInputError(`${file}:${line}: expected a Kubernetes object (a mapping with apiVersion and kind), got ${describe(obj)}`);
  }
  if (typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string') {
    throw new CliInputError(`${file}:${line}: a Kubernetes object needs string 'apiVersion' and 'kind', got apiVersion ${describe(obj.apiVersion)}, kind ${describe(obj.kind)}`);
  }
  return obj;
}

function describe(x: unknown): string {
  if (x === undefined) return 'nothing';
  const s = JSON.stringify(x);
  return s === undefined ? String(x) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** Read every object of `inputs` (`-` reads `stdin`). Nothing is written by this function. */
export function readManifests(inputs: string[], stdin: () => string = () => fs.readFileSync(0, 'utf8')): ManifestObject[] {
  const out: ManifestObject[] = [];
  for (const file of listManifestFiles(inputs)) {
    let text: string;
    try {
      text = file === '-' ? stdin() : fs.readFileSync(file, 'utf8');
    } catch (e: any) {
      throw new CliInputError(`${file}: cannot be read (${e?.code ?? e?.message ?? e})`);
    }
    out.push(...parseManifests(text, file));
  }
  return out;
}
