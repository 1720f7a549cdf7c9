import { Yaml } from 'cdk8s';
import { isMap, isPair, isScalar, isSeq, parseAllDocuments, visit } from 'yaml';

/**
 * Reads YAML the way kubectl does, to prove that what cdk8s writes to dist/ is what the API server receives.
 *
 * kubectl decodes manifests with sigs.k8s.io/yaml `YAMLToJSON` (k8s.io/apimachinery `pkg/util/yaml`), which
 * unmarshals with go-yaml v2 (YAML 1.1) into `interface{}` with no target type, so nothing is coerced back to
 * a string: an unquoted `0o644` arrives as the number 420 and an `EnvVar.value` of type string is rejected.
 * The structure (maps, sequences, quoting, block scalars, escapes) is parsed by the `yaml` package, which
 * follows the same YAML grammar; every *plain* (unquoted) scalar is then resolved by `goResolve`, a port of
 * go-yaml v2's `resolve` (kubernetes-sigs/yaml `goyaml.v2/resolve.go`):
 *
 * | plain scalar | kubectl reads | why (resolve.go) |
 * |---|---|---|
 * | `y Y yes Yes YES on On ON true True TRUE` | `true` | resolveMap |
 * | `n N no No NO off Off OFF false False FALSE` | `false` | resolveMap |
 * | `` (empty) `~ null Null NULL` | `null` | resolveMap |
 * | `.nan .inf -.inf +.inf` (3 spellings each) | NaN / ±Inf | resolveMap |
 * | starts with a digit or sign: `0644`, `0o644`, `0x1F`, `0b101`, `1_000`, `-12` | integer (420, 420, 31, 5, 1000, -12) | `strconv.ParseInt(plain, 0, 64)` after removing `_`: Go's base prefixes 0, 0o, 0x, 0b |
 * | starts with a digit or sign and matches `^[-+]?(\.[0-9]+\|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`: `1e3`, `08`, `1.` | float (1000, 8, 1) | yamlStyleFloat |
 * | `2001-12-14`, `2001-12-14T21:59:43Z`, `2001-12-14 21:59:43` | a timestamp (sent as RFC 3339 text, not the original string) | parseTimestamp |
 * | starts with `.` and parses as a float: `.5` | float | `strconv.ParseFloat` |
 * | anything else (`0o8`, `1e`, `12:30`, `=`, `<<` as a value, `yes please`) | the string | |
 *
 * Mapping keys go through the same resolution and are then turned back into strings by sigs.k8s.io/yaml
 * (`convertToJSONableObject`: `true` -> "true", 0644 -> "420"), so an unquoted key `yes` becomes "true".
 *
 * Characters, before any parsing (go-yaml/yaml `readerc.go`, `scannerc.go`, `yamlprivateh.go`):
 * - the reader accepts only #x9, #xA, #xD, #x20-#x7E, #x85, #xA0-#xD7FF, #xE000-#xFFFD, #x10000-#x10FFFF and
 *   fails the whole stream with "control characters are not allowed" otherwise (DEL, C1 controls, U+FFFE);
 * - NEL (U+0085), LS (U+2028) and PS (U+2029) are line breaks (`is_break`): `read_line` turns NEL into a line
 *   feed and keeps LS/PS, and the next line starts at column 0, so a raw one in a plain or block scalar ends
 *   the scalar (the document then fails to parse or reads differently): modelled as a line feed there; inside
 *   a double-quoted scalar the break is folded as go-yaml folds it (`foldQuotedBreaks`): a lone NEL becomes a
 *   space, LS/PS are kept;
 * - a lone surrogate cannot be encoded in the UTF-8 file kubectl reads (the reader rejects U+D800-U+DFFF),
 *   and the scanner refuses a `\uD800`-style escape of one.
 */

/** A timestamp as go-yaml returns it: not a string. */
export class GoTimestamp {
  constructor(public readonly text: string) {}
}

/** Go `strconv.ParseInt(s, 0, 64)` / `ParseUint(s, 0, 64)` (sign, then 0x/0o/0b/0 prefixes). */
function goParseInt(s: string, signed: boolean): bigint | undefined {
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (!m || (!signed && m[1] !== '')) return undefined;
  const body = m[2];
  let v: bigint;
  if (/^0[oO]/.test(body)) v = BigInt(`0o${body.slice(2)}`);
  else if (/^0[xXbB]/.test(body)) v = BigInt(body.toLowerCase());
  else if (body.length > 1 && body.startsWith('0')) v = BigInt(`0o${body.slice(1)}`);
  else v = BigInt(body);
  if (m[1] === '-') v = -v;
  const ok = signed ? v >= -(2n ** 63n) && v < 2n ** 63n : v >= 0n && v < 2n ** 64n;
  return ok ? v : undefined;
}

