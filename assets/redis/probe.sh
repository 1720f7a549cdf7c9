#!/bin/sh
# cdk8s-stateless: readiness (and startup) probe: probe.sh redis|sentinel, on this pod's own port.
# A Sentinel is ready when it answers PING. A Redis server is ready when it serves its whole data set:
# - not loading its AOF or RDB ("loading:0" in INFO persistence);
# - as a replica, when its initial sync has finished: "master_link_status:up" and "master_sync_in_progress:0"
#   in INFO replication. A replica that answers PING is not yet a copy of the primary: Redis answers commands
#   while it still waits for or loads the primary's RDB. Sentinel does not know either: it skips replicas whose
#   link has been down for long (master_link_down_since_seconds), but a replica that has never been in sync since
#   its start reports -1 there (redis/redis 7.0.15 src/server.c genRedisInfoString, "server.repl_down_since ?
#   ... : -1"; valkey-io/valkey 8.0.1 src/server.c the same) and so passes sentinelSelectSlave's
#   "master_link_down_time > max_master_down_time" test (src/sentinel.c). Ready only when synced, the
#   StatefulSet's rolling update and the PodDisruptionBudget move to the next pod only once this one holds a copy.
set -eu
# shellcheck source=common.sh
. "$CONFIG_DIR/common.sh"
# as the "probe" ACL user, with its own credential (common.sh, role_password)
CLI_USER=probe
REDISCLI_AUTH="$(role_password probe "$REDIS_PASSWORD")"
export REDISCLI_AUTH
if [ "${1:-redis}" = sentinel ]; then
  self="$(self_entry "$SENTINEL_NODES")"
  [ "$(ask "127.0.0.1:${self##*:}" PING)" = PONG ]
  exit
fi
self="$(self_entry "$REDIS_NODES")"
me="127.0.0.1:${self##*:}"
info="$(ask "$me" INFO replication)$(printf '\n')$(ask "$me" INFO persistence)"
field() { printf '%s\n' "$info" | tr -d '\r' | sed -n "s/^$1://p" | head -n 1; }
[ "$(field loading)" = 0 ] || { echo "not ready: loading its data set"; exit 1; }
case "$(field role)" in
  master) exit 0 ;;
  slave)
    [ "$(field master_link_status)" = up ] || { echo "not ready: replica, link to the primary down"; exit 1; }
    [ "$(field master_sync_in_progress)" = 0 ] || { echo "not ready: replica, initial sync in progress"; exit 1; }
    exit 0 ;;
  *) echo "not ready: no answer"; exit 1 ;;
esac
