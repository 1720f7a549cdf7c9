import * as fs from 'fs';
import * as path from 'path';
import { CelEnv, celEnv, isCelError, parse, plan } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import { RE2JS } from '@bufbuild/re2';
import { parseAllDocuments } from 'yaml';

/**
 * Validates custom resources the way a Kubernetes API server does on create, from the CRDs in
 * `test/support/crds/` (unchanged upstream copies):
 *
 * 1. the CRD version is picked by `apiVersion` and `kind` (an unserved or unknown version is an error, as
 *    "no matches for kind" is for kubectl);
 * 2. unknown fields are errors: kubectl's default `--validate=strict` sends `fieldValidation=Strict`, and the
 *    server then fails the request instead of pruning (kubectl reference, `kubectl apply --validate`:
 *    "strict (or true) ... fail the request if invalid"); `x-kubernetes-preserve-unknown-fields` keeps a subtree
 *    open, `x-kubernetes-embedded-resource` admits apiVersion/kind/metadata (KEP-2332 "Pruning for Custom Resources");
 * 3. nulls of non-nullable fields are dropped and schema `default`s are applied before validation, in the order
 *    of k8s.io/apiextensions-apiserver `pkg/apiserver/schema/defaulting/algorithm.go` (`Default`: set the
 *    defaults of an object's properties first, then recurse, so defaults inside defaults apply) and
 *    `prunenulls.go` (`PruneNonNullableNullsWithoutDefaults`); the CEL rules see the defaulted object;
 * 4. the OpenAPI value validations (type, enum, format, maxLength/minLength counted in characters, pattern,
 *    maxItems/minItems, maximum/minimum, required, maxProperties, oneOf/anyOf/allOf/not, int32/int64 ranges as
 *    kube-openapi `pkg/validation/validate/validator.go` `numberValidator` checks with `IsValueValidAgainstRange`)
 *    and `x-kubernetes-list-type: set|map` uniqueness;
 * 5. every `x-kubernetes-validations` rule, on `@bufbuild/cel`. Transition rules (those that read `oldSelf`)
 *    only run on update (Kubernetes docs, "Validation rules": "transition rules ... only evaluated on update"),
 *    so they are skipped and counted.
 *
 * CEL values follow k8s.io/apiserver `pkg/cel/common/values.go`: `integer` fields are CEL `int` (bigint),
 * `number` fields are `double`, objects with `properties` are objects whose field names are escaped as
 * k8s.io/apiserver `pkg/cel/escaping.go` `Escape` does (`namespace` -> `__namespace__`, `-` -> `__dash__`,
 * `.` -> `__dot__`, `/` -> `__slash__`, `__` -> `__underscores__`), objects with `additionalProperties` are
 * maps with their keys unchanged, `x-kubernetes-int-or-string` is an int or a string.
 *
 * CEL library: the rules of these CRDs use only the CEL standard library (`size`, `has`, `all`, `exists`,
 * `exists_one`, `filter`, `in`, `matches` on RE2, `startsWith`, `endsWith`, `contains`, `duration`), which
 * `@bufbuild/cel` implements. The Kubernetes base environment (k8s.io/apiserver
 * `pkg/cel/environment/base.go`) adds: library.URLs (`isURL`, `url`), library.Regex (`find`, `findAll`),
 * library.Lists (`isSorted`, `sum`, `min`, `max`, `indexOf`, `lastIndexOf`) since 1.0; library.Quantity,
 * cross-type numeric comparisons and optional types since 1.28; cel-go `ext.Strings(ext.StringsVersion(2))`
 * and `ext.Sets()` since 1.29; IP and CIDR since 1.30; Format since 1.31; two-variable comprehensions since
 * 1.32; Semver and Image since 1.33. Of these only the strings extension is registered here (from
 * `@bufbuild/cel/ext`); none of the others is called by any rule in these CRDs, and
 * `test/validators-crd.test.ts` asserts exactly which functions the rules call, so a CRD update that needs
 * one fails loudly instead of passing by accident (an unbound function is also an evaluation error here).
 * The runtime cost limit (`cel.CostLimit(celconfig.PerCallLimit)` in base.go) is not modelled: the objects
 * this library writes are far below it.
 */

