import * as fs from 'fs';
import * as path from 'path';

/**
 * The shell scripts and configuration files of a RedisSessionStore, as they are written
 * into its ConfigMap.
 *
 * Everything that differs between pods or environments comes from environment variables,
 * so the same files run in the cluster and, with loopback addresses, in the end-to-end tests:
 *
 * - `POD_NAME`       the pod name; its ordinal suffix (`-0`, `-1`) picks this node's entry
 * - `REDIS_NODES`    space-separated `host:port` of every Redis server, in ordinal order
 * - `SENTINEL_NODES` space-separated `host:port` of every Sentinel, in ordinal order (Sentinel topology)
 * - `SENTINEL_MASTER`, `SENTINEL_QUORUM` the master set name and quorum
 * - `TOPOLOGY`       `standalone` or `sentinel`
 * - `REDIS_PASSWORD`, `REDISCLI_AUTH` the password, from the user's Secret
 * - `CONFIG_DIR`, `RUNTIME_DIR`, `DATA_DIR` where the ConfigMap is mounted, a writable scratch
 *   directory for the generated configuration, and the persistent data directory
 *
 * The scripts run with the image's `valkey-*` binaries, or `redis-*` when those are absent,
 * so an image override to Redis works unchanged.
 *
 * The scripts are real files in `assets/redis/` (shipped in the npm package next to `lib/`, checked by
 * `shellcheck` in `npm test`) and are read when a store is synthesized.
 */

/**
 * Where the scripts are: `assets/redis/` at the package root. This file is `src/session/redis-scripts.ts`
 * under ts-jest and ts-node, and `lib/session/redis-scripts.js` once compiled: both are two levels below
 * the root, so one relative path serves both.
 */
export const REDIS_ASSETS_DIR = path.join(__dirname, '..', '..', 'assets', 'redis');

/** The scripts of a store, by the file name they get in the ConfigMap (and in `assets/redis/`). */
export type RedisScript = 'common.sh' | 'start-redis.sh' | 'start-sentinel.sh' | 'prestop-redis.sh' | 'probe.sh';

const scriptCache = new Map<RedisScript, string>();

/** The text of one script, read once per process. */
export function redisScript(name: RedisScript): string {
  let text = scriptCache.get(name);
  if (text === undefined) {
    text = fs.readFileSync(path.join(REDIS_ASSETS_DIR, name), 'utf8');
    scriptCache.set(name, text);
  }
  return text;
}

/** Options that shape the static configuration files. */
export interface RedisConfigOptions {
  readonly maxmemoryBytes: number;
  readonly maxmemoryPolicy: string;
  readonly sentinel: boolean;
  readonly masterName: string;
  readonly downAfterMs: number;
  readonly failoverTimeoutMs: number;
}

/**
 * `min-replicas-max-lag`, derived from the Sentinels' detection time.
 *
 * A primary counts a replica as good while `server.unixtime - repl_ack_time <= min-replicas-max-lag` (whole
 * seconds), and it recounts only once a second, in replicationCron, or when a replica connects or disconnects
 * (redis/redis src/replication.c, refreshGoodSlavesCount; processCommand refuses writes with NOREPLICAS while
 * the count is below min-replicas-to-write). Replicas acknowledge every second. So a primary cut off from its
 * replicas refuses writes at the latest `max-lag + 2` s after the last acknowledgement it processed. The
 * Sentinels promote a replica no earlier than `down-after-milliseconds` after the primary stopped answering.
 * With `max-lag + 2 <= down-after` the cut-off primary has stopped accepting writes before any replica is
 * promoted. (It was 10 s against a 5 s down-after: a primary stalled for 8-10 s kept accepting writes that the
 * failover then discarded.) What this cannot cover: commands a stalled primary already holds in its socket
 * buffers when it resumes are processed before its next recount; only WAIT tells a client that a write reached
 * the replicas (see the README's store section).
 */
export function minReplicasMaxLag(downAfterMs: number): number {
  return Math.max(1, Math.floor(downAfterMs / 1000) - 2);
}

/** redis.conf: the static part (ports, addresses and secrets are appended by start-redis.sh). */
export function redisConf(o: RedisConfigOptions): string {
  const maxLag = minReplicasMaxLag(o.downAfterMs);
  const lines = [
    '# cdk8s-stateless: Redis configuration of a session store (port, dir, auth and replication are appended at start).',
    'bind * -::*',
    'protected-mode yes',
    '# Durability: every write goes to the append-only file, fsync once a second.',
    'appendonly yes',
    'appendfsync everysec',
    'save ""',
    `maxmemory ${o.maxmemoryBytes}`,
    `maxmemory-policy ${o.maxmemoryPolicy}`,
    'tcp-keepalive 60',
    'timeout 0',
  ];
  if (o.sentinel) {
    lines.push(
      `# A primary that has heard from no replica for ${maxLag} s stops accepting writes (NOREPLICAS), before the`,
      `# Sentinels can declare it down (${o.downAfterMs} ms), so a cut-off primary cannot accept sessions a failover discards.`,
      'min-replicas-to-write 1',
      `min-replicas-max-lag ${maxLag}`,
      'replica-serve-stale-data yes',
      'replica-read-only yes',
    );
  }
  return lines.join('\n') + '\n';
}

/** sentinel.conf: the static part before `sentinel monitor`. */
export function sentinelConf(): string {
  return [
    '# cdk8s-stateless: Sentinel configuration (port, announce address, auth and monitor are appended at start).',
    'bind * -::*',
    'protected-mode no',
    '# Pods get new IP addresses when they restart: Sentinels track and announce host names.',
    'sentinel resolve-hostnames yes',
    'sentinel announce-hostnames yes',
    '',
  ].join('\n');
}

/** sentinel-master.conf: settings of the monitored set, after `sentinel monitor`. */
export function sentinelMasterConf(o: RedisConfigOptions): string {
  return [
    `sentinel down-after-milliseconds ${o.masterName} ${o.downAfterMs}`,
    `sentinel failover-timeout ${o.masterName} ${o.failoverTimeoutMs}`,
    `sentinel parallel-syncs ${o.masterName} 1`,
    '',
  ].join('\n');
}
