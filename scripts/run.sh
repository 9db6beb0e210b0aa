#!/usr/bin/env bash
# `make run`: install, prepare the database, seed the demo organization, serve it on this machine.
#
# The demo has published passwords, so it listens on 127.0.0.1 unless BIND_ADDRESS says otherwise,
# with DEBUG off, under gunicorn (static files by WhiteNoise, no autoreloader). Ctrl-C stops every
# process this script started: gunicorn, the Celery worker and beat, a redis-server it launched,
# and the embedded PostgreSQL if this run started it (one that was already running is left up).
source "$(dirname "$0")/env.sh"
ensure_venv
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-config.settings.local}"
export DEBUG="${DEBUG:-false}"
PORT="${PORT:-8000}"
BIND_ADDRESS="${BIND_ADDRESS:-127.0.0.1}"
DATA="${TESSERA_DATA_DIR:-$ROOT/.data}"
mkdir -p "$DATA"
# The demo has no mail server: alert, recommendation and digest e-mails are written as files
# (one .log per message) under $DATA/mail instead of failing and being retried. Set
# EMAIL_BACKEND (and EMAIL_HOST, …) to send real mail.
export EMAIL_BACKEND="${EMAIL_BACKEND:-django.core.mail.backends.filebased.EmailBackend}"
export EMAIL_FILE_PATH="${EMAIL_FILE_PATH:-$DATA/mail}"
PG_PIDFILE="$DATA/pg/postmaster.pid"

pids=()
started_redis=""
stop_pg=""
alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }
pg_pid() { [ -f "$PG_PIDFILE" ] && head -n 1 "$PG_PIDFILE" || true; }

cleanup() {
  trap - EXIT INT TERM
  set +e
  echo
  echo "stopping the processes make run started…"
  [ ${#pids[@]} -gt 0 ] && kill -TERM "${pids[@]}" 2>/dev/null
  for _ in $(seq 150); do  # up to 15 s for a graceful stop (a worker finishes its task)
    local left=0
    for pid in "${pids[@]}"; do alive "$pid" && left=1; done
    [ "$left" = 0 ] && break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do alive "$pid" && kill -KILL "$pid" 2>/dev/null; done
  if [ -n "$started_redis" ] && [ -f "$DATA/redis.pid" ]; then
    kill -TERM "$(cat "$DATA/redis.pid")" 2>/dev/null || true
  fi
  local pg
  pg="$(pg_pid)"
  if [ -n "$stop_pg" ] && alive "$pg"; then
    kill -INT "$pg"  # PostgreSQL's "fast shutdown"
    for _ in $(seq 100); do alive "$pg" || break; sleep 0.1; done
    echo "stopped the embedded PostgreSQL ($DATA/pg) this run had started"
  elif [ -z "${DATABASE_URL:-}" ] && alive "$pg"; then
    echo "the embedded PostgreSQL ($DATA/pg, pid $pg) was running before make run and keeps running;"
    echo "stop it with: kill -INT $pg"
  fi
  rm -f "$DATA/run.pid"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
echo $$ >"$DATA/run.pid"  # scripts/idle_footprint.py finds the demo's processes from here

# With no DATABASE_URL the settings start the embedded PostgreSQL under $DATA/pg (reused by every
# process); stop it on exit only when it is this run that starts it.
if [ -z "${DATABASE_URL:-}" ] && ! alive "$(pg_pid)"; then stop_pg=1; fi

# REDIS_URL=off: no broker even when Redis runs here (tasks then run in the web process).
if [ "${REDIS_URL:-}" = "off" ]; then
  unset REDIS_URL
elif [ -z "${REDIS_URL:-}" ]; then
  port_open 6379 || started_redis=1
  if ensure_redis "$DATA/redis.pid"; then export REDIS_URL="redis://127.0.0.1:6379/0"; else started_redis=""; fi
fi

python manage.py migrate_schemas --shared -v 0
python manage.py seed_demo
python manage.py migrate_schemas -v 0
python manage.py collectstatic --noinput -v 0

if [ -n "${REDIS_URL:-}" ]; then
  celery -A config worker --loglevel=INFO --concurrency=2 >"$DATA/worker.log" 2>&1 &
  pids+=($!)
  celery -A config beat --loglevel=INFO >"$DATA/beat.log" 2>&1 &
  pids+=($!)
  echo "worker and beat started (logs in $DATA/worker.log, $DATA/beat.log); broker $REDIS_URL"
else
  echo "no Redis: tasks run in the web process, after the response (TESSERA_EAGER_ENRICHMENT=${TESSERA_EAGER_ENRICHMENT:-background})"
fi
cat <<MSG

  Tessera is up:  http://demo.localhost:$PORT/   (listening on $BIND_ADDRESS; Ctrl-C stops it)
  Logins (password: demo-pass-123):
$(python manage.py seed_demo --list-logins | sed 's/^/    /')

MSG
# One worker process: without a broker it is also where enrichment runs (its NLP models load
# once); threads serve concurrent page loads. No --reload: nothing watches the files.
gunicorn config.wsgi:application \
  --config "$ROOT/config/gunicorn.py" \
  --bind "$BIND_ADDRESS:$PORT" \
  --workers "${GUNICORN_WORKERS:-1}" \
  --threads "${GUNICORN_THREADS:-4}" \
  --worker-class gthread \
  --timeout 120 \
  --graceful-timeout 10 \
  --log-level warning &
pids+=($!)
wait -n "${pids[@]}"  # any of them ending (or Ctrl-C) ends the demo
