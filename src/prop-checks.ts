/**
 * Constructor-time checks of props. Every failure names the construct, the
 * prop, the value received and the fix, and is thrown before anything is
 * synthesized.
 */

/** Identifies the construct being checked in error messages: `StatelessWebApp 'web'`. */
export class PropChecker {
  constructor(private readonly kind: string, private readonly id: string) {}

  /** Throws `Kind 'id': 'prop' <problem>, got <value>. <fix>` */
  public fail(prop: string, problem: string, got: unknown, fix: string): never {
    throw new Error(`${this.kind} '${this.id}': '${prop}' ${problem}, got ${show(got)}. ${fix}`);
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
    if (value === undefined || value.trim() === '') {
      this.fail(prop, 'must not be empty', value ?? '(nothing)', fix);
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
      this.fail(prop, 'must not contain white space', value, 'Percent-encode the space (%20) or remove it.');
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

/** A DNS-1123 subdomain, optionally a wildcard `*.example.com`. */
export function isHostName(value: string): boolean {
  const host = value.startsWith('*.') ? value.slice(2) : value;
  if (host.length === 0 || host.length > 253) {
    return false;
  }
  return host.split('.').every((label) => /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(label));
}

function show(value: unknown): string {
  if (typeof value === 'string') {
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    return JSON.stringify(value);
  }
  return String(value);
}
