import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { K8sObject } from './synth';

/**
 * A minimal structural validator for custom resources against the real CRDs in ../shared/crds (issue 16): the
 * API server's rules for a structural `openAPIV3Schema` that the engine objects can reach: unknown fields are
 * rejected (pruning would drop them silently; `kubectl apply --validate=strict` rejects them) unless the node has
 * `x-kubernetes-preserve-unknown-fields` or `additionalProperties`, types (with `x-kubernetes-int-or-string`),
 * `required`, `enum`, `pattern`, `minimum`/`maximum`, `minLength`/`maxLength`, `minItems`/`maxItems`.
 * `metadata` is ObjectMeta, which the API server validates itself, so it is skipped here.
 *
 * CEL (`x-kubernetes-validations`) is not evaluated: a general CEL validator is being built on the `valid` branch.
 * Instead every rule an object reaches is returned in `celRulesReached`, and a reached rule that is not a
 * transition rule (`oldSelf`, which the API server evaluates only on update) is reported as an error, so a test
 * can never pass by reaching a rule nobody evaluated.
 */

const CRDS_DIR = path.join(__dirname, '..', '..', '..', 'shared', 'crds');
const CRD_FILES = ['argo-rollouts/rollout-crd-v1.9.1.yaml', 'argo-rollouts/analysis-template-crd-v1.9.1.yaml', 'flagger/crd-v1.44.0.yaml'];

type Schema = Record<string, any>;

let schemas: Map<string, Schema> | undefined;

/** `group/version/Kind` -> openAPIV3Schema of every CRD file above. */
function loadSchemas(): Map<string, Schema> {
  if (schemas) return schemas;
  schemas = new Map();
  for (const file of CRD_FILES) {
    for (const doc of parseAllDocuments(fs.readFileSync(path.join(CRDS_DIR, file), 'utf8'))) {
      const crd = doc.toJSON();
      if (!crd || crd.kind !== 'CustomResourceDefinition') continue;
      for (const v of crd.spec.versions) {
        schemas.set(`${crd.spec.group}/${v.name}/${crd.spec.names.kind}`, v.schema.openAPIV3Schema);
      }
    }
  }
  return schemas;
}

/** Whether the CRDs above define this object's kind. */
export function hasCrd(o: K8sObject): boolean {
  return loadSchemas().has(`${o.apiVersion}/${o.kind}`);
}

/** The result of validating objects against their CRDs. */
export interface CrdResult {
  /** One line per problem, naming the object and the JSON path. */
  readonly errors: string[];
  /** Every CEL rule an object reached, as `<Kind>/<name> <path>: <rule>`. */
  readonly celRulesReached: string[];
}

/** Validate objects (of the kinds the CRDs define) against their CRD schemas. */
export function validateAgainstCrds(objects: K8sObject[]): CrdResult {
  const errors: string[] = [];
  const celRulesReached: string[] = [];
  for (const o of objects) {
    const id = `${o.kind}/${o.metadata?.name}`;
    const schema = loadSchemas().get(`${o.apiVersion}/${o.kind}`);
    if (!schema) {
      errors.push(`${id}: no CRD for ${o.apiVersion} ${o.kind}`);
      continue;
    }
    walk(schema, o, '', id, errors, celRulesReached, true);
  }
  return { errors, celRulesReached };
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function walk(schema: Schema, value: unknown, at: string, id: string, errors: string[], cel: string[], root = false): void {
  const where = `${id} ${at || '.'}`;
  for (const rule of schema['x-kubernetes-validations'] ?? []) {
    cel.push(`${where}: ${rule.rule}`);
    if (!/\boldSelf\b/.test(rule.rule)) {
      errors.push(`${where}: reaches the CEL rule "${rule.rule}", which this validator does not evaluate`);
    }
  }
  const t = typeOf(value);
  if (schema['x-kubernetes-int-or-string']) {
    if (t !== 'integer' && t !== 'string') errors.push(`${where}: must be an integer or a string, got ${t}`);
    return;
  }
  const expected = schema.type as string | undefined;
  if (expected !== undefined) {
    const ok = expected === t || (expected === 'number' && t === 'integer');
    if (!ok) {
      errors.push(`${where}: must be ${expected}, got ${t} ${JSON.stringify(value)}`);
      return;
    }
  }
  if (schema.enum && !schema.enum.includes(value)) errors.push(`${where}: must be one of ${JSON.stringify(schema.enum)}, got ${JSON.stringify(value)}`);
  if (t === 'string') {
    const s = value as string;
    if (schema.pattern !== undefined && !new RegExp(schema.pattern).test(s)) errors.push(`${where}: must match ${schema.pattern}, got ${JSON.stringify(s)}`);
    if (schema.maxLength !== undefined && s.length > schema.maxLength) errors.push(`${where}: longer than ${schema.maxLength}`);
    if (schema.minLength !== undefined && s.length < schema.minLength) errors.push(`${where}: shorter than ${schema.minLength}`);
  }
  if (t === 'integer' || t === 'number') {
    const n = value as number;
    if (schema.minimum !== undefined && n < schema.minimum) errors.push(`${where}: below the minimum ${schema.minimum}`);
    if (schema.maximum !== undefined && n > schema.maximum) errors.push(`${where}: above the maximum ${schema.maximum}`);
  }
  if (t === 'array') {
    const list = value as unknown[];
    if (schema.minItems !== undefined && list.length < schema.minItems) errors.push(`${where}: fewer than ${schema.minItems} items`);
    if (schema.maxItems !== undefined && list.length > schema.maxItems) errors.push(`${where}: more than ${schema.maxItems} items`);
    if (schema.items) list.forEach((item, i) => walk(schema.items, item, `${at}[${i}]`, id, errors, cel));
  }
  if (t === 'object') {
    const obj = value as Record<string, unknown>;
    for (const key of schema.required ?? []) {
      if (!(key in obj)) errors.push(`${where}: missing required field ${key}`);
    }
    const props: Record<string, Schema> = schema.properties ?? {};
    for (const [key, v] of Object.entries(obj)) {
      if (root && key === 'metadata') continue;
      if (root && (key === 'apiVersion' || key === 'kind')) continue;
      if (props[key]) {
        walk(props[key], v, `${at}.${key}`, id, errors, cel);
      } else if (typeof schema.additionalProperties === 'object') {
        walk(schema.additionalProperties, v, `${at}.${key}`, id, errors, cel);
      } else if (schema.additionalProperties === true || schema['x-kubernetes-preserve-unknown-fields']) {
        continue;
      } else {
        errors.push(`${where}: unknown field ${key}`);
      }
    }
  }
}
