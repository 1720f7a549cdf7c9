#!/bin/sh
# cdk8s-stateless: hand the primary role over before this Redis server stops.
set -u
# shellcheck source=common.sh
. "$CONFIG_DIR/common.sh"
[ "$TOPOLOGY" = sentinel ] || exit 0
self="$(self_entry "$REDIS_NODES")"
[ "$(ask "127.0.0.1:${self##*:}" ROLE | sed -n 1p)" = master ] || exit 0
# The whole hand-over fits in PRESTOP_BUDGET_SECONDS, which the library derives together with the pod's
# terminationGracePeriodSeconds (one `ask` may overrun the deadline by its 3 s timeout).
budget="${PRESTOP_BUDGET_SECONDS:-15}"
deadline=$(($(date +%s) + budget))
in_time() { [ "$(date +%s)" -lt "$deadline" ]; }
# A Sentinel may refuse for a moment (NOGOODSLAVE while a replica resyncs, INPROG): retry until the deadline.
while in_time; do
  for s in $SENTINEL_NODES; do
    in_time || break
    reply="$(ask "$s" SENTINEL FAILOVER "$SENTINEL_MASTER")"
    if [ "$reply" != OK ]; then
      echo "cdk8s-stateless: Sentinel $s refused the failover: ${reply:-no answer}"
      continue
    fi
    echo "cdk8s-stateless: primary $self stopping; failover requested from Sentinel $s"
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
        echo "cdk8s-stateless: Sentinels promoted $master"
        exit 0
      fi
      sleep 1
    done
    echo "cdk8s-stateless: the Sentinels did not all name a new primary within ${budget} s"
    exit 0
  done
  sleep 1
done
echo "cdk8s-stateless: no Sentinel accepted a failover within ${budget} s; stopping as primary"
exit 0