/**
 * Which Gateway API CRDs the simulated cluster has installed: a release, or gateway-api main as of August 2026
 * (the next sessionPersistence shape, not yet released).
 */
export interface CrdOptions {
  readonly gatewayApi?: 'v1.5.1' | 'v1.6.1' | 'main-2026-08';
  readonly channel?: 'standard' | 'experimental';
}

/** The outcome of validating one object. */
export interface CrdResult {
  /** `group/version, Kind=...` of the CRD used, or undefined if the object is not a custom resource of a known group. */
  readonly crd?: string;
  readonly errors: string[];
  /** CEL rules evaluated (each rule once per value it applies to). */
  readonly celEvaluated: number;
  /** Transition rules (reading `oldSelf`) skipped: they only run on update. */
  readonly transitionRulesSkipped: number;
}

type Schema = any;
interface CrdVersion {
  readonly group: string;
  readonly kind: string;
  readonly version: string;
  readonly served: boolean;
  readonly schema: Schema;
  readonly source: string;
}

/** Where the CRD files are: unchanged copies in the repository (see crds/README.md). */
export const CRD_DIR = path.join(__dirname, 'crds');

const GATEWAY_GROUP = 'gateway.networking.k8s.io';
/** The CRD files that define each API group (the Gateway API files depend on the options). */
const GROUP_FILES: Record<string, string[]> = {
  'traefik.io': ['traefik/traefik.io_ingressroutes.yaml', 'traefik/traefik.io_traefikservices.yaml', 'traefik/traefik.io_middlewares.yaml'],
  'argoproj.io': ['argo-rollouts/rollout-crd-v1.9.1.yaml', 'argo-rollouts/analysis-template-crd-v1.9.1.yaml'],
  'flagger.app': ['flagger/crd-v1.44.0.yaml'],
};

/** API groups validated from CRDs (objects of other groups are built-in kinds, not checked here). */
export const CRD_GROUPS = [GATEWAY_GROUP, ...Object.keys(GROUP_FILES)];

function gatewayFile(options: CrdOptions): string {
  return `gateway-api/${options.gatewayApi ?? 'v1.6.1'}/${options.channel ?? 'standard'}/httproutes.yaml`;
}

// Parsed CRD files, per process (each HTTPRoute CRD is ~0.5 MB of YAML).
const fileCache = new Map<string, CrdVersion[]>();
function loadFile(file: string): CrdVersion[] {
  let versions = fileCache.get(file);
  if (!versions) {
    versions = [];
    const text = fs.readFileSync(path.join(CRD_DIR, file), 'utf8');
    for (const doc of parseAllDocuments(text)) {
      const crd = doc.toJSON();
      if (!crd || crd.kind !== 'CustomResourceDefinition') continue;
      for (const v of crd.spec.versions) {
        versions.push({
          group: crd.spec.group,
          kind: crd.spec.names.kind,
          version: v.name,
          served: v.served !== false,
          schema: v.schema?.openAPIV3Schema ?? {},
          source: file,
        });
      }
    }
    fileCache.set(file, versions);
  }
  return versions;
}

function filesFor(group: string, options: CrdOptions): string[] | undefined {
  if (group === GATEWAY_GROUP) return [gatewayFile(options)];
  return GROUP_FILES[group];
}

/** The CRD version of an apiVersion and kind, or an error text. */
export function findCrd(apiVersion: string, kind: string, options: CrdOptions = {}): CrdVersion | string | undefined {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const files = filesFor(group, options);
  if (!files) return undefined;
  const all = files.flatMap(loadFile);
  const found = all.find((v) => v.kind === kind && v.version === version);
  if (!found) {
    const known = all.filter((v) => v.kind === kind).map((v) => v.version);
    return `no matches for kind "${kind}" in version "${apiVersion}"${known.length ? ` (the CRD serves ${known.join(', ')})` : ''}`;
  }
  if (!found.served) return `version ${version} of ${kind} is not served by the CRD`;
  return found;
}

// ---------------------------------------------------------------- CEL

