import { ManifestObject } from '../manifests';

/** The object a finding is about: enough to find it again in another tree (see `objectKey`). */
export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  /** Absent when the manifest sets none (the namespace it is applied to). */
  readonly namespace?: string;
  readonly name?: string;
}

/** Where a finding comes from. */
export type FindingOrigin =
  /** The library wrote it: a `risks.stateless.cdk8s.io/<code>` annotation on the object. */
  | 'annotation'
  /** The audit found the mechanism itself on an object the library did not write. */
  | 'detected';

/** One risk of one object. */
export interface Finding {
  readonly code: string;
  readonly message: string;
  readonly remedy: string;
  readonly acknowledged: boolean;
  /** How it is acknowledged: the annotation's list (with the construct that acknowledged it) or a scope's reason. */
  readonly acknowledgedBy?: string;
  readonly reason?: string;
  readonly origin: FindingOrigin;
  readonly object: ObjectRef;
  readonly file: string;
  readonly line: number;
}

/** A traffic mechanism seen on an object (cookie affinity, a canary split), in words, for reviewers and the diff. */
export interface Mechanism {
  readonly object: ObjectRef;
  readonly file: string;
  readonly line: number;
  readonly description: string;
}

/** What the audit of one tree found. */
export interface TreeAudit {
  readonly objects: number;
  readonly files: number;
  readonly findings: Finding[];
  readonly mechanisms: Mechanism[];
}

/** How a head finding compares with the base tree. */
export type Change = 'new' | 'changed' | 'unchanged';

export interface ComparedFinding extends Finding {
  /** Absent without `--base`. */
  readonly change?: Change;
  /** For a changed finding: what it was in the base tree. */
  readonly before?: { readonly message: string; readonly remedy: string; readonly acknowledged: boolean };
}

export interface MechanismChange {
  readonly object: ObjectRef;
  readonly file: string;
  readonly line: number;
  readonly added: string[];
  readonly removed: string[];
}

/** The report every format writes. */
export interface AuditReport {
  readonly head: { readonly inputs: string[]; readonly objects: number; readonly files: number };
  readonly base?: { readonly inputs: string[]; readonly objects: number; readonly files: number };
  readonly findings: ComparedFinding[];
  /** With `--base`: risks of the base tree that the head tree no longer has. */
  readonly removed: Finding[];
  readonly mechanisms: Mechanism[];
  /** With `--base`: mechanisms added or removed per object. */
  readonly mechanismChanges: MechanismChange[];
  readonly failOn: string;
  /** The findings that make the exit code 1. */
  readonly failing: ComparedFinding[];
}

export function refOf(m: ManifestObject): ObjectRef {
  const md = m.object.metadata ?? {};
  return {
    apiVersion: m.object.apiVersion,
    kind: m.object.kind,
    namespace: typeof md.namespace === 'string' ? md.namespace : undefined,
    name: typeof md.name === 'string' ? md.name : undefined,
  };
}

/** `networking.k8s.io/Ingress/shop/web`: the group (not the version, which a change may bump), kind, namespace, name. */
export function objectKey(ref: ObjectRef): string {
  const group = ref.apiVersion.includes('/') ? ref.apiVersion.split('/')[0] : '';
  return `${group}/${ref.kind}/${ref.namespace ?? ''}/${ref.name ?? ''}`;
}

/** `Ingress shop/web` (or `Ingress web` without a namespace), as messages name an object. */
export function describeRef(ref: ObjectRef): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name ?? '(no name)'}`;
}
