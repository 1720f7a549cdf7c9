/** Annotation that carries the written justification of any affinity, for the reviewer of the YAML. */
export const JUSTIFICATION_ANNOTATION = 'stateless.cdk8s.io/affinity-justification';

/**
 * How sticky a cookie-affinity route is.
 */
export enum AffinityMode {
  /**
   * When the backend scales up, some pinned users are moved to the new pods (about (n-c)/n of them when going
   * from c to n pods): better load spread, more lost in-memory sessions. Not every controller can do it; its
   * provider refuses it then.
   */
  BALANCED = 'balanced',
  /**
   * A user stays on their pod for as long as it exists: maximum stickiness; new pods only ever get new users,
   * so an overloaded pod stays overloaded.
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
