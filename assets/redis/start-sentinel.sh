#!/bin/sh
# cdk8s-stateless: starts one Redis Sentinel of the session store.
set -eu
# shellcheck source=common.sh
. "$CONFIG_DIR/common.sh"
check_password

self="$(self_entry "$SENTINEL_NODES")"
# The configuration lives on this Sentinel's PersistentVolumeClaim. Sentinel rewrites it whenever its
# state changes (redis/redis src/sentinel.c, rewriteConfigSentinelOption: "in order to retain the state of
# Sentinel across restarts: config epoch of masters, associated slaves and sentinel instances"), so after a
# restart, even of every pod at once, this Sentinel still knows which node was promoted last.
# The file holds the password (as the generated configuration always did), readable by this pod only.
conf="$DATA_DIR/sentinel.conf"
umask 077

# The state saved by the previous run, if any: the monitored address and the config epoch of that view.
saved=""
[ ! -f "$conf" ] || saved="$(cat "$conf")"
saved_line() { printf '%s\n' "$saved" | grep -E "^sentinel $1" || true; }
saved_master="$(saved_line "monitor $SENTINEL_MASTER " | sed -n '1s/^sentinel monitor [^ ]* \([^ ]*\) \([0-9]*\) .*$/\1:\2/p')"
saved_epoch="$(saved_line "config-epoch $SENTINEL_MASTER " | sed -n '1s/^.* //p')"
case "$saved_epoch" in ''|*[!0-9]*) saved_epoch=0 ;; esac

master=""
attempt=0
while [ -z "$master" ] && [ "$attempt" -lt 10 ]; do
  # 1. Other Sentinels already monitor the set: take the newest configuration, theirs or the saved one.
  view="$(newest_view "$self")"
  if [ -n "$view" ]; then
    if [ -n "$saved_master" ] && [ "$saved_epoch" -gt "${view%% *}" ]; then master="$saved_master"; else master="${view#* }"; fi
  fi
  # 2. No peer answers: the saved state of this Sentinel.
  [ -n "$master" ] || master="$saved_master"
  # 3. Otherwise the Redis server that says it is a primary.
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
# 4. Nothing answers: the first node, which is the primary on a first start.
[ -n "$master" ] || master="$(nth_entry "$REDIS_NODES" 0)"
echo "cdk8s-stateless: monitoring primary $master"

{
  cat "$CONFIG_DIR/sentinel.conf"
  listen_on "${self##*:}"
  echo "dir $RUNTIME_DIR"
  echo "sentinel announce-ip ${self%:*}"
  echo "sentinel announce-port ${self##*:}"
  acl_users sentinel
  # Sentinels authenticate to each other as admin, and to the Redis servers as the "sentinel" user
  echo "sentinel sentinel-user admin"
  printf '%s\n' "sentinel sentinel-pass $(quoted "$REDIS_PASSWORD")"
  # identity and election epochs of the previous run
  saved_line "myid "
  saved_line "current-epoch "
  echo "sentinel monitor $SENTINEL_MASTER ${master%:*} ${master##*:} $SENTINEL_QUORUM"
  echo "sentinel auth-user $SENTINEL_MASTER sentinel"
  printf '%s\n' "sentinel auth-pass $SENTINEL_MASTER $(quoted "$(role_password sentinel "$REDIS_PASSWORD")")"
  cat "$CONFIG_DIR/sentinel-master.conf"
  if [ "$master" = "$saved_master" ]; then
    saved_line "config-epoch $SENTINEL_MASTER "
    saved_line "leader-epoch $SENTINEL_MASTER "
  fi
  saved_line "known-sentinel $SENTINEL_MASTER "
  # Every other Redis server is a known replica, saved or not: a Sentinel that restarts while the primary is
  # down cannot learn the replicas from it (it lists them in INFO), and without any it can only abort the
  # failover (-failover-abort-no-good-slave). sentinel.c reads "known-replica <name> <ip> <port>" into the
  # master's replicas (sentinelHandleConfiguration); a duplicate would stop it from starting, hence the dedup.
  # A replica whose pod does not exist yet is no obstacle: with resolve-hostnames yes, sentinel.c keeps an
  # unresolved host name (createSentinelRedisInstance calls createSentinelAddr(hostname, port, 1), "accept
  # unresolved") and resolves it later.
  {
    saved_line "known-replica $SENTINEL_MASTER "
    for n in $REDIS_NODES; do echo "sentinel known-replica $SENTINEL_MASTER ${n%:*} ${n##*:}"; done
  } | grep -v -F -x "sentinel known-replica $SENTINEL_MASTER ${master%:*} ${master##*:}" | awk '!seen[$0]++'
} > "$conf.new"
mv "$conf.new" "$conf"
exec "$SENTINEL" "$conf"
