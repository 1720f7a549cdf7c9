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
 */

/** Shared helpers, sourced by the other scripts. */
export const COMMON_SH = `# cdk8s-stateless: helpers shared by the session store scripts.
if command -v valkey-server >/dev/null 2>&1; then
  SERVER=valkey-server; SENTINEL=valkey-sentinel; CLI=valkey-cli
else
  SERVER=redis-server; SENTINEL=redis-sentinel; CLI=redis-cli
fi

# nth_entry LIST N: the N-th (0-based) word of LIST
nth_entry() { echo "$1" | tr ' ' '\\n' | grep -v '^$' | sed -n "$(($2 + 1))p"; }

# self_entry LIST: this pod's host:port in LIST, by the ordinal suffix of POD_NAME
self_entry() { nth_entry "$1" "\${POD_NAME##*-}"; }

# quoted VALUE: VALUE as a double-quoted Redis configuration string
quoted() { printf '"%s"' "$(printf '%s' "$1" | sed 's/\\\\/\\\\\\\\/g; s/"/\\\\"/g')"; }

# ask HOST:PORT ARGS...: one command, 3 s at most, empty output on any failure (auth from REDISCLI_AUTH)
ask() {
  target="$1"; shift
  timeout 3 "$CLI" -h "\${target%:*}" -p "\${target##*:}" --raw "$@" 2>/dev/null || true
}

# sentinel_master SENTINEL: host:port of the primary that SENTINEL reports, or nothing
sentinel_master() {
  reply="$(ask "$1" SENTINEL get-master-addr-by-name "$SENTINEL_MASTER")"
  host="$(echo "$reply" | sed -n 1p)"; port="$(echo "$reply" | sed -n 2p)"
  case "$port" in ''|*[!0-9]*) return 0 ;; esac
  case "$host" in ''|*' '*) return 0 ;; esac
  echo "$host:$port"
}

# current_primary [EXCEPT]: host:port of the primary in the newest view any Sentinel has, or nothing.
# Right after a failover the Sentinels disagree for a while, so the first answer may be stale: the
# Sentinel running a failover (flag failover_in_progress) already names the promoted replica; otherwise
# the highest config-epoch wins. EXCEPT skips one Sentinel (the caller itself).
current_primary() {
  best=""; best_rank=-1
  for s in $SENTINEL_NODES; do
    [ "$s" = "\${1:-}" ] && continue
    addr="$(sentinel_master "$s")"
    [ -n "$addr" ] || continue
    info="$(ask "$s" SENTINEL master "$SENTINEL_MASTER")"
    rank="$(echo "$info" | sed -n '/^config-epoch$/{n;p;q;}')"
    case "$rank" in ''|*[!0-9]*) rank=0 ;; esac
    case "$(echo "$info" | sed -n '/^flags$/{n;p;q;}')" in *failover_in_progress*) rank=999999999 ;; esac
    if [ "$rank" -gt "$best_rank" ]; then best="$addr"; best_rank="$rank"; fi
  done
  echo "$best"
}
`;

/** Starts one Redis server: standalone, or in the Sentinel topology as primary or replica. */
export const START_REDIS_SH = `#!/bin/sh
# cdk8s-stateless: starts one Redis server of the session store.
set -eu
. "$CONFIG_DIR/common.sh"

self="$(self_entry "$REDIS_NODES")"
conf="$RUNTIME_DIR/redis.conf"
umask 077
{
  cat "$CONFIG_DIR/redis.conf"
  echo "port \${self##*:}"
  echo "dir $DATA_DIR"
  printf '%s\\n' "requirepass $(quoted "$REDIS_PASSWORD")"
  printf '%s\\n' "masterauth $(quoted "$REDIS_PASSWORD")"
} > "$conf"

if [ "$TOPOLOGY" = sentinel ]; then
  # Replicas announce their resolvable host name, so Sentinels and clients can reach them.
  echo "replica-announce-ip \${self%:*}" >> "$conf"
  echo "replica-announce-port \${self##*:}" >> "$conf"
  # 1. After a failover the Sentinels know the current primary: follow it (the newest configuration
  #    they report), even if this pod was the primary before it restarted (it rejoins as a replica).
  master="$(current_primary)"
  # 2. No Sentinel knows a primary: this is the first start, and the first node is the primary.
  if [ -z "$master" ]; then
    master="$(nth_entry "$REDIS_NODES" 0)"
    echo "cdk8s-stateless: no Sentinel reports a primary; first start, primary is $master"
  else
    echo "cdk8s-stateless: Sentinels report the primary $master"
  fi
  if [ "$master" != "$self" ]; then
    echo "replicaof \${master%:*} \${master##*:}" >> "$conf"
  fi
fi
exec "$SERVER" "$conf"
`;

