#!/usr/bin/env bash
# The README's production setup on this machine: nginx (deploy/nginx.conf) in front of gunicorn
# (gunicorn.conf.py), DEBUG off. `make serve` runs it; Ctrl-C stops both.
#
#   scripts/serve-production.sh      # http://127.0.0.1:8080/ -> gunicorn on 127.0.0.1:8001
#
# Environment: the README's production variables (DATABASE_URL, REDIS_URL, DJANGO_SECRET_KEY, ...).
# Without DJANGO_SECRET_KEY a throw-away key is made for this run; being plain HTTP on the
# loopback, the HTTPS redirect, HSTS and secure-only cookies are off unless set.
# NGINX_LISTEN (127.0.0.1:8080), GUNICORN_BIND (127.0.0.1:8001), RUN_DIR (.run/nginx: nginx's
# config, pid, logs and buffers), DJANGO_STATIC_ROOT (staticfiles), DJANGO_MEDIA_ROOT (media).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/ensure-nginx.sh
PY=${PYTHON:-.venv/bin/python}
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

export DJANGO_DEBUG=0
export DJANGO_SECRET_KEY=${DJANGO_SECRET_KEY:-$("$PY" -c 'import secrets; print(secrets.token_urlsafe(50))')}
export DJANGO_ALLOWED_HOSTS=${DJANGO_ALLOWED_HOSTS:-127.0.0.1,localhost}
export DJANGO_SECURE_SSL_REDIRECT=${DJANGO_SECURE_SSL_REDIRECT:-0}
export DJANGO_SECURE_HSTS_SECONDS=${DJANGO_SECURE_HSTS_SECONDS:-0}
export DJANGO_SESSION_COOKIE_SECURE=${DJANGO_SESSION_COOKIE_SECURE:-0}
export DJANGO_CSRF_COOKIE_SECURE=${DJANGO_CSRF_COOKIE_SECURE:-0}
# nginx is the one proxy in front: its X-Forwarded-For entry is the reader's address.
export NEWSROOM_TRUSTED_PROXY_COUNT=${NEWSROOM_TRUSTED_PROXY_COUNT:-1}
export GUNICORN_BIND=${GUNICORN_BIND:-127.0.0.1:8001}
export DJANGO_STATIC_ROOT DJANGO_MEDIA_ROOT
DJANGO_STATIC_ROOT=$(realpath -m "${DJANGO_STATIC_ROOT:-staticfiles}")
DJANGO_MEDIA_ROOT=$(realpath -m "${DJANGO_MEDIA_ROOT:-media}")
LISTEN=${NGINX_LISTEN:-127.0.0.1:8080}
RUN_DIR=$(realpath -m "${RUN_DIR:-.run/nginx}")
mkdir -p "$RUN_DIR" "$DJANGO_MEDIA_ROOT"

"$PY" manage.py migrate --noinput -v0
"$PY" manage.py collectstatic --noinput -v0
# Workers run as whoever starts this (the template's www-data may not read a private checkout).
sed -e "s|@LISTEN@|$LISTEN|g" -e "s|@UPSTREAM@|$GUNICORN_BIND|g" -e "s|@RUN_DIR@|$RUN_DIR|g" \
    -e "s|@STATIC_ROOT@|$DJANGO_STATIC_ROOT|g" -e "s|@MEDIA_ROOT@|$DJANGO_MEDIA_ROOT|g" \
    -e "s|^user www-data;|user $(id -un);|" deploy/nginx.conf >"$RUN_DIR/nginx.conf"

"$PY" -m gunicorn -c gunicorn.conf.py newsroom.wsgi &
GUNICORN_PID=$!
trap 'kill "$GUNICORN_PID" 2>/dev/null || true; wait "$GUNICORN_PID" 2>/dev/null || true' EXIT
if [[ "$GUNICORN_BIND" != unix:* ]]; then
  for _ in $(seq 120); do  # nginx answers 502 until gunicorn listens
    "$PY" -c "import urllib.request; urllib.request.urlopen('http://$GUNICORN_BIND/healthz', timeout=1)" 2>/dev/null && break
    sleep 0.5
  done
fi
echo "Serving http://$LISTEN/ (nginx) -> gunicorn on $GUNICORN_BIND; logs in $RUN_DIR. Ctrl-C stops both."
"$NGINX" -p "$RUN_DIR" -c "$RUN_DIR/nginx.conf" -e "$RUN_DIR/error.log" -g "daemon off;"