// Regular expressions run on RE2, as the API server's do (Go's regexp package for OpenAPI `pattern`, RE2 for
// CEL `matches`): linear time, so a hostile string cannot stall a test as a backtracking JavaScript RegExp
// does on `^[!-~]+([\t ]?[!-~]+)*$` (the experimental header-value pattern: 22 characters took 0.8 s).
// Compiled once per pattern per process (@bufbuild/cel's own `matches` compiles on every call).
const re2Cache = new Map<string, RE2JS>();
function re2(pattern: string): RE2JS {
  let r = re2Cache.get(pattern);
  if (!r) {
    r = RE2JS.compile(pattern);
    re2Cache.set(pattern, r);
  }
  return r;
}

// One environment and one compiled program per rule text, per process.
let env: CelEnv | undefined;
const programs = new Map<string, ReturnType<typeof plan>>();
function program(rule: string): ReturnType<typeof plan> {
  let p = programs.get(rule);
  if (!p) {
    env ??= celEnv({ funcs: strings, re2: { compile: re2 } });
    p = plan(env, parse(rule));
    programs.set(rule, p);
  }
  return p;
}

// k8s.io/apiserver pkg/cel/escaping.go: celReservedSymbols and Escape.
const CEL_RESERVED = new Set(['true', 'false', 'null', 'in', 'as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if', 'import', 'let', 'loop', 'package', 'namespace', 'return', 'var', 'void', 'while']);
/** A property name as a CEL rule spells it (k8s.io/apiserver pkg/cel/escaping.go `Escape`); undefined if it cannot be accessed. */
export function celEscape(name: string): string | undefined {
  if (name.length === 0 || /^[0-9]/.test(name)) return undefined;
  if (CEL_RESERVED.has(name)) return `__${name}__`;
  if (/[^a-zA-Z0-9_./-]/.test(name)) return undefined;
  return name.replace(/__|[-./]/g, (s) => ({ '__': '__underscores__', '.': '__dot__', '-': '__dash__', '/': '__slash__' } as Record<string, string>)[s]);
}

/** A JSON value as the CEL rules of `schema` see it. */
function toCel(value: any, schema: Schema): any {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value.map((v) => toCel(v, schema?.items));
  if (typeof value === 'object') {
    const out = new Map<string, any>();
    if (schema?.properties) {
      for (const [k, v] of Object.entries(value)) {
        const prop = schema.properties[k];
        const name = celEscape(k);
        if (prop && name) out.set(name, toCel(v, prop));
      }
    } else {
      const item = typeof schema?.additionalProperties === 'object' ? schema.additionalProperties : undefined;
      for (const [k, v] of Object.entries(value)) out.set(k, toCel(v, item));
    }
    return out;
  }
  if (typeof value === 'number') {
    const isInt = schema?.type === 'integer' || (schema?.type !== 'number' && Number.isInteger(value));
    return isInt && Number.isInteger(value) ? BigInt(value) : value;
  }
  return value;
}

// ---------------------------------------------------------------- schema walk

interface Ctx {
  errors: string[];
  celEvaluated: number;
  transitionRulesSkipped: number;
}

const OBJECT_META_FIELDS = new Set([
  'name', 'generateName', 'namespace', 'selfLink', 'uid', 'resourceVersion', 'generation', 'creationTimestamp',
  'deletionTimestamp', 'deletionGracePeriodSeconds', 'labels', 'annotations', 'ownerReferences', 'finalizers', 'managedFields',
]);

function typeOf(v: any): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function show(v: any): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function child(p: string, key: string): string {
  return p ? `${p}.${key}` : key;
}

/** Remove non-nullable nulls that have no default (prunenulls.go), then apply defaults (algorithm.go). */
function applyDefaults(x: any, s: Schema): void {
  if (!s || x === null || typeof x !== 'object') return;
  if (Array.isArray(x)) {
    for (const v of x) applyDefaults(v, s.items);
    return;
  }
  const props = s.properties ?? {};
  for (const [k, prop] of Object.entries<any>(props)) {
    if (x[k] === null && !prop.nullable && prop.default === undefined) delete x[k];
    if (prop.default !== undefined && (!(k in x) || (x[k] === null && !prop.nullable))) x[k] = structuredClone(prop.default);
  }
  for (const [k, v] of Object.entries(x)) {
    if (props[k]) {
      applyDefaults(v, props[k]);
    } else if (typeof s.additionalProperties === 'object') {
      if (v === null && !s.additionalProperties.nullable && s.additionalProperties.default === undefined) delete x[k];
      else applyDefaults(v, s.additionalProperties);
    }
  }
}

