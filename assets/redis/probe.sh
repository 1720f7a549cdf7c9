#!/bin/sh
# cdk8s-stateless: readiness probe, PING on this pod's port.
set -eu
# shellcheck source=common.sh
. "$CONFIG_DIR/common.sh"
[ "$(ask "127.0.0.1:$1" PING)" = PONG ]