const RESOLVE_MAP: Record<string, unknown> = {};
for (const s of ['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON']) RESOLVE_MAP[s] = true;
for (const s of ['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF']) RESOLVE_MAP[s] = false;
for (const s of ['', '~', 'null', 'Null', 'NULL']) RESOLVE_MAP[s] = null;
for (const s of ['.nan', '.NaN', '.NAN']) RESOLVE_MAP[s] = NaN;
for (const s of ['.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF']) RESOLVE_MAP[s] = Infinity;
for (const s of ['-.inf', '-.Inf', '-.INF']) RESOLVE_MAP[s] = -Infinity;

const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const TIMESTAMP = [
  /^\d{4}-\d{1,2}-\d{1,2}[Tt]\d{1,2}:\d{1,2}:\d{1,2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/,
  /^\d{4}-\d{1,2}-\d{1,2} \d{1,2}:\d{1,2}:\d{1,2}(\.\d{1,9})?$/,
  /^\d{4}-\d{1,2}-\d{1,2}$/,
];

/** What go-yaml v2 makes of a plain (unquoted) scalar (kubernetes-sigs/yaml goyaml.v2/resolve.go `resolve`). */
export function goResolve(plain: string): unknown {
  if (Object.prototype.hasOwnProperty.call(RESOLVE_MAP, plain)) return RESOLVE_MAP[plain];
  const c = plain[0];
  if (c === '.') {
    return /^\.[0-9]+([eE][-+]?[0-9]+)?$/.test(plain) ? Number(plain) : plain;
  }
  if (c !== undefined && /[-+0-9]/.test(c)) {
    if (TIMESTAMP.some((r) => r.test(plain))) return new GoTimestamp(plain);
    const noUnderscore = plain.replace(/_/g, '');
    const i = goParseInt(noUnderscore, true) ?? goParseInt(noUnderscore, false);
    if (i !== undefined) return Number(i);
    if (YAML_STYLE_FLOAT.test(noUnderscore)) return Number(noUnderscore);
  }
  return plain;
}

/** A mapping key as sigs.k8s.io/yaml turns it into a JSON key (convertToJSONableObject). */
function jsonKey(k: unknown): string {
  if (typeof k === 'string') return k;
  if (typeof k === 'boolean') return k ? 'true' : 'false';
  if (k === Infinity) return '.inf';
  if (k === -Infinity) return '-.inf';
  if (Number.isNaN(k)) return '.nan';
  if (typeof k === 'number') return String(k);
  return `<unsupported key ${String(k)}>`;
}

function goNode(node: unknown, text: string): unknown {
  if (isScalar(node)) {
    if (node.type === 'PLAIN' && !node.tag) return goResolve(String(node.source ?? node.value));
    if (node.type === 'QUOTE_DOUBLE' && node.range) checkEscapes(text.slice(node.range[0], node.range[1]));
    return node.value;
  }
  if (isMap(node)) {
    const out: Record<string, unknown> = {};
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      out[jsonKey(goNode(pair.key, text))] = goNode(pair.value, text);
    }
    return out;
  }
  if (isSeq(node)) return node.items.map((n) => goNode(n, text));
  return node === undefined ? null : node;
}

/** kubectl could not read the YAML at all. */
export class GoYamlError extends Error {}

function readerAllows(c: number): boolean {
  return c === 0x09 || c === 0x0a || c === 0x0d || (c >= 0x20 && c <= 0x7e) || c === 0x85
    || (c >= 0xa0 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);
}

const BREAK_ESCAPE: Record<string, string> = { '\u0085': '\\n', '\u2028': '\\L', '\u2029': '\\P' };

/**
 * A run of raw NEL/LS/PS breaks inside a double-quoted scalar, as go-yaml folds it (scannerc.go,
 * `yaml_parser_scan_flow_scalar`): blanks around the breaks are dropped; a first break that `read_line` turned
 * into a line feed (NEL) becomes one space when it is alone, otherwise the following breaks are kept; a first
 * LS/PS is kept with the following breaks. Written back as double-quoted escapes for the JavaScript parser.
 */
function foldQuotedBreaks(run: string): string {
  const breaks = [...run.replace(/[ \t]/g, '')];
  if (breaks[0] === '\u0085') return breaks.length === 1 ? ' ' : breaks.slice(1).map((b) => BREAK_ESCAPE[b]).join('');
  return breaks.map((b) => BREAK_ESCAPE[b]).join('');
}

