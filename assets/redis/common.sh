# cdk8s-stateless: helpers shared by the session store scripts.
# shellcheck disable=SC2034 # SERVER, SENTINEL are used by the scripts that source this file
if command -v valkey-server >/dev/null 2>&1; then
  SERVER=valkey-server; SENTINEL=valkey-sentinel; CLI=valkey-cli
else
  SERVER=redis-server; SENTINEL=redis-sentinel; CLI=redis-cli
fi

# check_password: refuse to start without a password, or with one that ends in a line break (issue #14 item 4).
# `kubectl create secret --from-file` keeps the file's final newline, and secretKeyRef passes it on unchanged:
# trimmed in one place and not in another, the server, its probes and the apps would disagree on the password.
check_password() {
  if [ -z "${REDIS_PASSWORD:-}" ]; then
    echo "cdk8s-stateless: refusing to start: the password from the Secret is empty; auth (and Sentinel's) must be on." >&2
    exit 1
  fi
  case "$REDIS_PASSWORD" in
    *"
"|*"$(printf '\r')")
      echo "cdk8s-stateless: refusing to start: the password from the Secret ends with a line break (kubectl create secret --from-file keeps it)." >&2
      echo "cdk8s-stateless: recreate the Secret without it, e.g. kubectl create secret generic NAME --from-literal=password=\"\$PASSWORD\"." >&2
      exit 1
      ;;
  esac
}

# nth_entry LIST N: the N-th (0-based) word of LIST
nth_entry() { echo "$1" | tr ' ' '\n' | grep -v '^$' | sed -n "$(($2 + 1))p"; }

# self_entry LIST: this pod's host:port in LIST, by the ordinal suffix of POD_NAME
self_entry() { nth_entry "$1" "${POD_NAME##*-}"; }

# quoted VALUE: VALUE as a double-quoted Redis configuration string
quoted() { printf '"%s"' "$(printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g')"; }

# ask HOST:PORT ARGS...: one command, 3 s at most, empty output on any failure (auth from REDISCLI_AUTH)
ask() {
  target="$1"; shift
  timeout 3 "$CLI" -h "${target%:*}" -p "${target##*:}" --raw "$@" 2>/dev/null || true
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
