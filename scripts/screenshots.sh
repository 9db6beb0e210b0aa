#!/usr/bin/env bash
# `make screenshots`: PNGs of every dashboard page on the demo organization (docs/screenshots/).
# Uses the demo server on $PORT (default 8000) when `make run` is serving; otherwise prepares the
# demo data like `make run` and starts gunicorn for the duration.
source "$(dirname "$0")/env.sh"
ensure_venv
ensure_chromium
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-config.settings.local}"
export DEBUG="${DEBUG:-false}"
PORT="${PORT:-8000}"
server=""
if ! port_open "$PORT"; then
  [ "${REDIS_URL:-}" = "off" ] && unset REDIS_URL
  python manage.py migrate_schemas --shared -v 0
  python manage.py seed_demo --no-progress
  python manage.py migrate_schemas -v 0
  python manage.py collectstatic --noinput -v 0
  gunicorn config.wsgi:application --bind "127.0.0.1:$PORT" --workers 1 --threads 4 --log-level warning &
  server=$!
  trap '[ -n "$server" ] && kill -TERM "$server" 2>/dev/null' EXIT
  for _ in $(seq 100); do port_open "$PORT" && break; sleep 0.2; done
fi
python scripts/screenshots.py --base "http://demo.localhost:$PORT" "$@"
