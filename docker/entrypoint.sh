#!/usr/bin/env bash
# Container entrypoint (docker/Dockerfile). The first argument picks the process:
#   web     gunicorn serving config.wsgi:application on $PORT (default 8000)
#   worker  celery -A config worker
#   beat    celery -A config beat (DatabaseScheduler; run exactly one)
#   other   anything else is executed as given, e.g. `python manage.py create_org ...`
# Extra arguments after web/worker/beat are passed on to gunicorn/celery.
# Before that it waits for PostgreSQL and, when RUN_MIGRATIONS=1 (the web service), runs
# migrate_schemas under an advisory lock, so scaled-out web replicas never migrate twice at once.
set -euo pipefail

cd "$(dirname "$0")/.."

role="${1:-web}"
case "$role" in
  web | worker | beat)
    if [ "$#" -gt 0 ]; then shift; fi
    ;;
  *) role=other ;;
esac

log() { printf 'entrypoint: %s\n' "$*" >&2; }

if [ -z "${DATABASE_URL:-}" ]; then
  if [ "$role" != other ]; then
    log "DATABASE_URL is not set; point it at PostgreSQL, e.g. postgres://user:pass@postgres:5432/tessera"
    exit 64
  fi
  log "warning: DATABASE_URL is not set; Django settings would try to start an embedded PostgreSQL"
fi

if [ -z "${REDIS_URL:-}" ]; then
  case "$role" in
    worker | beat)
      log "REDIS_URL is not set; the $role needs Redis as its broker"
      exit 64
      ;;
    web) log "warning: REDIS_URL is not set; Celery tasks will run eagerly inside the web process" ;;
  esac
fi

# Missing or placeholder secrets stop every process at start: config/settings/production.py
# names each variable (SECRET_KEY, TESSERA_VAULT_KEYS, TESSERA_FINDING_HASH_KEY, DATABASE_URL).

if [ "$role" != other ] || [ "${RUN_MIGRATIONS:-0}" = 1 ]; then
  python docker/ops.py wait-db
fi

if [ "${RUN_MIGRATIONS:-0}" = 1 ]; then
  log "running migrate_schemas"
  python docker/ops.py migrate
fi

# Tells `docker/ops.py health` (the image's HEALTHCHECK) what to check; best effort.
printf '%s\n' "$role" >"${TMPDIR:-/tmp}/tessera-role" 2>/dev/null || true

case "$role" in
  web)
    exec gunicorn config.wsgi:application \
      --config config/gunicorn.py \
      --bind "0.0.0.0:${PORT:-8000}" \
      --workers "${GUNICORN_WORKERS:-2}" \
      --threads "${GUNICORN_THREADS:-4}" \
      --worker-class gthread \
      --timeout "${GUNICORN_TIMEOUT:-60}" \
      --graceful-timeout 30 \
      --keep-alive 5 \
      --max-requests "${GUNICORN_MAX_REQUESTS:-1000}" \
      --max-requests-jitter 100 \
      --worker-tmp-dir "${GUNICORN_TMP_DIR:-/dev/shm}" \
      --access-logfile - \
      --error-logfile - \
      "$@"
    ;;
  worker)
    exec celery -A config worker \
      --loglevel "${LOG_LEVEL:-INFO}" \
      --concurrency "${CELERY_CONCURRENCY:-2}" \
      "$@"
    ;;
  beat)
    exec celery -A config beat --loglevel "${LOG_LEVEL:-INFO}" "$@"
    ;;
  *)
    exec "$@"
    ;;
esac
