import { RedisTopology, SessionStoreConnection } from './session-store';

/**
 * Which environment variables a bound app receives for its session store.
 */
export enum SessionEnvPreset {
  /**
   * `REDIS_URL`, `REDIS_HOST`, `REDIS_PORT`, `REDIS_TLS`, `REDIS_PASSWORD`; for Sentinel
   * `REDIS_SENTINELS` (comma-separated `host:port`), `REDIS_SENTINEL_MASTER`, `REDIS_PASSWORD`
   * and `REDIS_SENTINEL_PASSWORD`.
   */
  GENERIC = 'generic',
  /**
   * Spring Boot 3.x / Spring Session (the `spring.data.redis.*` properties of Spring Boot 3; Spring Boot 2 is not
   * targeted): `SPRING_DATA_REDIS_HOST`,
   * `SPRING_DATA_REDIS_PORT`, `SPRING_DATA_REDIS_PASSWORD`, `SPRING_DATA_REDIS_SSL_ENABLED`; for Sentinel
   * `SPRING_DATA_REDIS_SENTINEL_MASTER`, `SPRING_DATA_REDIS_SENTINEL_NODES` and `SPRING_DATA_REDIS_SENTINEL_PASSWORD`
   * instead of host and port.
   */
  SPRING_BOOT = 'spring-boot',
  /**
   * node-redis (v4/v5) with connect-redis: `REDIS_URL` (`redis://` or `rediss://`) and `REDIS_PASSWORD`; for Sentinel
   * `REDIS_SENTINEL_NAME` and `REDIS_SENTINEL_ROOT_NODES` (JSON `[{"host":..,"port":..}]`, ready for
   * `createSentinel({ name, sentinelRootNodes })`), `REDIS_PASSWORD`, `REDIS_SENTINEL_PASSWORD` and `REDIS_TLS`.
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
 * The environment variables of a preset for a connection, in a stable order.
 * @internal
 */
export function sessionEnvironment(preset: SessionEnvPreset, c: SessionStoreConnection): SessionEnvVar[] {
  const sentinel = c.topology === RedisTopology.SENTINEL;
  const sentinels = c.sentinels ?? [`${c.host}:${c.port}`];
  const scheme = c.tls ? 'rediss' : 'redis';
  const tls = String(c.tls);
  const sentinelPassword = sentinel && c.sentinelRequiresPassword;
  switch (preset) {
    case SessionEnvPreset.SPRING_BOOT:
      return [
        // No SPRING_SESSION_STORE_TYPE: "Explicitly configuring the store type for Spring session via
        // spring.session.store-type is no longer supported" since Spring Boot 3.0, which picks the store from the
        // classpath (Redis first) (Spring Boot 3.0 Migration Guide, "Spring Session Store Type",
        // https://github.com/spring-projects/spring-boot/wiki/Spring-Boot-3.0-Migration-Guide; spring-projects/spring-boot#27756;
        // https://docs.spring.io/spring-boot/reference/web/spring-session.html). Spring Boot 3 ignores the variable.
        ...(sentinel
          ? [
            { name: 'SPRING_DATA_REDIS_SENTINEL_MASTER', value: c.sentinelMasterName },
            { name: 'SPRING_DATA_REDIS_SENTINEL_NODES', value: sentinels.join(',') },
          ]
          : [
            { name: 'SPRING_DATA_REDIS_HOST', value: c.host },
            { name: 'SPRING_DATA_REDIS_PORT', value: String(c.port) },
          ]),
        { name: 'SPRING_DATA_REDIS_PASSWORD', password: true },
        ...(sentinelPassword ? [{ name: 'SPRING_DATA_REDIS_SENTINEL_PASSWORD', password: true }] : []),
        { name: 'SPRING_DATA_REDIS_SSL_ENABLED', value: tls },
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
          { name: 'REDIS_PASSWORD', password: true },
          ...(sentinelPassword ? [{ name: 'REDIS_SENTINEL_PASSWORD', password: true }] : []),
          { name: 'REDIS_TLS', value: tls },
        ];
      }
      return [
        { name: 'REDIS_URL', value: `${scheme}://${c.host}:${c.port}` },
        { name: 'REDIS_PASSWORD', password: true },
      ];
    case SessionEnvPreset.GENERIC:
    default:
      if (sentinel) {
        return [
          { name: 'REDIS_SENTINELS', value: sentinels.join(',') },
          { name: 'REDIS_SENTINEL_MASTER', value: c.sentinelMasterName },
          { name: 'REDIS_PASSWORD', password: true },
          ...(sentinelPassword ? [{ name: 'REDIS_SENTINEL_PASSWORD', password: true }] : []),
          { name: 'REDIS_TLS', value: tls },
        ];
      }
      return [
        { name: 'REDIS_URL', value: `${scheme}://${c.host}:${c.port}` },
        { name: 'REDIS_HOST', value: c.host },
        { name: 'REDIS_PORT', value: String(c.port) },
        { name: 'REDIS_PASSWORD', password: true },
        { name: 'REDIS_TLS', value: tls },
      ];
  }
}