/** Unknown fields, as a Strict field validation reports them (paths as kubectl prints them). */
function unknownFields(x: any, s: Schema, p: string, ctx: Ctx, root = false): void {
  if (!s || x === null || typeof x !== 'object') return;
  if (Array.isArray(x)) {
    x.forEach((v, i) => unknownFields(v, s.items, `${p}[${i}]`, ctx));
    return;
  }
  const props = s.properties ?? {};
  const embedded = root || s['x-kubernetes-embedded-resource'];
  for (const [k, v] of Object.entries(x)) {
    const kp = child(p, k);
    if (embedded && k === 'metadata') {
      for (const mk of Object.keys(v ?? {})) {
        if (!OBJECT_META_FIELDS.has(mk)) ctx.errors.push(`unknown field "${child(kp, mk)}"`);
      }
      continue;
    }
    if (embedded && (k === 'apiVersion' || k === 'kind')) continue;
    if (props[k]) unknownFields(v, props[k], kp, ctx);
    else if (typeof s.additionalProperties === 'object') unknownFields(v, s.additionalProperties, kp, ctx);
    else if (s.additionalProperties === true || s['x-kubernetes-preserve-unknown-fields']) continue;
    else ctx.errors.push(`unknown field "${kp}"`);
  }
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

function deepEqual(a: any, b: any): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}
function canonical(v: any): any {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical(v[k])]));
  return v;
}

/**
 * Value validations of `s` on `x`, then the CEL rules. `cel` is false inside oneOf/anyOf/allOf/not branches,
 * which only hold value validations in a structural schema.
 */
