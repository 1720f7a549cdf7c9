import { Yaml } from 'cdk8s';
import { isMap, isPair, isScalar, isSeq, parseAllDocuments } from 'yaml';

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

function goNode(node: unknown): unknown {
  if (isScalar(node)) {
    if (node.type === 'PLAIN' && !node.tag) return goResolve(String(node.source ?? node.value));
    return node.value;
  }
  if (isMap(node)) {
    const out: Record<string, unknown> = {};
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      out[jsonKey(goNode(pair.key))] = goNode(pair.value);
    }
    return out;
  }
  if (isSeq(node)) return node.items.map(goNode);
  return node === undefined ? null : node;
}

/** Every document of a YAML stream as kubectl's decoder reads it. */
export function goYamlRead(text: string): unknown[] {
  return parseAllDocuments(text, { version: '1.1' }).map((d) => {
    if (d.errors.length > 0) throw new Error(`YAML error: ${d.errors[0].message}`);
    return goNode(d.contents);
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
    const how = typeof original === 'string' ? 'is written unquoted by cdk8s and ' : '';
    out.push(`${p}: ${describe(original)} ${how}read back by kubectl's YAML 1.1 decoder as ${describe(read)}`);
  }
}

/**
 * Write the objects with cdk8s's own writer (`Yaml.stringify`, what `cdk8s synth` puts in dist/), read them
 * back as kubectl does, and report every value that changed: one message per changed object.
 */
export function yamlRoundTripErrors(objects: any[]): string[] {
  const text = Yaml.stringify(...objects);
  const read = goYamlRead(text);
  const out: string[] = [];
  objects.forEach((o, i) => {
    const changes: string[] = [];
    diff(JSON.parse(JSON.stringify(o)), read[i], '', changes);
    if (changes.length > 0) out.push(`${o?.kind}/${o?.metadata?.name}: ${changes.join('; ')}`);
  });
  return out;
}
