import { Duration, Size, SizeRoundingBehavior, Yaml } from 'cdk8s';
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
    return new PropChecker(describeConstruct(construct, kind), construct);
  }

  /**
   * Checks of a factory's options, e.g. `TrafficProvider.gatewayApi`.
   * @param where how messages name what is checked
   * @param construct the construct checked, when there is one (its acknowledgements are noted for the report)
   */
  constructor(public readonly where: string, public readonly construct?: IConstruct) {}

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

  /**
   * A `Duration` as a JavaScript caller may pass it, in whole milliseconds (cdk8s's `toMilliseconds()`
   * throws a plain Error for `Duration.millis(1500.5)`, and `Duration.seconds(NaN)` converts to NaN).
   * Returns the milliseconds, or undefined when the value is undefined.
   */
  public durationMillis(prop: string, value: Duration | undefined, fix: string): number | undefined {
    if (value === undefined) {
      return undefined;
    }
    if (typeof value !== 'object' || value === null || typeof (value as { toMilliseconds?: unknown }).toMilliseconds !== 'function') {
      this.fail(prop, 'must be a Duration (from cdk8s)', value, fix);
    }
    const ms = value.toMilliseconds({ integral: false });
    if (!Number.isFinite(ms) || !Number.isInteger(ms)) {
      this.fail(prop, 'must be a whole number of milliseconds', `${ms}ms`, fix);
    }
    return ms;
  }

  /** A string (a JavaScript caller can pass anything). */
  /** A boolean when set (a plain-JS caller may pass "true"). */
  public boolean(prop: string, value: unknown): void {
    if (value !== undefined && typeof value !== 'boolean') {
      this.fail(prop, 'must be true or false', value, `Pass ${prop}: true or ${prop}: false (a boolean, not a string).`);
    }
  }

  public string(prop: string, value: unknown, fix: string): asserts value is string {
    if (typeof value !== 'string') {
      this.fail(prop, 'must be a string', value, fix);
    }
  }

  /**
   * A `Size` as a JavaScript caller may pass it, in whole mebibytes, at least 1 (cdk8s-plus writes memory
   * as `${size.toMebibytes()}Mi`, and `toMebibytes()` throws a plain Error for 512 KiB; NaN would write "NaNMi").
   * Returns the mebibytes, or undefined when the value is undefined.
   */
  public sizeMebibytes(prop: string, value: Size | undefined, fix: string): number | undefined {
    if (value === undefined) {
      return undefined;
    }
    if (typeof value !== 'object' || value === null || typeof (value as { toMebibytes?: unknown }).toMebibytes !== 'function') {
      this.fail(prop, 'must be a Size (from cdk8s)', value, fix);
    }
    const mib = value.toMebibytes({ rounding: SizeRoundingBehavior.NONE });
    if (!Number.isInteger(mib) || mib < 1) {
      this.fail(prop, 'must be a whole number of mebibytes, at least 1 (memory and storage are written in Mi)', `${mib}Mi`, fix);
    }
    return mib;
  }

  /**
   * A string that reaches the cluster as a string. cdk8s 2.68's YAML writer leaves some strings that a YAML 1.1
   * reader (go-yaml v2, which kubectl uses) reads as integers unquoted: `0o644`, `0X1F`, `0B1`, `0_x1` and their
   * signed forms (go-yaml v2 resolve.go drops "_" and reads the rest with strconv.ParseInt base 0; recorded in
   * test/validators-invariant.test.ts for a report to cdk8s). Such a value is refused here, where cdk8s would
   * write it plain, so that `kubectl apply` cannot turn `FILE_MODE: '0o644'` into 420 and reject the object.
   */
  public yamlString(prop: string, value: string, fix: string): void {
    // cdk8s writes DEL, C1 controls (NEL among them), LS, PS and U+FFFE/U+FFFF raw: go-yaml v2 refuses the whole
    // file ("control characters are not allowed", readerc.go) or reads NEL/LS/PS as line breaks
    // (recorded in test/validators-invariant.test.ts).
    const control = /[\u007f-\u009f\u2028\u2029\ufffe\uffff]/.exec(value);
    if (control) {
      const code = `U+${control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
      this.fail(prop, `must not contain the control character ${code} (kubectl's YAML reader refuses the file or reads a line break)`, value, 'Remove it.');
    }
    if (readAsIntegerWhenPlain(value) && Yaml.stringify({ v: value }) === `v: ${value}\n`) {
      this.fail(prop, 'would be read back as a number by kubectl (cdk8s writes it without quotes, and YAML 1.1 reads it as an integer)', value, fix);
    }
  }

  /** A non-blank string. */
  public nonBlank(prop: string, value: string | undefined, fix: string): void {
    if (typeof value !== 'string' || value.trim() === '') {
      this.fail(prop, typeof value === 'string' || value === undefined ? 'must not be empty' : 'must be a string', value, fix);
    }
    this.yamlString(prop, value, fix);
  }

  /** A DNS-1123 subdomain host name, optionally with a leading `*.` wildcard. */
  public hostName(prop: string, value: string | undefined): void {
    if (value === undefined) {
      return;
    }
    this.string(prop, value, 'Pass the host name as a string, e.g. "api.example.com".');
    if (isIpAddress(value)) {
      // Ingress rule hosts: "must be a DNS name, not an IP address" (kubernetes/kubernetes,
      // pkg/apis/networking/validation/validation.go, validateIngressRules via netutils.ParseIPSloppy).
      this.fail(prop, 'must be a DNS name, not an IP address', value, 'Use a DNS name that resolves to the address, e.g. "api.example.com".');
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
    this.string(prop, value, 'Pass the path as a string, e.g. "/api".');
    if (!value.startsWith('/')) {
      // a URL was passed where a path belongs: suggest its path, not "/http://..."
      const url = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/]*(\/.*)?$/.exec(value);
      this.fail(prop, 'must start with "/"', value, url ? `Pass the path only, without scheme and host: "${url[1] ?? '/'}".` : `Use "/${value}".`);
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
    this.string(prop, value, `Use e.g. "${example}".`);
    if (!isDnsSubdomain(value)) {
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

  /**
   * A container image reference, pinned: the grammar of distribution/reference (what the kubelet's container
   * runtimes parse), with a tag other than `latest` or a digest. An unpinned image with `imagePullPolicy:
   * IfNotPresent` lets every node run whatever version it pulled first.
   */
  public imageReference(prop: string, value: string | undefined, example: string): void {
    if (typeof value !== 'string' || value.trim() === '') {
      this.fail(prop, typeof value === 'string' || value === undefined ? 'must not be empty' : 'must be a string', value, `Pass a container image pinned to a tag or digest, e.g. "${example}".`);
    }
    if (/\s/.test(value)) {
      this.fail(prop, 'must not contain white space or line breaks', value, `Pass a single image reference, e.g. "${example}".`);
    }
    const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(value);
    if (scheme) {
      this.fail(prop, `must be an image reference, not a URL (no "${scheme[0]}")`, value, `Use "${value.slice(scheme[0].length)}".`);
    }
    const parts = splitImageReference(value);
    if (parts.tag === '') {
      this.fail(prop, 'has an empty tag (nothing after ":")', value, `Write the version after ":", e.g. "${parts.name}:1.4.2", or pin a digest.`);
    }
    const slash = parts.name.indexOf('/');
    const first = slash < 0 ? '' : parts.name.slice(0, slash);
    // "localhost" or a component with "." or ":" is the registry (domain), which may be upper case; the rest is the repository
    const hasDomain = first === 'localhost' || /[.:]/.test(first) || /^\[/.test(first);
    const repository = hasDomain ? parts.name.slice(slash + 1) : parts.name;
    if (repository !== repository.toLowerCase()) {
      const fixed = (hasDomain ? `${first}/` : '') + repository.toLowerCase() + value.slice(parts.name.length);
      this.fail(prop, 'must have a lower-case repository name (registries refuse upper case)', value, `Use "${fixed}".`);
    }
    if (!IMAGE_REFERENCE.test(value)) {
      this.fail(
        prop,
        'must be an image reference: [registry/]repository[:tag][@digest], repository components of lower-case letters and digits separated by ".", "_", "__" or "-", a tag of at most 128 letters, digits, "_", "." or "-"',
        value,
        `Use e.g. "${example}".`,
      );
    }
    if (parts.digest === undefined && parts.tag === undefined) {
      this.fail(prop, 'must be pinned to a version tag or a digest (an image without a tag means "latest")', value, `Add the version, e.g. "${parts.name}:1.4.2", or a digest "@sha256:...".`);
    }
    if (parts.digest === undefined && parts.tag === 'latest') {
      this.fail(prop, 'must be pinned to a version tag or a digest, not "latest" (it changes under running pods)', value, `Use the version, e.g. "${parts.name}:1.4.2", or a digest "@sha256:...".`);
    }
  }

  /**
   * Container resources as a JavaScript caller may pass them: `cpu.request`/`cpu.limit` must be `Cpu`
   * objects and `memory.request`/`memory.limit` `Size` objects (strings such as "500m" are not).
   */
  public resources(prop: string, resources: kplus.ContainerResources | undefined): void {
    if (resources === undefined) {
      return;
    }
    if (typeof resources !== 'object' || resources === null) {
      this.fail(prop, 'must be an object with cpu and memory', resources, 'Pass e.g. { cpu: { request: Cpu.millis(500), limit: Cpu.millis(1000) }, memory: { request: Size.mebibytes(512), limit: Size.gibibytes(1) } }.');
    }
    for (const part of ['cpu', 'memory']) {
      const v = (resources as unknown as { [key: string]: unknown })[part];
      if (v !== undefined && (typeof v !== 'object' || v === null)) {
        this.fail(`${prop}.${part}`, 'must be an object with request and/or limit', v, part === 'cpu' ? 'Use { request: Cpu.millis(500), limit: Cpu.millis(1000) }.' : 'Use { request: Size.mebibytes(512), limit: Size.gibibytes(1) }.');
      }
    }
    const cpu = resources.cpu as unknown as { [key: string]: unknown } | undefined;
    for (const key of ['request', 'limit']) {
      const v = cpu?.[key] as { amount?: unknown } | undefined;
      if (v !== undefined && (typeof v !== 'object' || v === null || typeof v.amount !== 'string')) {
        this.fail(`${prop}.cpu.${key}`, 'must be a Cpu (from cdk8s-plus)', v, 'Use Cpu.millis(500) or Cpu.units(1) (a string such as "500m" is not a Cpu).');
      }
    }
    const memory = resources.memory as unknown as { [key: string]: unknown } | undefined;
    for (const key of ['request', 'limit']) {
      const v = memory?.[key] as { toMebibytes?: unknown } | undefined;
      if (v !== undefined && (typeof v !== 'object' || v === null || typeof v.toMebibytes !== 'function')) {
        this.fail(`${prop}.memory.${key}`, 'must be a Size (from cdk8s)', v, 'Use Size.mebibytes(512) or Size.gibibytes(1) (a string such as "512Mi" is not a Size).');
      }
      this.sizeMebibytes(`${prop}.memory.${key}`, v as Size | undefined, 'Use Size.mebibytes(512) or Size.gibibytes(1).');
    }
  }

  /** A Kubernetes object name usable for a Service (DNS-1035 label) that leaves room for `suffixLength` more characters. */
  public resourceName(prop: string, value: string, suffixLength: number): void {
    this.string(prop, value, 'Pass a name such as "rider-api", or leave it out to derive one from the construct path.');
    const max = 63 - suffixLength;
    if (!/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(value) || value.length > max) {
      this.fail(
        prop,
        `must be a DNS-1035 label of at most ${max} characters (lower-case letters, digits and "-", starting with a letter; ` +
          `derived objects add up to ${suffixLength} characters to it)`,
        value,
        value.length > max
          ? `Choose a shorter name (${value.length} characters now), such as "rider-api".`
          : /[A-Z]/.test(value) && /^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(value.toLowerCase())
            ? `Use lower case: "${value.toLowerCase()}".`
            : 'Use lower-case letters, digits and "-", starting with a letter, such as "rider-api".',
      );
    }
  }
}

/**
 * An image reference as distribution/reference's grammar defines it (distribution/reference, regexp.go and the
 * grammar in reference.go, stored commits 00a09fa and 0965666):
 *   reference := name [ ":" tag ] [ "@" digest ];  name := [domain "/"] remote-name
 *   domain-component := /([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])/;  port := /[0-9]+/
 *   path-component := /[a-z0-9]+/ (separator /[a-z0-9]+/)*;  separator := /[_.]|__|[-]+/
 *   tag := /[\w][\w.-]{0,127}/;  digest := /[A-Za-z][A-Za-z0-9]*([-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}/
 * (a repository longer than 255 characters is refused there too).
 */
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`;
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*';
const REMOTE_NAME = `${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const IMAGE_REFERENCE = new RegExp(
  `^(?:${DOMAIN}/)?${REMOTE_NAME}(?::[\\w][\\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$`,
);

/** `registry/repo:tag@digest` -> its name, tag ('' when empty, undefined when absent) and digest. */
function splitImageReference(value: string): { name: string; tag?: string; digest?: string } {
  const at = value.indexOf('@');
  const digest = at < 0 ? undefined : value.slice(at + 1);
  const rest = at < 0 ? value : value.slice(0, at);
  const colon = rest.lastIndexOf(':');
  // a ":" before the last "/" is a registry port, not a tag
  if (colon < 0 || colon < rest.lastIndexOf('/')) {
    return { name: rest, digest };
  }
  return { name: rest.slice(0, colon), tag: rest.slice(colon + 1), digest };
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

/**
 * A DNS-1123 subdomain, the name of most objects: dot-separated DNS-1123 labels, at most 253 characters
 * (IsDNS1123Subdomain, kubernetes/kubernetes staging/src/k8s.io/apimachinery/pkg/util/validation/validation.go),
 * so "a..b" and "a.-b" are refused.
 */
export function isDnsSubdomain(value: string): boolean {
  return typeof value === 'string' && value.length <= 253 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(value);
}

/** Whether go-yaml v2 reads `value`, written as a plain scalar, as an integer (strconv.ParseInt base 0 after dropping "_"). */
function readAsIntegerWhenPlain(value: string): boolean {
  const plain = value.replace(/_/g, '');
  return /^[-+]?(0[bB][01]+|0[oO][0-7]+|0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.test(plain);
}

/** An IPv4 address in dotted form, or any IPv6 address (the API server refuses both as an Ingress host). */
export function isIpAddress(value: string): boolean {
  return /^[0-9]+(\.[0-9]+){3}$/.test(value) || /^[0-9a-fA-F]*:[0-9a-fA-F]*:[0-9a-fA-F:.]*$/.test(value);
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
