# cdk8s-stateless: helpers shared by the session store scripts.
# shellcheck disable=SC2034 # SERVER, SENTINEL are used by the scripts that source this file
if command -v valkey-server >/dev/null 2>&1; then
  SERVER=valkey-server; SENTINEL=valkey-sentinel; CLI=valkey-cli
else
  SERVER=redis-server; SENTINEL=redis-sentinel; CLI=redis-cli
fi

# password_problem VALUE: why VALUE cannot be a password (empty, or ending in a line break), or nothing.
# `kubectl create secret --from-file` keeps the file's final newline, and secretKeyRef passes it on unchanged:
# trimmed in one place and not in another, the server, its probes and the apps would disagree on the password.
password_problem() {
  if [ -z "$1" ]; then echo "is empty or missing"; return 0; fi
  case "$1" in
    *"
"|*"$(printf '\r')") echo "ends with a line break (kubectl create secret --from-file keeps it)" ;;
  esac
}

# check_password: refuse to start when the store's password is unusable: without one, auth (and Sentinel's)
# would be off. During a password rotation the Secret also holds REDIS_PASSWORD_ALTERNATE (see acl_users); an
# unusable alternate is ignored with a message, not fatal.
check_password() {
  problem="$(password_problem "${REDIS_PASSWORD:-}")"
  if [ -n "$problem" ]; then
    echo "cdk8s-stateless: refusing to start: the password from the Secret $problem." >&2
    echo "cdk8s-stateless: recreate the Secret with a password and no final line break, e.g. kubectl create secret generic NAME --from-literal=password=\"\$PASSWORD\"." >&2
    exit 1
  fi
  if [ -n "${REDIS_PASSWORD_ALTERNATE:-}" ] && [ -n "$(password_problem "$REDIS_PASSWORD_ALTERNATE")" ]; then
    echo "cdk8s-stateless: ignoring the alternate password from the Secret: it $(password_problem "$REDIS_PASSWORD_ALTERNATE")" >&2
    REDIS_PASSWORD_ALTERNATE=""
  fi
}

# sha256 VALUE: the hex SHA-256 of VALUE, as an ACL password rule takes it ("#<hash>"): no password is written
# in clear into a configuration file, and no quoting can break a rule.
sha256() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }

# role_password ROLE PASSWORD: the password of an internal role (probe, replicator, sentinel), derived from the
# store's password by a one-way hash: each role has its own credential, and none of them logs in as another
# (a leaked probe or replication password does not give the admin password).
role_password() { sha256 "cdk8s-stateless/$1/$2"; }

# accepts ROLE: the ACL password rules ("#<hash>" ...) of ROLE: the role's password from REDIS_PASSWORD and,
# during a rotation, from REDIS_PASSWORD_ALTERNATE too. An ACL user may hold several passwords, and AUTH succeeds
# with any of them (https://redis.io/docs/latest/operate/oss_and_stack/management/security/acl/, ">password":
# "Add this password to the list of valid passwords for the user"), so during a rotation pods that still use
# the old password and pods that already use the new one both log in everywhere. ROLE admin is the store's
# password itself; ROLE monitor takes MONITOR_PASSWORD and MONITOR_PASSWORD_ALTERNATE (its own Secret key).
accepts() {
  case "$1" in
    admin) set -- "$REDIS_PASSWORD" "${REDIS_PASSWORD_ALTERNATE:-}" ;;
    monitor) set -- "${MONITOR_PASSWORD:-}" "${MONITOR_PASSWORD_ALTERNATE:-}" ;;
    *)
      alt=""; [ -z "${REDIS_PASSWORD_ALTERNATE:-}" ] || alt="$(role_password "$1" "$REDIS_PASSWORD_ALTERNATE")"
      set -- "$(role_password "$1" "$REDIS_PASSWORD")" "$alt" ;;
  esac
  for pw in "$@"; do
    [ -z "$pw" ] || [ -n "$(password_problem "$pw")" ] || printf ' #%s' "$(sha256 "$pw")"
  done
}

