#!/bin/sh
# cdk8s-stateless: readiness probe, PING on this pod's port.
set -eu
# shellcheck source=common.sh
. "$CONFIG_DIR/common.sh"
# as the "probe" ACL user, which may run PING and nothing else
CLI_USER=probe
[ "$(ask "127.0.0.1:$1" PING)" = PONG ]
