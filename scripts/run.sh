#!/usr/bin/env bash
# `make run`: install, prepare the database, seed the demo organization, start web + worker.
source "$(dirname "$0")/env.sh"
ensure_venv
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-config.settings.local}"
PORT="${PORT:-8000}"
# With no DATABASE_URL the settings start the embedded PostgreSQL under .data/ (reused by every process).
if [ -z "${REDIS_URL:-}" ] && ensure_redis; then export REDIS_URL="redis://127.0.0.1:6379/0"; fi

python manage.py migrate_schemas --shared -v 0
python manage.py seed_demo
python manage.py migrate_schemas -v 0

pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; }
trap cleanup EXIT INT TERM
if [ -n "${REDIS_URL:-}" ]; then
  celery -A config worker --loglevel=INFO --concurrency=2 >.data/worker.log 2>&1 &
  pids+=($!)
  celery -A config beat --loglevel=INFO >.data/beat.log 2>&1 &
  pids+=($!)
  echo "worker and beat started (logs in .data/worker.log, .data/beat.log); broker $REDIS_URL"
else
  echo "no Redis found: tasks run eagerly inside the web process"
fi
cat <<MSG

  Tessera is up:  http://demo.localhost:$PORT/
  Logins (password: demo-pass-123):
$(python manage.py seed_demo --list-logins | sed 's/^/    /')

MSG
python manage.py runserver "0.0.0.0:$PORT" &
pids+=($!)
wait "${pids[-1]}"