# ACL users (https://redis.io/docs/latest/operate/oss_and_stack/management/security/acl/). The default user is
# disabled ("reset": off, no password, no keys, no commands). Each internal role has its own credential:
# "admin" (the start and preStop scripts, operators: the store's password), "probe" (readiness probes),
# "monitor" (the metrics exporter and the primary endpoint's health checks: the Secret's monitor key), and in the
# Sentinel topology "replicator" (replicas: PSYNC, REPLCONF, PING) and "sentinel" (what Sentinel runs on the
# servers), both as in the ACL documentation's "ACL rules for Sentinel and Replicas" (SLAVEOF and REPLICAOF both:
# Sentinel sends either, depending on the version).
ACL_REPLICATOR='-@all +psync +replconf +ping'
# the probe reads INFO replication and persistence (probe.sh): INFO takes no subcommands, so the section cannot be
# restricted in ACL rules that both Redis 7.0 and Valkey 8 accept; INFO writes and reconfigures nothing
ACL_PROBE='-@all +ping +info'
# "monitor" reads INFO, ROLE, SLOWLOG, LATENCY and CLIENT LIST; not CONFIG GET, which would hand it masterauth
# (the replication password) and every other setting
ACL_MONITOR='-@all +@connection +info +role +client|list +client|info +slowlog|get +slowlog|len +latency|latest +latency|histogram +memory|stats'
ACL_SENTINEL='allchannels -@all +multi +slaveof +replicaof +ping +exec +subscribe +config|rewrite +role +publish +info +client|setname +client|kill +script|kill'
# A bound app: its own key prefix, no channels, reads and writes of data, transactions and connection commands,
# nothing from @dangerous (FLUSHALL, CONFIG, REPLICAOF, KEYS, DEBUG, CLIENT KILL, ...), nor what lists or counts
# other apps' keys: SCAN and RANDOMKEY (their names, i.e. session ids), DBSIZE and INFO (counts per database;
# ioredis then skips its ready check with a warning: "Skipping the ready check because INFO command fails"),
# CLIENT TRACKING (with BCAST and no prefix, RESP3 pushes every key name written by anyone: the ACL key patterns do
# not apply to invalidation messages); nor FUNCTION.
ACL_APP_REDIS='resetchannels -@all +@read +@write +@connection +@transaction -@dangerous -scan -randomkey -dbsize -info -client|tracking -client|trackinginfo -client|getredir -client|caching -function'
# ...and on the Sentinels: find the primary and the other Sentinels and replicas, follow their events; no
# SENTINEL SET/FAILOVER/RESET/MONITOR/REMOVE/CONFIG, no PUBLISH.
ACL_APP_SENTINEL='allchannels -@all +@connection -@dangerous +subscribe +psubscribe +unsubscribe +punsubscribe +sentinel|get-master-addr-by-name +sentinel|sentinels +sentinel|replicas +sentinel|slaves +sentinel|master'

# acl_users KIND: the "user" lines of a Redis server (KIND redis) or a Sentinel (KIND sentinel)
acl_users() {
  echo "user default reset"
  echo "user admin on$(accepts admin) ~* &* +@all"
  echo "user probe on$(accepts probe) $([ "$1" = redis ] && echo "$ACL_PROBE" || echo '-@all +ping')"
  # servers only: a Sentinel has none of these commands and would refuse the user. Without a monitor password
  # (no metrics, no primary endpoint) there is no monitor user.
  if [ "$1" = redis ] && [ -n "$(accepts monitor)" ]; then
    echo "user monitor on$(accepts monitor) $ACL_MONITOR"
  fi
  if [ "$1" = redis ] && [ "$TOPOLOGY" = sentinel ]; then
    echo "user replicator on$(accepts replicator) $ACL_REPLICATOR"
    echo "user sentinel on$(accepts sentinel) $ACL_SENTINEL"
  fi
  i=0
  for entry in ${APP_USERS:-}; do
    pw=""; eval "pw=\${APP_PASSWORD_$i:-}"
    alt=""; eval "alt=\${APP_PASSWORD_ALTERNATE_$i:-}"
    i=$((i + 1))
    # An app whose Secret is missing or unusable gets no user (the store keeps serving the others); it can
    # connect once its Secret is fixed and this pod restarts (environment variables are read at start).
    problem="$(password_problem "$pw")"
    if [ -n "$problem" ]; then
      echo "cdk8s-stateless: no ACL user ${entry%%=*}: the password in its Secret $problem" >&2
      continue
    fi
    hashes=" #$(sha256 "$pw")"
    if [ -n "$alt" ] && [ -z "$(password_problem "$alt")" ]; then hashes="$hashes #$(sha256 "$alt")"; fi
    if [ "$1" = redis ]; then
      echo "user ${entry%%=*} on$hashes ~${entry#*=}* $ACL_APP_REDIS"
    else
      echo "user ${entry%%=*} on$hashes $ACL_APP_SENTINEL"
    fi
  done
}