function validate(x: any, s: Schema, p: string, ctx: Ctx, cel: boolean): void {
  if (!s) return;
  const at = p || '<root>';
  if (x === null || x === undefined) {
    if (x === null && !s.nullable && s.type) ctx.errors.push(`${at}: Invalid value: "null": ${at} in body must be of type ${s.type}: "null"`);
    return;
  }
  const t = typeOf(x);
  if (s['x-kubernetes-int-or-string']) {
    if (t !== 'integer' && t !== 'string') {
      ctx.errors.push(`${at}: Invalid value: "${t}": ${at} in body must be of type integer or string: "${t}"`);
      return;
    }
  } else if (s.type) {
    const ok = s.type === t || (s.type === 'number' && t === 'integer');
    if (!ok) {
      ctx.errors.push(`${at}: Invalid value: "${t}": ${at} in body must be of type ${s.type}: "${t}"`);
      return;
    }
  }

  if (s.enum && !s.enum.some((e: any) => deepEqual(e, x))) {
    ctx.errors.push(`${at}: Unsupported value: ${show(x)}: supported values: ${s.enum.map((e: any) => show(e)).join(', ')}`);
  }

  if (typeof x === 'string') {
    const chars = [...x].length; // go-openapi counts runes (utf8.RuneCountInString)
    if (s.maxLength !== undefined && chars > s.maxLength) ctx.errors.push(`${at}: Too long: may not be more than ${s.maxLength} characters, got ${chars}: ${show(x)}`);
    if (s.minLength !== undefined && chars < s.minLength) ctx.errors.push(`${at}: Invalid value: ${show(x)}: ${at} in body should be at least ${s.minLength} chars long`);
    if (s.pattern && !re2(s.pattern).test(x)) ctx.errors.push(`${at}: Invalid value: ${show(x)}: ${at} in body should match '${s.pattern}'`);
    // kube-openapi strfmt: of the formats these CRDs use, only date-time is a registered string format
    // ("string" and "url" are not formats the registry knows, so the server ignores them).
    if (s.format === 'date-time' && !RFC3339.test(x)) ctx.errors.push(`${at}: Invalid value: ${show(x)}: ${at} in body must be of type date-time`);
  }

  if (typeof x === 'number') {
    if (s.maximum !== undefined && (s.exclusiveMaximum ? x >= s.maximum : x > s.maximum)) {
      ctx.errors.push(`${at}: Invalid value: ${x}: ${at} in body should be less than ${s.exclusiveMaximum ? '' : 'or equal to '}${s.maximum}`);
    }
    if (s.minimum !== undefined && (s.exclusiveMinimum ? x <= s.minimum : x < s.minimum)) {
      ctx.errors.push(`${at}: Invalid value: ${x}: ${at} in body should be greater than ${s.exclusiveMinimum ? '' : 'or equal to '}${s.minimum}`);
    }
    if (s.multipleOf !== undefined && !Number.isInteger(x / s.multipleOf)) ctx.errors.push(`${at}: Invalid value: ${x}: ${at} in body should be a multiple of ${s.multipleOf}`);
    if (s.type === 'integer' && s.format === 'int32' && (x < -(2 ** 31) || x > 2 ** 31 - 1)) ctx.errors.push(`${at}: Invalid value: ${x}: out of the int32 range`);
    if (s.type === 'integer' && s.format === 'int64' && !Number.isSafeInteger(x)) ctx.errors.push(`${at}: Invalid value: ${x}: out of the int64 range a JSON number can carry exactly`);
  }

  if (Array.isArray(x)) {
    if (s.maxItems !== undefined && x.length > s.maxItems) ctx.errors.push(`${at}: Too many: ${x.length}: must have at most ${s.maxItems} items`);
    if (s.minItems !== undefined && x.length < s.minItems) ctx.errors.push(`${at}: Invalid value: ${x.length}: ${at} in body should have at least ${s.minItems} items`);
    const listType = s['x-kubernetes-list-type'];
    if (s.uniqueItems || listType === 'set') {
      x.forEach((v, i) => {
        if (x.findIndex((w) => deepEqual(v, w)) < i) ctx.errors.push(`${at}[${i}]: Duplicate value: ${show(v)}`);
      });
    }
    if (listType === 'map') {
      const keys: string[] = s['x-kubernetes-list-map-keys'] ?? [];
      const seen = new Set<string>();
      x.forEach((v, i) => {
        const key = JSON.stringify(keys.map((k) => v?.[k]));
        if (seen.has(key)) ctx.errors.push(`${at}[${i}]: Duplicate value: map[${keys.map((k) => `${k}:${v?.[k]}`).join(' ')}]`);
        seen.add(key);
      });
    }
    x.forEach((v, i) => validate(v, s.items, `${p}[${i}]`, ctx, cel));
  } else if (t === 'object') {
    for (const r of s.required ?? []) {
      if (x[r] === undefined || x[r] === null) ctx.errors.push(`${child(p, r)}: Required value`);
    }
    const n = Object.keys(x).length;
    if (s.maxProperties !== undefined && n > s.maxProperties) ctx.errors.push(`${at}: Too many: ${n}: must have at most ${s.maxProperties} items`);
    if (s.minProperties !== undefined && n < s.minProperties) ctx.errors.push(`${at}: Invalid value: ${n}: ${at} in body should have at least ${s.minProperties} properties`);
    for (const [k, v] of Object.entries(x)) {
      if (!p && (k === 'metadata' || k === 'apiVersion' || k === 'kind')) continue; // ObjectMeta is checked by the name rules
      const prop = s.properties?.[k] ?? (typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined);
      validate(v, prop, child(p, k), ctx, cel);
    }
  }

  // Junctors: value validations only (structural schema), no CEL inside.
  const branch = (b: Schema): string[] => {
    const sub: Ctx = { errors: [], celEvaluated: 0, transitionRulesSkipped: 0 };
    validate(x, b, p, sub, false);
    return sub.errors;
  };
  for (const b of s.allOf ?? []) ctx.errors.push(...branch(b));
  if (s.anyOf && !s.anyOf.some((b: Schema) => branch(b).length === 0)) {
    ctx.errors.push(`${at}: Invalid value: ${show(x)}: must validate at least one schema (anyOf)`);
  }
  if (s.oneOf) {
    const passing = s.oneOf.filter((b: Schema) => branch(b).length === 0).length;
    if (passing !== 1) ctx.errors.push(`${at}: Invalid value: ${show(x)}: must validate one and only one schema (oneOf), ${passing} matched`);
  }
  if (s.not && branch(s.not).length === 0) ctx.errors.push(`${at}: Invalid value: ${show(x)}: must not validate the schema (not)`);

  if (cel) celRules(x, s, p, ctx);
}

