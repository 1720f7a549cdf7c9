import * as kplus from 'cdk8s-plus-27';
import { IConstruct } from 'constructs';
import { ValidationError } from './errors';

/**
 * Constructor-time checks of props. Every failure names the construct, the
 * prop, the value received and the fix, and is thrown before anything is
 * synthesized.
 */

/** Identifies what is being checked in error messages: `StatelessWebApp 'shop/web'` or `TrafficProvider.gatewayApi`. */
export class PropChecker {
  /** Checks of a construct's props; messages name it by its path in the construct tree. */
  public static of(construct: IConstruct, kind: string): PropChecker {
    return new PropChecker(describeConstruct(construct, kind));
  }

  /** Checks of a factory's options, e.g. `TrafficProvider.gatewayApi`. */
  constructor(public readonly where: string) {}

  /** Throws a ValidationError: `<where>: 'prop' <problem>, got <value>. <fix>` */
  public fail(prop: string, problem: string, got: unknown, fix: string): never {
    throw new ValidationError(this.where, prop, problem, show(got), fix);
  }

  /** An integer in [min, max]. */
  public integer(prop: string, value: number | undefined, min: number, max: number, fix: string): void {
    if (value === undefined) {
      return;
    }
    if (!Number.isInteger(value) || value < min || value > max) {
      this.fail(prop, `must be an integer from ${min} to ${max}`, value, fix);
    }
  }

  /** A non-blank string. */
  public nonBlank(prop: string, value: string | undefined, fix: string): void {
    if (typeof value !== 'string' || value.trim() === '') {
      this.fail(prop, typeof value === 'string' || value === undefined ? 'must not be empty' : 'must be a string', value, fix);
    }
  }

  /** A DNS-1123 subdomain host name, optionally with a leading `*.` wildcard. */
  public hostName(prop: string, value: string | undefined): void {
    if (value === undefined) {
      return;
    }
    if (!isHostName(value)) {
      this.fail(
        prop,
        'must be a DNS name (lower-case letters, digits and hyphens in dot-separated labels of at most 63 characters, optionally starting with "*.")',
        value,
        'Pass the host name only, without scheme, port or path, e.g. "api.example.com".',
      );
    }
  }

  /** An HTTP path starting with `/`. */
  public httpPath(prop: string, value: string | undefined): void {
    if (value === undefined) {
      return;
    }
    if (!value.startsWith('/')) {
      this.fail(prop, 'must start with "/"', value, `Use "/${value.replace(/^\/*/, '')}".`);
    }
    if (/\s/.test(value)) {
      this.fail(prop, 'must not contain white space', value, 'Remove the white space from the path.');
    }
  }

  /** One of the values of an enum (a JavaScript caller can pass anything). */
  public oneOf(prop: string, value: string | undefined, allowed: Record<string, string>, enumName: string): void {
    if (value === undefined) {
      return;
    }
    const values = Object.values(allowed);
    if (!values.includes(value)) {
      this.fail(prop, `must be one of ${enumName}.${Object.keys(allowed).join(`, ${enumName}.`)}`, value, `Use a ${enumName} value, e.g. ${enumName}.${Object.keys(allowed)[0]}.`);
    }
  }

  /** The name of another object (Secret, IngressClass, StorageClass): a lower-case DNS subdomain. */
  public objectName(prop: string, value: string | undefined, example: string): void {
    if (value === undefined) {
      return;
    }
    if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(value) || value.length > 253) {
      this.fail(prop, 'must be an object name (a lower-case DNS subdomain)', value, `Use e.g. "${example}".`);
    }
  }

  /** Requests no larger than limits: the API server rejects a pod spec whose request exceeds its limit. */
  public requestsWithinLimits(prop: string, resources: kplus.ContainerResources | undefined): void {
    const cpu = resources?.cpu;
    if (cpu?.request && cpu.limit && millicores(cpu.request.amount) > millicores(cpu.limit.amount)) {
      this.fail(`${prop}.cpu`, 'must not request more than its limit (the API server rejects the pod)', `request ${cpu.request.amount} > limit ${cpu.limit.amount}`, 'Raise the limit or lower the request.');
    }
    const memory = resources?.memory;
    if (memory?.request && memory.limit && memory.request.toMebibytes() > memory.limit.toMebibytes()) {
      this.fail(
        `${prop}.memory`,
        'must not request more than its limit (the API server rejects the pod)',
        `request ${memory.request.toMebibytes()}Mi > limit ${memory.limit.toMebibytes()}Mi`,
        'Raise the limit or lower the request.',
      );
    }
  }

  /** A Kubernetes object name usable for a Service (DNS-1035 label) that leaves room for `suffixLength` more characters. */
  public resourceName(prop: string, value: string, suffixLength: number): void {
    const max = 63 - suffixLength;
    if (!/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(value) || value.length > max) {
      this.fail(
        prop,
        `must be a DNS-1035 label of at most ${max} characters (lower-case letters, digits and "-", starting with a letter; ` +
          `derived objects add up to ${suffixLength} characters to it)`,
        value,
        'Choose a shorter lower-case name such as "rider-api".',
      );
    }
  }
}

/** "500m" -> 500, "2" -> 2000. */
function millicores(amount: string): number {
  return amount.endsWith('m') ? Number(amount.slice(0, -1)) : Number(amount) * 1000;
}

/** A DNS-1123 subdomain, optionally a wildcard `*.example.com`. */
export function isHostName(value: string): boolean {
  const host = value.startsWith('*.') ? value.slice(2) : value;
  if (host.length === 0 || host.length > 253) {
    return false;
  }
  return host.split('.').every((label) => /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(label));
}

/** `StatelessWebApp 'shop/web'`: a construct by its kind and its path in the construct tree. */
export function describeConstruct(construct: IConstruct, kind: string): string {
  return `${kind} '${construct.node.path}'`;
}

/** A received value as messages show it: strings and arrays as JSON, the rest as text. */
export function show(value: unknown): string {
  if (value === undefined) {
    return '(nothing)';
  }
  if (typeof value === 'string' || (typeof value === 'object' && value !== null)) {
    try {
      const text = JSON.stringify(value);
      if (text !== undefined) return text.length > 200 ? `${text.slice(0, 200)}...` : text;
    } catch {
      // a cycle or a BigInt inside: fall back to the plain text
    }
  }
  return String(value);
}