# nth_entry LIST N: the N-th (0-based) word of LIST
nth_entry() { echo "$1" | tr ' ' '\n' | grep -v '^$' | sed -n "$(($2 + 1))p"; }

# self_entry LIST: this pod's host:port in LIST, by the ordinal suffix of POD_NAME
self_entry() { nth_entry "$1" "${POD_NAME##*-}"; }

# quoted VALUE: VALUE as a double-quoted Redis configuration string
quoted() { printf '"%s"' "$(printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g')"; }

# ask HOST:PORT ARGS...: one command, 3 s at most, empty output on any failure; as ACL user CLI_USER (default
# admin) with the password from REDISCLI_AUTH
ask() {
  target="$1"; shift
  timeout 3 "$CLI" ${TLS_DIR:+--tls} ${TLS_DIR:+--cacert} ${TLS_DIR:+"$TLS_DIR/ca.crt"} \
    --user "${CLI_USER:-admin}" -h "${target%:*}" -p "${target##*:}" --raw "$@" 2>/dev/null || true
}

# listen_on PORT [sentinel]: the listening lines of a configuration. With TLS_DIR (the mounted certificate Secret:
# tls.crt, tls.key, ca.crt) the port only speaks TLS ("port 0" closes plain TCP), replication and Sentinel's own
# connections use TLS too ("tls-replication yes": https://redis.io/docs/latest/operate/oss_and_stack/management/security/encryption/),
# and clients need no certificate of their own ("tls-auth-clients no"), only the CA.
listen_on() {
  if [ -z "${TLS_DIR:-}" ]; then
    echo "port $1"
    return 0
  fi
  echo "port 0"
  echo "tls-port $1"
  echo "tls-cert-file $TLS_DIR/tls.crt"
  echo "tls-key-file $TLS_DIR/tls.key"
  echo "tls-ca-cert-file $TLS_DIR/ca.crt"
  echo "tls-auth-clients no"
  if [ "$TOPOLOGY" = sentinel ]; then echo "tls-replication yes"; fi
}

# sentinel_master SENTINEL: host:port of the primary that SENTINEL reports, or nothing
sentinel_master() {
  reply="$(ask "$1" SENTINEL get-master-addr-by-name "$SENTINEL_MASTER")"
  host="$(echo "$reply" | sed -n 1p)"; port="$(echo "$reply" | sed -n 2p)"
  case "$port" in ''|*[!0-9]*) return 0 ;; esac
  case "$host" in ''|*' '*) return 0 ;; esac
  echo "$host:$port"
}

# newest_view [EXCEPT]: "RANK host:port" of the primary in the newest view any Sentinel has, or nothing.
# Right after a failover the Sentinels disagree for a while, so the first answer may be stale: the
# Sentinel running a failover (flag failover_in_progress) already names the promoted replica; otherwise
# the highest config-epoch wins. EXCEPT skips one Sentinel (the caller itself).
newest_view() {
  best=""; best_rank=-1
  for s in $SENTINEL_NODES; do
    [ "$s" = "${1:-}" ] && continue
    addr="$(sentinel_master "$s")"
    [ -n "$addr" ] || continue
    info="$(ask "$s" SENTINEL master "$SENTINEL_MASTER")"
    rank="$(echo "$info" | sed -n '/^config-epoch$/{n;p;q;}')"
    case "$rank" in ''|*[!0-9]*) rank=0 ;; esac
    case "$(echo "$info" | sed -n '/^flags$/{n;p;q;}')" in *failover_in_progress*) rank=999999999 ;; esac
    if [ "$rank" -gt "$best_rank" ]; then best="$addr"; best_rank="$rank"; fi
  done
  [ -z "$best" ] || echo "$best_rank $best"
}

# current_primary [EXCEPT]: host:port of the primary in the newest view any Sentinel has, or nothing.
current_primary() { newest_view "${1:-}" | sed 's/^[0-9]* //'; }

# holds_data: whether this node's data directory (its PersistentVolumeClaim) holds a data set, i.e. this is
# not the first start of this node. Redis 7+ keeps the AOF in appendonlydir/; older files are checked too.
holds_data() {
  [ -d "$DATA_DIR/appendonlydir" ] || [ -f "$DATA_DIR/appendonly.aof" ] || [ -f "$DATA_DIR/dump.rdb" ]
}
