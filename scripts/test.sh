#!/usr/bin/env bash
# `make test`: install and run the whole (fast) suite against real PostgreSQL and Redis.
source "$(dirname "$0")/env.sh"
ensure_venv
# Prefer the machine's PostgreSQL when one listens; otherwise the settings start the embedded one.
if [ -z "${DATABASE_URL:-}" ] && port_open 5432; then
  export DATABASE_URL="postgres://postgres@127.0.0.1:5432/tessera"
fi
ensure_chromium
ensure_redis || echo "warning: no Redis on 127.0.0.1:6379 and no redis-server to start; worker tests will fail" >&2
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/15}"
"$ROOT/scripts/lint.sh"
exec pytest "$@"
