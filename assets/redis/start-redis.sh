#!/bin/sh
# cdk8s-stateless: starts one Redis server of the session store.
set -eu
. "$CONFIG_DIR/common.sh"

self="$(self_entry "$REDIS_NODES")"
conf="$RUNTIME_DIR/redis.conf"
umask 077
{
  cat "$CONFIG_DIR/redis.conf"
  echo "port ${self##*:}"
  echo "dir $DATA_DIR"
  printf '%s\n' "requirepass $(quoted "$REDIS_PASSWORD")"
  printf '%s\n' "masterauth $(quoted "$REDIS_PASSWORD")"
} > "$conf"

if [ "$TOPOLOGY" = sentinel ]; then
  # Replicas announce their resolvable host name, so Sentinels and clients can reach them.
  echo "replica-announce-ip ${self%:*}" >> "$conf"
  echo "replica-announce-port ${self##*:}" >> "$conf"
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
    echo "replicaof ${master%:*} ${master##*:}" >> "$conf"
  fi
fi
exec "$SERVER" "$conf"
