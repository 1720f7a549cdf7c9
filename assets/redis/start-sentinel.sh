#!/bin/sh
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
  echo "port ${self##*:}"
  echo "dir $RUNTIME_DIR"
  echo "sentinel announce-ip ${self%:*}"
  echo "sentinel announce-port ${self##*:}"
  printf '%s\n' "requirepass $(quoted "$REDIS_PASSWORD")"
  printf '%s\n' "sentinel sentinel-pass $(quoted "$REDIS_PASSWORD")"
  echo "sentinel monitor $SENTINEL_MASTER ${master%:*} ${master##*:} $SENTINEL_QUORUM"
  printf '%s\n' "sentinel auth-pass $SENTINEL_MASTER $(quoted "$REDIS_PASSWORD")"
  cat "$CONFIG_DIR/sentinel-master.conf"
} > "$conf"
exec "$SENTINEL" "$conf"
