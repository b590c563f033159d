#!/usr/bin/env bash
# A throwaway demo server for trying the web application: `scripts/demo-server.sh PORT [--web DIR]`
# runs scripts/run.sh with accordd on 127.0.0.1:PORT, Redis on PORT-1700 and its data under
# /tmp/accord-demo-PORT (removed first), serving web/dist unless --web says otherwise.
set -euo pipefail
port=${1:?usage: demo-server.sh PORT [accordd arguments]}
shift
cd "$(dirname "$0")/.."
rm -rf "/tmp/accord-demo-$port"
web=(--web web/dist)
[[ " $* " == *" --web "* ]] && web=()
ACCORD_LISTEN=127.0.0.1:$port ACCORD_REDIS_PORT=$((port - 1700)) ACCORD_RUN_DIR=/tmp/accord-demo-$port \
  exec scripts/run.sh build/release "${web[@]}" "$@"