/** Starts one Sentinel, monitoring the current primary. */
export const START_SENTINEL_SH = `#!/bin/sh
# cdk8s-stateless: starts one Redis Sentinel of the session store.
set -eu
. "$CONFIG_DIR/common.sh"

self="$(self_entry "$SENTINEL_NODES")"
master=""
attempt=0
while [ -z "$master" ] && [ "$attempt" -lt 10 ]; do
  # 1. Other Sentinels already monitor the set: take their newest configuration.
  master="$(current_primary "$self")"
  # 2. Otherwise the Redis server that says it is a primary.
  if [ -z "$master" ]; then
    for n in $REDIS_NODES; do
      if [ "$(ask "$n" ROLE | sed -n 1p)" = master ]; then master="$n"; break; fi
    done
  fi
  if [ -z "$master" ]; then
    attempt=$((attempt + 1))
    sleep 3
  fi
done
# 3. Nothing answers: the first node, which is the primary on a first start.
[ -n "$master" ] || master="$(nth_entry "$REDIS_NODES" 0)"
echo "cdk8s-stateless: monitoring primary $master"

conf="$RUNTIME_DIR/sentinel.conf"
umask 077
{
  cat "$CONFIG_DIR/sentinel.conf"
  echo "port \${self##*:}"
  echo "dir $RUNTIME_DIR"
  echo "sentinel announce-ip \${self%:*}"
  echo "sentinel announce-port \${self##*:}"
  printf '%s\\n' "requirepass $(quoted "$REDIS_PASSWORD")"
  printf '%s\\n' "sentinel sentinel-pass $(quoted "$REDIS_PASSWORD")"
  echo "sentinel monitor $SENTINEL_MASTER \${master%:*} \${master##*:} $SENTINEL_QUORUM"
  printf '%s\\n' "sentinel auth-pass $SENTINEL_MASTER $(quoted "$REDIS_PASSWORD")"
  cat "$CONFIG_DIR/sentinel-master.conf"
} > "$conf"
exec "$SENTINEL" "$conf"
`;

/**
 * preStop of a Redis server in the Sentinel topology: a primary that is about to stop (rolling update,
 * drain, eviction) asks the Sentinels for a planned failover and waits until they name another primary,
 * so the stop costs a second of switching instead of down-after-milliseconds of refused writes.
 */
export const PRESTOP_REDIS_SH = `#!/bin/sh
# cdk8s-stateless: hand the primary role over before this Redis server stops.
set -u
. "$CONFIG_DIR/common.sh"
[ "$TOPOLOGY" = sentinel ] || exit 0
self="$(self_entry "$REDIS_NODES")"
[ "$(ask "127.0.0.1:\${self##*:}" ROLE | sed -n 1p)" = master ] || exit 0
# A Sentinel may refuse for a moment (NOGOODSLAVE while a replica resyncs, INPROG): retry for up to 10 s.
attempt=0
while [ "$attempt" -lt 10 ]; do
  for s in $SENTINEL_NODES; do
    reply="$(ask "$s" SENTINEL FAILOVER "$SENTINEL_MASTER")"
    if [ "$reply" != OK ]; then
      echo "cdk8s-stateless: Sentinel $s refused the failover: \${reply:-no answer}"
      continue
    fi
    echo "cdk8s-stateless: primary $self stopping; failover requested from Sentinel $s"
    # wait until every Sentinel that answers names another primary, so that clients asking any of them
    # find the new one (15 s at most, within terminationGracePeriodSeconds)
    i=0
    while [ "$i" -lt 15 ]; do
      agreed=yes
      master=""
      for t in $SENTINEL_NODES; do
        m="$(sentinel_master "$t")"
        if [ "$m" = "$self" ]; then agreed=no; fi
        if [ -n "$m" ] && [ "$m" != "$self" ]; then master="$m"; fi
      done
      if [ "$agreed" = yes ] && [ -n "$master" ]; then
        echo "cdk8s-stateless: Sentinels promoted $master"
        exit 0
      fi
      sleep 1
      i=$((i + 1))
    done
    echo "cdk8s-stateless: the Sentinels did not all name a new primary within 15 s"
    exit 0
  done
  attempt=$((attempt + 1))
  sleep 1
done
echo "cdk8s-stateless: no Sentinel accepted a failover; stopping as primary"
exit 0
`;

/** Readiness probe: `probe.sh PORT` answers PONG. */
export const PROBE_SH = `#!/bin/sh
# cdk8s-stateless: readiness probe, PING on this pod's port.
set -eu
. "$CONFIG_DIR/common.sh"
[ "$(ask "127.0.0.1:$1" PING)" = PONG ]
`;

/** Options that shape the static configuration files. */
export interface RedisConfigOptions {
  readonly maxmemoryBytes: number;
  readonly maxmemoryPolicy: string;
  readonly sentinel: boolean;
  readonly masterName: string;
  readonly downAfterMs: number;
  readonly failoverTimeoutMs: number;
}

/** redis.conf: the static part (ports, addresses and secrets are appended by start-redis.sh). */
export function redisConf(o: RedisConfigOptions): string {
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
      '# A primary that has lost every replica for 10 s stops accepting writes,',
      '# so a partitioned old primary cannot accept sessions that the failover would discard.',
      'min-replicas-to-write 1',
      'min-replicas-max-lag 10',
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