/** The text as go-yaml's reader and line-break handling see it (see the header). */
function goCharacters(text: string): string {
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (c >= 0xd800 && c <= 0xdfff) throw new GoYamlError(`a lone surrogate U+${c.toString(16).toUpperCase()} cannot be written as UTF-8 (readerc.go: "invalid Unicode character")`);
    if (!readerAllows(c)) throw new GoYamlError(`kubectl's YAML reader fails the whole file: "control characters are not allowed" (U+${c.toString(16).toUpperCase().padStart(4, '0')}, readerc.go)`);
  }
  if (!/[\u0085\u2028\u2029]/.test(text)) return text;
  const quoted: Array<[number, number]> = [];
  for (const d of parseAllDocuments(text, { version: '1.1' })) {
    visit(d, { Scalar: (_k, node) => void (node.type === 'QUOTE_DOUBLE' && node.range && quoted.push([node.range[0], node.range[1]])) });
  }
  const inQuotes = (i: number) => quoted.some(([a, b]) => i > a && i < b);
  return text.replace(/[ \t]*[\u0085\u2028\u2029](?:[ \t]*[\u0085\u2028\u2029])*[ \t]*/g, (run, i: number) => {
    const at = i + run.search(/[\u0085\u2028\u2029]/);
    return inQuotes(at) ? foldQuotedBreaks(run) : run.replace(/[\u0085\u2028\u2029]/g, '\n');
  });
}

/** Go's scanner refuses a \u or \U escape of a surrogate (scannerc.go "found invalid Unicode character escape code"). */
function checkEscapes(source: string): void {
  for (const m of source.matchAll(/\\(?:u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|[^])/g)) {
    const code = parseInt(m[1] ?? m[2] ?? '0', 16);
    if ((m[1] || m[2]) && ((code >= 0xd800 && code <= 0xdfff) || code > 0x10ffff)) {
      throw new GoYamlError(`the YAML does not parse: "found invalid Unicode character escape code" (${m[0]}, scannerc.go)`);
    }
  }
}

/** Every document of a YAML stream as kubectl's decoder reads it; throws GoYamlError if it cannot. */
export function goYamlRead(text: string): unknown[] {
  const goText = goCharacters(text);
  return parseAllDocuments(goText, { version: '1.1' }).map((d) => {
    if (d.errors.length > 0) throw new GoYamlError(`the YAML does not parse: ${d.errors[0].message.split('\n')[0]}`);
    return goNode(d.contents, goText);
  });
}

function describe(v: unknown): string {
  if (v instanceof GoTimestamp) return `a timestamp (${v.text})`;
  if (typeof v === 'string') return JSON.stringify(v);
  return `${JSON.stringify(v) ?? String(v)} (${v === null ? 'null' : typeof v})`;
}

function diff(original: unknown, read: unknown, p: string, out: string[]): void {
  if (Array.isArray(original)) {
    if (!Array.isArray(read) || read.length !== original.length) {
      out.push(`${p}: read back as ${describe(read)}`);
      return;
    }
    original.forEach((v, i) => diff(v, read[i], `${p}[${i}]`, out));
    return;
  }
  if (original !== null && typeof original === 'object') {
    if (read === null || typeof read !== 'object' || Array.isArray(read) || read instanceof GoTimestamp) {
      out.push(`${p}: read back as ${describe(read)}`);
      return;
    }
    const r = read as Record<string, unknown>;
    for (const k of Object.keys(r)) {
      if (!(k in (original as object))) out.push(`${p ? `${p}.` : ''}${k}: a key read back that was never written (a key rewritten by YAML 1.1 resolution)`);
    }
    for (const [k, v] of Object.entries(original as Record<string, unknown>)) {
      if (v === undefined) continue;
      const kp = p ? `${p}.${k}` : k;
      if (!(k in r)) out.push(`${kp}: the key ${JSON.stringify(k)} is read back as another key`);
      else diff(v, r[k], kp, out);
    }
    return;
  }
  const same = typeof original === 'number' && typeof read === 'number' ? original === read || (Number.isNaN(original) && Number.isNaN(read)) : original === read;
  if (!same) {
    out.push(`${p}: ${describe(original)}, as cdk8s writes it, is read back by kubectl's YAML 1.1 decoder as ${describe(read)}`);
  }
}

/**
 * Write the objects with cdk8s's own writer (`Yaml.stringify`, what `cdk8s synth` puts in dist/), read them
 * back as kubectl does, and report every value that changed: one message per changed object.
 */
export function yamlRoundTripErrors(objects: any[]): string[] {
  const out: string[] = [];
  for (const o of objects) {
    const id = `${o?.kind}/${o?.metadata?.name}`;
    let read: unknown[];
    try {
      read = goYamlRead(Yaml.stringify(o));
    } catch (e) {
      if (!(e instanceof GoYamlError)) throw e;
      out.push(`${id}: ${e.message}`);
      continue;
    }
    const changes: string[] = [];
    diff(JSON.parse(JSON.stringify(o)), read[0], '', changes);
    if (changes.length > 0) out.push(`${id}: ${changes.join('; ')}`);
  }
  return out;
}
