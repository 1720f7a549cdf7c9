/**
 * What a canary match looks at.
 */
export enum CanaryMatchKind {
  /** A share of the requests that no other match decided. */
  WEIGHT = 'weight',
  /** A request header: a given value, or the controller's `always` / `never`. */
  HEADER = 'header',
  /** A request header whose value matches a regular expression. */
  HEADER_PATTERN = 'header-pattern',
  /** A cookie set to `always` or `never`. */
  COOKIE = 'cookie',
}

/**
 * Which requests go to the canary. Combine several: the controller evaluates header, then cookie,
 * then weight.
 */
export class CanaryMatch {
  /**
   * `percent` of the requests no header or cookie decided (out of `weightTotal`, 100 by default).
   */
  public static weight(percent: number): CanaryMatch {
    return new CanaryMatch(CanaryMatchKind.WEIGHT, undefined, undefined, undefined, percent);
  }

  /**
   * Requests with header `name`. With `value`, exactly that value goes to the canary; without it, the
   * controller's semantics apply: `always` goes to the canary, `never` never does, any other value falls
   * through to the cookie and weight.
   */
  public static header(name: string, value?: string): CanaryMatch {
    return new CanaryMatch(CanaryMatchKind.HEADER, name, value, undefined, undefined);
  }

  /**
   * Requests whose header `name` matches the regular expression `regex` (PCRE in ingress-nginx).
   */
  public static headerPattern(name: string, regex: string): CanaryMatch {
    return new CanaryMatch(CanaryMatchKind.HEADER_PATTERN, name, undefined, regex, undefined);
  }

  /**
   * Requests with cookie `name`: `always` goes to the canary, `never` never does, other values fall through.
   */
  public static cookie(name: string): CanaryMatch {
    return new CanaryMatch(CanaryMatchKind.COOKIE, name, undefined, undefined, undefined);
  }

  private constructor(
    /** What the match looks at. */
    public readonly kind: CanaryMatchKind,
    /** Header or cookie name. */
    public readonly name?: string,
    /** Exact header value. */
    public readonly value?: string,
    /** Header value regular expression. */
    public readonly pattern?: string,
    /** Weight, for a weight match. */
    public readonly percent?: number,
  ) {}
}
