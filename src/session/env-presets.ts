import { RedisTopology, SessionStoreAccess, SessionStoreConnection } from './session-store';

/**
 * Which environment variables a bound app receives for its session store.
 */
export enum SessionEnvPreset {
  /**
   * `REDIS_URL`, `REDIS_HOST`, `REDIS_PORT`, `REDIS_TLS`, `REDIS_PASSWORD`; for Sentinel
   * `REDIS_SENTINELS` (comma-separated `host:port`), `REDIS_SENTINEL_MASTER`, `REDIS_PASSWORD`
   * and `REDIS_SENTINEL_PASSWORD`. With a store that gives each app its own ACL user (RedisSessionStore):
   * `REDIS_USERNAME`, `REDIS_SENTINEL_USERNAME` and `REDIS_KEY_PREFIX`, the only key
   * prefix the user may access.
   */
  GENERIC = 'generic',
  /**
   * Spring Boot 3.x / Spring Session (the `spring.data.redis.*` properties of Spring Boot 3; Spring Boot 2 is not
   * targeted): `SPRING_DATA_REDIS_HOST`,
   * `SPRING_DATA_REDIS_PORT`, `SPRING_DATA_REDIS_PASSWORD`, `SPRING_DATA_REDIS_SSL_ENABLED`; for Sentinel
   * `SPRING_DATA_REDIS_SENTINEL_MASTER`, `SPRING_DATA_REDIS_SENTINEL_NODES` and `SPRING_DATA_REDIS_SENTINEL_PASSWORD`
   * instead of host and port. With a per-app ACL user: `SPRING_DATA_REDIS_USERNAME`,
   * `SPRING_DATA_REDIS_SENTINEL_USERNAME` and `SPRING_SESSION_REDIS_NAMESPACE` (`<prefix>spring:session`).
   */
  SPRING_BOOT = 'spring-boot',
  /**
   * node-redis (v4/v5) with connect-redis: `REDIS_URL` (`redis://` or `rediss://`) and `REDIS_PASSWORD`; for Sentinel
   * `REDIS_SENTINEL_NAME` and `REDIS_SENTINEL_ROOT_NODES` (JSON `[{"host":..,"port":..}]`, ready for
   * `createSentinel({ name, sentinelRootNodes })`), `REDIS_PASSWORD`, `REDIS_SENTINEL_PASSWORD` and `REDIS_TLS`.
   * With a per-app ACL user: `REDIS_USERNAME`, `REDIS_SENTINEL_USERNAME`
   * and `REDIS_KEY_PREFIX` (connect-redis `prefix`).
   */
  NODE_REDIS = 'node-redis',
}

/**
 * One environment variable: a literal value, or a key of the store's password Secret.
 * @internal
 */
export interface SessionEnvVar {
  readonly name: string;
  readonly value?: string;
  /** true: the value is the store's password, read with secretKeyRef. */
  readonly password?: boolean;
}

/**
 * The environment variables of a preset for a connection and a client's access, in a stable order.
 *
 * How each client takes a user name (ACL user, Redis 6+ / Valkey):
 * - ioredis: options `username` and `sentinelUsername` (ioredis built/redis/RedisOptions.d.ts,
 *   built/connectors/SentinelConnector/index.d.ts, v5);
 * - Spring Boot 3: `spring.data.redis.username` and `spring.data.redis.sentinel.username` ("Login username for
 *   authenticating with sentinel(s)", spring-projects/spring-boot RedisProperties.Sentinel; application
 *   properties appendix), read from SPRING_DATA_REDIS_USERNAME / SPRING_DATA_REDIS_SENTINEL_USERNAME by relaxed
 *   binding; the key prefix through `spring.session.redis.namespace` (default "spring:session");
 * - node-redis: the `username` option of `createClient`, and for `createSentinel` the `nodeClientOptions` /
 *   `sentinelClientOptions` ("Use this for example when specifying an ACL user to connect with",
 *   redis/node-redis docs/sentinel.md); connect-redis takes the key prefix as `prefix`.
 * REDIS_URL never carries the user: ioredis (5.11, built/Redis.js parseOptions) merges its arguments with lodash
 * `defaults` in order, so `new Redis("redis://user@host", { password })` keeps the URL's empty password and fails
 * with WRONGPASS (found by test/session-app-e2e.test.ts). The user comes in REDIS_USERNAME.
 * @internal
 */
