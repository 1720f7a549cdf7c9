import { Duration } from 'cdk8s';
import { AffinityMode, SameSite } from '../../traffic/affinity-mode';
import { CanaryMatch } from '../../traffic/canary-match';
import { PathType } from '../../traffic/provider-contract';

/**
 * The props of this library's constructs as the import writes them: the one place that spells a prop name,
 * a construct or an enum, for the generated code and the in-memory build alike. When a construct's props change,
 * change them here.
 */
export const API = {
  module: 'cdk8s-stateless',
  webApp: {
    construct: 'StatelessWebApp',
    name: 'name',
    image: 'image',
    port: 'port',
    servicePort: 'servicePort',
    replicas: 'replicas',
    env: 'env',
    host: 'host',
    path: 'path',
    pathType: 'pathType',
    tlsSecretName: 'tlsSecretName',
    traffic: 'traffic',
    acknowledgedRisks: 'acknowledgedRisks',
    /** The member holding the app's Service, passed to the StickyIngress. */
    serviceMember: 'service',
  },
  sticky: {
    construct: 'StickyIngress',
    service: 'service',
    serviceRef: 'serviceRef',
    name: 'name',
    host: 'host',
    path: 'path',
    pathType: 'pathType',
    tlsSecretName: 'tlsSecretName',
    traffic: 'traffic',
    mode: 'mode',
    justification: 'justification',
    cookie: 'cookie',
    acknowledgedRisks: 'acknowledgedRisks',
  },
  cookie: {
    name: 'name',
    path: 'path',
    domain: 'domain',
    /** A `Duration` (see `durationExpr`). */
    maxAge: 'maxAge',
    /** A `Duration` (see `durationExpr`). */
    expires: 'expires',
    secure: 'secure',
    sameSite: 'sameSite',
    conditionalSameSiteNone: 'conditionalSameSiteNone',
    changeOnFailure: 'changeOnFailure',
  },
  canary: {
    construct: 'CanaryRelease',
    stable: 'stable',
    image: 'image',
    match: 'match',
    weightTotal: 'weightTotal',
    versionStickiness: 'versionStickiness',
    acknowledgedRisks: 'acknowledgedRisks',
  },
} as const;

/** A value in the generated code, which the in-memory build evaluates to the same value. */
export type Expr =
  | { readonly k: 'str'; readonly v: string }
  | { readonly k: 'num'; readonly v: number }
  | { readonly k: 'bool'; readonly v: boolean }
  | { readonly k: 'enum'; readonly type: 'AffinityMode' | 'SameSite' | 'PathType'; readonly value: string }
  | { readonly k: 'seconds'; readonly v: number }
  | { readonly k: 'match'; readonly kind: 'weight' | 'header' | 'headerPattern' | 'cookie'; readonly args: Array<string | number> }
  | { readonly k: 'ref'; readonly variable: string; readonly member?: string }
  | { readonly k: 'traffic'; readonly variable: string }
  | { readonly k: 'fillIn'; readonly what: string; readonly standIn: string | number }
  | { readonly k: 'obj'; readonly entries: ReadonlyArray<readonly [string, Expr]> }
  | { readonly k: 'arr'; readonly items: readonly Expr[]; readonly comment?: string };

export const str = (v: string): Expr => ({ k: 'str', v });
export const num = (v: number): Expr => ({ k: 'num', v });
export const bool = (v: boolean): Expr => ({ k: 'bool', v });
/** A duration prop: today a cdk8s `Duration` (the library's one type for durations). */
export const durationExpr = (seconds: number): Expr => ({ k: 'seconds', v: seconds });
export const obj = (entries: Array<readonly [string, Expr | undefined]>): Expr => ({
  k: 'obj',
  entries: entries.filter((e): e is readonly [string, Expr] => e[1] !== undefined),
});

const ENUMS: { [type: string]: { [member: string]: unknown } } = { AffinityMode, SameSite, PathType };

/** The names a generated file imports from the library for `exprs`. */
export function libraryNames(exprs: Expr[]): string[] {
  const names = new Set<string>();
  const walk = (e: Expr): void => {
    if (e.k === 'enum') names.add(e.type);
    if (e.k === 'match') names.add('CanaryMatch');
    if (e.k === 'obj') e.entries.forEach(([, x]) => walk(x));
    if (e.k === 'arr') e.items.forEach(walk);
  };
  exprs.forEach(walk);
  return [...names];
}

/** Whether `exprs` use a Duration. */
export function usesDuration(exprs: Expr[]): boolean {
  const walk = (e: Expr): boolean => e.k === 'seconds' || (e.k === 'obj' && e.entries.some(([, x]) => walk(x))) || (e.k === 'arr' && e.items.some(walk));
  return exprs.some(walk);
}

/** TypeScript source of `e`, indented for its place. */
export function toCode(e: Expr, indent: string): string {
  switch (e.k) {
    case 'str':
      return quote(e.v);
    case 'num':
    case 'bool':
      return String(e.v);
    case 'enum':
      return `${e.type}.${memberName(e.type, e.value)}`;
    case 'seconds':
      return durationCode(e.v);
    case 'match':
      return `CanaryMatch.${e.kind}(${e.args.map((a) => (typeof a === 'number' ? String(a) : quote(a))).join(', ')})`;
    case 'ref':
      return e.member ? `${e.variable}.${e.member}` : e.variable;
    case 'traffic':
      return e.variable;
    case 'fillIn':
      return `fillIn(${quote(e.what)})`;
    case 'arr': {
      const inner = e.items.map((x) => toCode(x, indent)).join(', ');
      return e.comment ? `[${inner}] /* ${e.comment} */` : `[${inner}]`;
    }
    case 'obj': {
      if (e.entries.length === 0) return '{}';
      const next = `${indent}  `;
      return `{\n${e.entries.map(([key, x]) => `${next}${propertyName(key)}: ${toCode(x, next)},`).join('\n')}\n${indent}}`;
    }
  }
}

/** The value of `e` in the in-memory build: constructs by variable, the target's provider, stand-ins for what the user fills in. */
export function evaluate(e: Expr, vars: { [variable: string]: any }): any {
  switch (e.k) {
    case 'str':
    case 'num':
    case 'bool':
      return e.v;
    case 'enum':
      return ENUMS[e.type][memberName(e.type, e.value)];
    case 'seconds':
      return Duration.seconds(e.v);
    case 'match':
      return (CanaryMatch as any)[e.kind](...e.args);
    case 'ref':
      return e.member ? vars[e.variable][e.member] : vars[e.variable];
    case 'traffic':
      return vars[e.variable];
    case 'fillIn':
      return e.standIn;
    case 'arr':
      return e.items.map((x) => evaluate(x, vars));
    case 'obj':
      return Object.fromEntries(e.entries.map(([key, x]) => [key, evaluate(x, vars)]));
  }
}

/** The enum member whose value is `value` (e.g. SameSite 'Lax' -> LAX). */
function memberName(type: string, value: string): string {
  const entry = Object.entries(ENUMS[type]).find(([, v]) => v === value);
  if (!entry) throw new Error(`no ${type} member with the value ${value}`);
  return entry[0];
}

function durationCode(seconds: number): string {
  for (const [unit, n] of [['days', 86400], ['hours', 3600], ['minutes', 60]] as const) {
    if (seconds % n === 0) return `Duration.${unit}(${seconds / n})`;
  }
  return `Duration.seconds(${seconds})`;
}

/** A string as a single-quoted TypeScript literal. */
export function quote(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
}

/** A property name as TypeScript writes it (quoted unless it is an identifier). */
function propertyName(name: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : quote(name);
}
