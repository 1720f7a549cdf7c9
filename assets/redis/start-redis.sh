#!/bin/sh
# cdk8s-stateless: starts one Redis server of the session store.
set -eu
# shellcheck source=common.sh
. "$CONFIG_DIR/common.sh"
check_password

self="$(self_entry "$REDIS_NODES")"
conf="$RUNTIME_DIR/redis.conf"
umask 077
{
  cat "$CONFIG_DIR/redis.conf"
  listen_on "${self##*:}"
  echo "dir $DATA_DIR"
  acl_users redis
  if [ "$TOPOLOGY" = sentinel ]; then
    echo "masteruser replicator"
    # the replicator's own credential (common.sh, role_password), accepted by every server during a rotation
    printf '%s\n' "masterauth $(quoted "$(role_password replicator "$REDIS_PASSWORD")")"
  fi
} > "$conf"

if [ "$TOPOLOGY" = sentinel ]; then
  # Replicas announce their resolvable host name, so Sentinels and clients can reach them.
  echo "replica-announce-ip ${self%:*}" >> "$conf"
  echo "replica-announce-port ${self##*:}" >> "$conf"
  # 1. The Sentinels know the current primary (they keep it on their volumes across restarts): follow it,
  #    even if this pod was the primary before it restarted (it rejoins as a replica).
  master="$(current_primary "")"
  # 2. No Sentinel answers, but this node holds data: it is a restart, not a first start. After a failover
  #    a peer may hold newer data than this node, and only the Sentinels know which one: a node that elected
  #    itself here would make the others resync from it and drop every write made since the failover.
  #    So wait for the Sentinels (they start at the same time on a cold restart of the whole store).
  if [ -z "$master" ] && holds_data; then
    wait_s="${START_WAIT_SECONDS:-60}"
    echo "cdk8s-stateless: this node holds data and no Sentinel reports a primary yet; waiting up to ${wait_s} s for the Sentinels"
    deadline=$(($(date +%s) + wait_s))
    while [ -z "$master" ] && [ "$(date +%s)" -lt "$deadline" ]; do
      sleep 2
      master="$(current_primary "")"
    done
    if [ -z "$master" ]; then
      echo "cdk8s-stateless: refusing to start: this node holds data, and no Sentinel reported a primary within ${wait_s} s." >&2
      echo "cdk8s-stateless: electing itself could discard newer writes held by a peer; check the Sentinel pods." >&2
      exit 1
    fi
  fi
  # 3. No Sentinel knows a primary and this node holds no data: this is the first start, and the first node
  #    is the primary.
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
