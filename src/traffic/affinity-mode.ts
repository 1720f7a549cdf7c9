/** Annotation that carries the written justification of any affinity, for the reviewer of the YAML. */
export const JUSTIFICATION_ANNOTATION = 'stateless.cdk8s.io/affinity-justification';

/**
 * How sticky a cookie-affinity route is.
 */
export enum AffinityMode {
  /**
   * ingress-nginx `balanced`: when the backend scales up, some users are redistributed to the new pods
   * (about (n-c)/n of them when going from c to n pods). Better load spread, more lost in-memory sessions.
   */
  BALANCED = 'balanced',
  /**
   * ingress-nginx `persistent`: a user stays on their pod for as long as it exists. Maximum stickiness;
   * new pods only ever get new users, so an overloaded pod stays overloaded.
   */
  PERSISTENT = 'persistent',
}

/**
 * The SameSite attribute of the affinity cookie.
 */
export enum SameSite {
  /** Sent on top-level navigations and same-site requests (the browser default). */
  LAX = 'Lax',
  /** Sent on same-site requests only. */
  STRICT = 'Strict',
  /** Sent on cross-site requests too; browsers require `Secure`. */
  NONE = 'None',
}
