# What scripts/serve-production.sh (nginx in front) and scripts/serve-edge.sh (Varnish in front)
# share; sourced by both, after `set -euo pipefail` and `cd` to the project folder.
#
# Environment: the README's production variables (DATABASE_URL, REDIS_URL, DJANGO_SECRET_KEY, ...).
# Without DJANGO_SECRET_KEY a throw-away key is made for this run; being plain HTTP on the
# loopback, the HTTPS redirect, HSTS and secure-only cookies are off unless set.
# DJANGO_STATIC_ROOT (staticfiles), DJANGO_MEDIA_ROOT (media), PYTHON (.venv/bin/python).

PY=${PYTHON:-.venv/bin/python}

export DJANGO_DEBUG=0
export DJANGO_SECRET_KEY=${DJANGO_SECRET_KEY:-$("$PY" -c 'import secrets; print(secrets.token_urlsafe(50))')}
export DJANGO_ALLOWED_HOSTS=${DJANGO_ALLOWED_HOSTS:-127.0.0.1,localhost}
export DJANGO_SECURE_SSL_REDIRECT=${DJANGO_SECURE_SSL_REDIRECT:-0}
export DJANGO_SECURE_HSTS_SECONDS=${DJANGO_SECURE_HSTS_SECONDS:-0}
export DJANGO_SESSION_COOKIE_SECURE=${DJANGO_SESSION_COOKIE_SECURE:-0}
export DJANGO_CSRF_COOKIE_SECURE=${DJANGO_CSRF_COOKIE_SECURE:-0}
# One proxy in front (nginx, or Varnish): its X-Forwarded-For entry is the reader's address.
export NEWSROOM_TRUSTED_PROXY_COUNT=${NEWSROOM_TRUSTED_PROXY_COUNT:-1}
export DJANGO_STATIC_ROOT DJANGO_MEDIA_ROOT
DJANGO_STATIC_ROOT=$(realpath -m "${DJANGO_STATIC_ROOT:-staticfiles}")
DJANGO_MEDIA_ROOT=$(realpath -m "${DJANGO_MEDIA_ROOT:-media}")
mkdir -p "$DJANGO_MEDIA_ROOT"

# The database schema and the static files every app server serves.
serve_prepare() {
  "$PY" manage.py migrate --noinput -v0
  "$PY" manage.py collectstatic --noinput -v0
}

# Starts one gunicorn app server on $1 (HOST:PORT or unix:PATH) in the background; its pid goes
# into SERVE_PIDS, which serve_stop ends (the scripts trap EXIT to it).
SERVE_PIDS=()
serve_gunicorn() {
  GUNICORN_BIND="$1" "$PY" -m gunicorn -c gunicorn.conf.py newsroom.wsgi &
  SERVE_PIDS+=($!)
}

serve_stop() {
  local pid
  for pid in "${SERVE_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}

# Waits (up to a minute) until the app server on HOST:PORT $1 answers /healthz.
serve_wait_healthy() {
  [[ "$1" == unix:* ]] && return 0
  for _ in $(seq 120); do
    "$PY" -c "import urllib.request; urllib.request.urlopen('http://$1/healthz', timeout=1)" 2>/dev/null && return 0
    sleep 0.5
  done
  echo "$0: gunicorn on $1 did not answer /healthz within a minute" >&2
  return 1
}
