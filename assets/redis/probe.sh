#!/bin/sh
# cdk8s-stateless: readiness probe, PING on this pod's port.
set -eu
. "$CONFIG_DIR/common.sh"
[ "$(ask "127.0.0.1:$1" PING)" = PONG ]
