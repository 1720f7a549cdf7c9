#!/bin/sh
# cdk8s-stateless: hand the primary role over before this Redis server stops, losing no acknowledged write.
#
# SENTINEL FAILOVER alone loses writes: it promotes a replica (sentinelStartFailover, src/sentinel.c) and leaves the
# old primary running and accepting writes until a Sentinel reconfigures it, at the earliest 4 publish periods
# (8 s) after it sees it still claiming the master role ("A slave turned into a master. We want to force our view
# and reconfigure as slave. Wait some time", sentinelRefreshInstanceInfo, redis/redis 7.0.15 and
# valkey-io/valkey 8.0.1 src/sentinel.c). Its other replicas keep acknowledging for about a second, so
# min-replicas-to-write and even WAIT 1 succeed, and the promotion discards those writes.
# The coordinated FAILOVER command (src/replication.c failoverCommand) does pause and hand over, but the old
# primary then claims to be a replica, which Sentinel only treats as unreachable ("masters claiming to be slaves
# are considered to be unreachable by Sentinel, so eventually a failover will be triggered"): a second, Sentinel
# driven failover follows, choosing its own replica. So this hook does what failoverCommand does, and lets the
# Sentinels choose and promote:
# 1. CLIENT PAUSE <ms> WRITE: from now on this server executes no command that writes or may replicate; such
#    commands wait, unanswered (processCommand: "If the server is paused, block the client until the pause has
#    ended. Replicas are never paused", redis/redis 7.0.15 src/server.c; valkey-io/valkey 8.0.1 src/server.c the
#    same). The pause outlives the pod (the hook's budget plus the grace period), so the commands waiting here are
#    never executed on this server: their clients see the connection close and retry on the new primary.
# 2. Wait until every replica has acknowledged the whole replication stream (offset >= master_repl_offset in
#    INFO replication; replicas acknowledge every second, src/replication.c replicationCron), so whichever replica
#    the Sentinels promote holds every acknowledged write.
# 3. SENTINEL FAILOVER, then wait until every Sentinel names the new primary.
set -u
# shellcheck source=common.sh
. "$CONFIG_DIR/common.sh"
[ "$TOPOLOGY" = sentinel ] || exit 0
self="$(self_entry "$REDIS_NODES")"
me="127.0.0.1:${self##*:}"
[ "$(ask "$me" ROLE | sed -n 1p)" = master ] || exit 0
# The whole hand-over fits in PRESTOP_BUDGET_SECONDS, which the library derives together with the pod's
# terminationGracePeriodSeconds (one `ask` may overrun the deadline by its 3 s timeout).
budget="${PRESTOP_BUDGET_SECONDS:-15}"
start=$(date +%s)
deadline=$((start + budget))
in_time() { [ "$(date +%s)" -lt "$deadline" ]; }
# say MESSAGE: one log line, with the time since the hook started
say() { echo "cdk8s-stateless: [+$(($(date +%s) - start)) s] $*"; }
peers=$(($(echo "$REDIS_NODES" | wc -w) - 1))

# 1. stop writes for longer than this pod lives
pause_ms=$(( ${WRITE_PAUSE_SECONDS:-60} * 1000 ))
if [ "$(ask "$me" CLIENT PAUSE "$pause_ms" WRITE)" != OK ]; then
  say "could not pause writes; stopping as primary"
  exit 0
fi
say "primary $self stopping; writes paused"

# caught_up: how many replicas are online and have acknowledged everything this primary has sent
caught_up() {
  ask "$me" INFO replication | tr -d '\r' | awk -F'[:,=]' '
    /^master_repl_offset:/ { offset = $2 }
    /^slave[0-9]+:/ { for (i = 2; i < NF; i += 2) v[$i] = $(i + 1); if (v["state"] == "online") { n++; o[n] = v["offset"] } }
    END { c = 0; for (i = 1; i <= n; i++) if (o[i] + 0 >= offset + 0) c++; print c + 0 }'
}
# 2. every replica in sync; after half the budget, one is enough (a replica that is down cannot be promoted)
synced=0
while in_time; do
  synced="$(caught_up)"
  [ "$synced" -ge "$peers" ] && break
  [ "$synced" -ge 1 ] && [ "$(date +%s)" -ge $((start + budget / 2)) ] && break
  sleep 0.2
done
if [ "$synced" -lt 1 ]; then
  # no replica holds every write: a promotion would lose some. Stop as primary (the Sentinels fail over once it
  # is down); writes resume until then, as without this hook.
  ask "$me" CLIENT UNPAUSE >/dev/null
  say "no replica caught up within ${budget} s; stopping as primary"
  exit 0
fi
say "$synced replica(s) hold every write"

# 3. A Sentinel may refuse for a moment (NOGOODSLAVE while a replica resyncs, INPROG): retry until the deadline.
while in_time; do
  for s in $SENTINEL_NODES; do
    in_time || break
    reply="$(ask "$s" SENTINEL FAILOVER "$SENTINEL_MASTER")"
    if [ "$reply" != OK ]; then
      say "Sentinel $s refused the failover: ${reply:-no answer}"
      continue
    fi
    say "failover requested from Sentinel $s"
    # wait until every Sentinel that answers names another primary, so that clients asking any of them
    # find the new one
    while in_time; do
      agreed=yes
      master=""
      for t in $SENTINEL_NODES; do
        m="$(sentinel_master "$t")"
        if [ "$m" = "$self" ]; then agreed=no; fi
        if [ -n "$m" ] && [ "$m" != "$self" ]; then master="$m"; fi
      done
      if [ "$agreed" = yes ] && [ -n "$master" ]; then
        say "Sentinels promoted $master"
        exit 0
      fi
      sleep 0.5
    done
    say "the Sentinels did not all name a new primary within ${budget} s"
    exit 0
  done
  sleep 1
done
ask "$me" CLIENT UNPAUSE >/dev/null
say "no Sentinel accepted a failover within ${budget} s; stopping as primary"
exit 0