function celRules(x: any, s: Schema, p: string, ctx: Ctx): void {
  const rules: Array<{ rule: string; message?: string; fieldPath?: string; reason?: string }> = s['x-kubernetes-validations'] ?? [];
  if (rules.length === 0) return;
  const at = p || '<root>';
  let self: any;
  for (const r of rules) {
    if (/\boldSelf\b/.test(r.rule)) {
      ctx.transitionRulesSkipped++;
      continue;
    }
    self ??= toCel(x, s);
    ctx.celEvaluated++;
    const result = program(r.rule)({ self });
    const where = r.fieldPath ? `${p}${r.fieldPath}` : at;
    if (isCelError(result)) {
      ctx.errors.push(`${where}: Invalid value: "${typeOf(x)}": rule evaluation error: ${result.message} (rule: ${r.rule})`);
    } else if (result !== true) {
      ctx.errors.push(`${where}: Invalid value: "${typeOf(x)}": ${r.message ?? `failed rule: ${r.rule}`}`);
    }
  }
}

/** Validate one object; `crd` is undefined for objects of groups that no CRD here defines. */
export function crdValidate(object: any, options: CrdOptions = {}): CrdResult {
  const crd = findCrd(String(object?.apiVersion ?? ''), String(object?.kind ?? ''), options);
  if (crd === undefined) return { errors: [], celEvaluated: 0, transitionRulesSkipped: 0 };
  if (typeof crd === 'string') return { crd: `${object.apiVersion}, Kind=${object.kind}`, errors: [crd], celEvaluated: 0, transitionRulesSkipped: 0 };
  const ctx: Ctx = { errors: [], celEvaluated: 0, transitionRulesSkipped: 0 };
  const x = structuredClone(object);
  unknownFields(x, crd.schema, '', ctx, true);
  applyDefaults(x, crd.schema);
  validate(x, crd.schema, '', ctx, true);
  return { crd: `${crd.group}/${crd.version}, Kind=${crd.kind} (${crd.source})`, errors: ctx.errors, celEvaluated: ctx.celEvaluated, transitionRulesSkipped: ctx.transitionRulesSkipped };
}

/**
 * One message per invalid custom resource (objects of built-in kinds are not checked here), as an API server
 * with these CRDs installed would reject them on create. `metadata` is checked for unknown fields only: the
 * name rules (a custom resource's name is a DNS-1123 subdomain) are in k8s-names.ts, and `invariantErrors`
 * runs both.
 */
export function crdErrors(objects: any[], options: CrdOptions = {}): string[] {
  const out: string[] = [];
  for (const o of objects) {
    const r = crdValidate(o, options);
    if (r.errors.length > 0) {
      const cluster = o.apiVersion?.startsWith(`${GATEWAY_GROUP}/`) ? ` [Gateway API ${options.gatewayApi ?? 'v1.6.1'} ${options.channel ?? 'standard'}]` : '';
      out.push(`${o.kind}/${o.metadata?.name}${cluster}: ${r.errors.join('; ')}`);
    }
  }
  return out;
}

/** Every rule text of every CRD file here, with the file it is in (for the library-coverage test). */
export function allCelRules(): Array<{ rule: string; file: string }> {
  const files = [
    ...['v1.5.1', 'v1.6.1', 'main-2026-08'].flatMap((v) => ['standard', 'experimental'].map((c) => `gateway-api/${v}/${c}/httproutes.yaml`)),
    ...Object.values(GROUP_FILES).flat(),
  ];
  const out: Array<{ rule: string; file: string }> = [];
  const walk = (s: any, file: string): void => {
    if (!s || typeof s !== 'object') return;
    if (Array.isArray(s)) return s.forEach((v) => walk(v, file));
    for (const r of s['x-kubernetes-validations'] ?? []) out.push({ rule: r.rule, file });
    for (const [k, v] of Object.entries(s)) {
      if (k === 'properties') Object.values(v as object).forEach((p) => walk(p, file));
      else if (k !== 'default' && k !== 'enum' && k !== 'x-kubernetes-validations') walk(v, file);
    }
  };
  for (const f of files) for (const v of loadFile(f)) walk(v.schema, f);
  return out;
}
