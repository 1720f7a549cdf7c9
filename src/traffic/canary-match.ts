import { PropChecker } from '../prop-checks';

/** RFC 9110 token (section 5.6.2): the characters of an HTTP field name. */
const HTTP_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** RFC 6265 cookie-name: an RFC 2616 token (the same character set). */
const COOKIE_TOKEN = HTTP_TOKEN;

/**
 * Which requests go to the canary. A `CanaryRelease` takes a list of them; the traffic provider decides how
 * its controller combines them (and refuses a combination it cannot express).
 *
 * Build matches with the static factories; each kind is its own class, so a provider can express exactly
 * what its controller supports.
 */
export abstract class CanaryMatch {
  /**
   * `percent` of the requests that no header or cookie match decided (out of the release's `weightTotal`,
   * 100 by default).
   */
  public static weight(percent: number): CanaryMatch {
    return new WeightMatch(percent);
  }

  /**
   * Requests with header `name`. With `value`, exactly that value goes to the canary; without it, `always`
   * goes to the canary and `never` never does (ingress-nginx's semantics; other providers render both rules).
   */
  public static header(name: string, value?: string): CanaryMatch {
    return new HeaderMatch(name, value);
  }

  /**
   * Requests whose header `name` matches the regular expression `regex`. The dialect, and whether the
   * expression must match the whole value, depend on the controller (see its provider's documentation).
   */
  public static headerPattern(name: string, regex: string): CanaryMatch {
    return new HeaderPatternMatch(name, regex);
  }

  /**
   * Requests with cookie `name`: `always` goes to the canary, `never` never does, other values fall through.
   */
  public static cookie(name: string): CanaryMatch {
    return new CookieMatch(name);
  }

  protected constructor() {}

  /** The match as messages show it, e.g. `CanaryMatch.header("region", "east-us")`. */
  public abstract describe(): string;

  /**
   * Checks that hold for every controller (token syntax, ranges). Providers check their own rules.
   * @internal
   */
  public abstract _validate(check: PropChecker, weightTotal: number): void;
}

/**
 * A share of the requests that no other match decided.
 */
export class WeightMatch extends CanaryMatch {
  /** @param percent share of requests, out of the release's weightTotal */
  constructor(public readonly percent: number) {
    super();
  }

  public describe(): string {
    return `CanaryMatch.weight(${this.percent})`;
  }

  /** @internal */
  public _validate(check: PropChecker, weightTotal: number): void {
    if (typeof this.percent !== 'number' || !Number.isInteger(this.percent) || this.percent < 0 || this.percent > weightTotal) {
      check.fail('match.weight', `must be a whole number from 0 to weightTotal (${weightTotal})`, this.percent, 'Use e.g. CanaryMatch.weight(10), or raise weightTotal for finer steps.');
    }
  }
}

/**
 * A request header: a given value, or `always` / `never`.
 */
export class HeaderMatch extends CanaryMatch {
  /**
   * @param name header name
   * @param value exact value; without it, `always` / `never`
   */
  constructor(public readonly name: string, public readonly value?: string) {
    super();
  }

  public describe(): string {
    return `CanaryMatch.header(${quote(this.name)}${this.value !== undefined ? `, ${quote(this.value)}` : ''})`;
  }

  /** @internal */
  public _validate(check: PropChecker): void {
    checkHeaderName(check, this.name);
    if (this.value === undefined) {
      return;
    }
    // RFC 9110 section 5.5: a field value is visible characters, spaces and tabs; no CR, LF or NUL
    if (typeof this.value !== 'string' || this.value === '' || /[\u0000-\u0008\u000a-\u001f\u007f]/.test(this.value)) {
      check.fail('match.header value', 'must be a non-empty header value (visible characters, spaces and tabs; no line breaks or control characters)', this.value, 'Use e.g. CanaryMatch.header("region", "east-us").');
    }
    check.yamlString('match.header value', this.value, 'Use e.g. CanaryMatch.header("region", "east-us").');
    if (this.value === 'always' || this.value === 'never') {
      check.fail(
        'match.header value',
        `must not be "${this.value}" for an exact match: with a value the header is compared literally, and "never" would send requests TO the canary`,
        this.value,
        `Use CanaryMatch.header("${this.name}") without a value for the always/never semantics.`,
      );
    }
  }
}

/**
 * A request header whose value matches a regular expression.
 */
export class HeaderPatternMatch extends CanaryMatch {
  /**
   * @param name header name
   * @param pattern regular expression on the header's value
   */
  constructor(public readonly name: string, public readonly pattern: string) {
    super();
  }

  public describe(): string {
    return `CanaryMatch.headerPattern(${quote(this.name)}, ${quote(this.pattern)})`;
  }

  /** @internal */
  public _validate(check: PropChecker): void {
    checkHeaderName(check, this.name);
    if (typeof this.pattern !== 'string' || this.pattern === '' || /[\r\n]/.test(this.pattern)) {
      check.fail('match.headerPattern', 'must be a non-empty single-line regular expression', this.pattern, 'Pass a regular expression, e.g. "^(east|west)-us$".');
    }
    check.yamlString('match.headerPattern', this.pattern, 'Pass a regular expression, e.g. "^(east|west)-us$".');
  }
}

/**
 * A cookie set to `always` or `never`.
 */
export class CookieMatch extends CanaryMatch {
  /** @param name cookie name */
  constructor(public readonly name: string) {
    super();
  }

  public describe(): string {
    return `CanaryMatch.cookie(${quote(this.name)})`;
  }

  /** @internal */
  public _validate(check: PropChecker): void {
    if (typeof this.name !== 'string' || !COOKIE_TOKEN.test(this.name)) {
      check.fail('match.cookie', 'must be a cookie name (an RFC 6265 token)', this.name, 'Use e.g. "canary".');
    }
    check.yamlString('match.cookie', this.name, 'Use e.g. "canary".');
  }
}

function checkHeaderName(check: PropChecker, name: unknown): void {
  if (typeof name !== 'string' || !HTTP_TOKEN.test(name)) {
    check.fail('match.header', 'must be an HTTP header name (an RFC 9110 token: letters, digits and !#$%&\'*+-.^_`|~)', name, 'Use e.g. "region" or "x-canary".');
  }
  check.yamlString('match.header', name, 'Use e.g. "region" or "x-canary".');
}

/** A string as a TypeScript literal in single quotes (readable inside a JSON-quoted message). */
function quote(value: unknown): string {
  return `'${String(value).replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