export function sessionEnvironment(preset: SessionEnvPreset, c: SessionStoreConnection, access: SessionStoreAccess = {}): SessionEnvVar[] {
  const sentinel = c.topology === RedisTopology.SENTINEL;
  const sentinels = c.sentinels ?? [`${c.host}:${c.port}`];
  const scheme = c.tls ? 'rediss' : 'redis';
  const tls = String(c.tls);
  const sentinelPassword = sentinel && c.sentinelRequiresPassword;
  const user = access.username;
  const prefix = access.keyPrefix;
  const opt = (name: string, value: string | undefined): SessionEnvVar[] => (value === undefined ? [] : [{ name, value }]);
  switch (preset) {
    case SessionEnvPreset.SPRING_BOOT:
      return [
        ...(sentinel
          ? [
            { name: 'SPRING_DATA_REDIS_SENTINEL_MASTER', value: c.sentinelMasterName },
            { name: 'SPRING_DATA_REDIS_SENTINEL_NODES', value: sentinels.join(',') },
          ]
          : [
            { name: 'SPRING_DATA_REDIS_HOST', value: c.host },
            { name: 'SPRING_DATA_REDIS_PORT', value: String(c.port) },
          ]),
        ...opt('SPRING_DATA_REDIS_USERNAME', user),
        { name: 'SPRING_DATA_REDIS_PASSWORD', password: true },
        ...(sentinelPassword ? [...opt('SPRING_DATA_REDIS_SENTINEL_USERNAME', user), { name: 'SPRING_DATA_REDIS_SENTINEL_PASSWORD', password: true }] : []),
        { name: 'SPRING_DATA_REDIS_SSL_ENABLED', value: tls },
        // Spring Session's keys are "<namespace>:sessions:<id>": the namespace starts with the allowed prefix
        ...opt('SPRING_SESSION_REDIS_NAMESPACE', prefix === undefined ? undefined : `${prefix}spring:session`),
      ];
    case SessionEnvPreset.NODE_REDIS:
      if (sentinel) {
        const nodes = sentinels.map((s) => {
          const at = s.lastIndexOf(':');
          return { host: s.slice(0, at), port: Number(s.slice(at + 1)) };
        });
        return [
          { name: 'REDIS_SENTINEL_NAME', value: c.sentinelMasterName },
          { name: 'REDIS_SENTINEL_ROOT_NODES', value: JSON.stringify(nodes) },
          ...opt('REDIS_USERNAME', user),
          { name: 'REDIS_PASSWORD', password: true },
          ...(sentinelPassword ? [...opt('REDIS_SENTINEL_USERNAME', user), { name: 'REDIS_SENTINEL_PASSWORD', password: true }] : []),
          { name: 'REDIS_TLS', value: tls },
          ...primaryEndpointEnvironment(c, false), // REDIS_URL of the primary endpoint, if any
          ...opt('REDIS_KEY_PREFIX', prefix),
        ];
      }
      return [
        { name: 'REDIS_URL', value: `${scheme}://${c.host}:${c.port}` },
        ...opt('REDIS_USERNAME', user),
        { name: 'REDIS_PASSWORD', password: true },
        ...opt('REDIS_KEY_PREFIX', prefix),
      ];
    case SessionEnvPreset.GENERIC:
    default:
      if (sentinel) {
        return [
          { name: 'REDIS_SENTINELS', value: sentinels.join(',') },
          { name: 'REDIS_SENTINEL_MASTER', value: c.sentinelMasterName },
          ...opt('REDIS_USERNAME', user),
          { name: 'REDIS_PASSWORD', password: true },
          ...(sentinelPassword ? [...opt('REDIS_SENTINEL_USERNAME', user), { name: 'REDIS_SENTINEL_PASSWORD', password: true }] : []),
          { name: 'REDIS_TLS', value: tls },
          ...primaryEndpointEnvironment(c, true), // REDIS_URL/HOST/PORT of the primary endpoint, if any
          ...opt('REDIS_KEY_PREFIX', prefix),
        ];
      }
      return [
        { name: 'REDIS_URL', value: `${scheme}://${c.host}:${c.port}` },
        { name: 'REDIS_HOST', value: c.host },
        { name: 'REDIS_PORT', value: String(c.port) },
        ...opt('REDIS_USERNAME', user),
        { name: 'REDIS_PASSWORD', password: true },
        { name: 'REDIS_TLS', value: tls },
        ...opt('REDIS_KEY_PREFIX', prefix),
      ];
  }
}

/**
 * The variables a preset adds when the store has a primary endpoint: the standalone-style variables, pointing
 * at `<store>-primary`, for clients without Sentinel support (the Sentinel variables stay).
 */
function primaryEndpointEnvironment(c: SessionStoreConnection, hostAndPort: boolean): SessionEnvVar[] {
  if (c.primaryEndpointHost === undefined || c.primaryEndpointPort === undefined) return [];
  const url = { name: 'REDIS_URL', value: `${c.tls ? 'rediss' : 'redis'}://${c.primaryEndpointHost}:${c.primaryEndpointPort}` };
  return hostAndPort
    ? [url, { name: 'REDIS_HOST', value: c.primaryEndpointHost }, { name: 'REDIS_PORT', value: String(c.primaryEndpointPort) }]
    : [url];
}
