#!/usr/bin/env bash
# The README's edge setup on this machine: Varnish (deploy/varnish/newsroom.vcl) in front of
# several gunicorn app servers, DEBUG off. `make edge` runs it; Ctrl-C stops everything.
#
#   scripts/serve-edge.sh     # http://127.0.0.1:6081/ -> gunicorn on 127.0.0.1:8001 and :8002
#
# Environment: the README's production variables (DATABASE_URL, REDIS_URL, DJANGO_SECRET_KEY, ...);
# with SQLite and the local-memory cache each app server keeps its own page cache, which the
# shared generation file still invalidates. VARNISH_LISTEN (127.0.0.1:6081), EDGE_APP_PORTS
# (8001 8002), VARNISH_STORAGE (malloc,256m), RUN_DIR (.run/varnish: the VCL and varnishd's work dir).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/ensure-varnish.sh
PY=${PYTHON:-.venv/bin/python}
VARNISHD=$(command -v varnishd || echo /usr/sbin/varnishd)

export DJANGO_DEBUG=0
export DJANGO_SECRET_KEY=${DJANGO_SECRET_KEY:-$("$PY" -c 'import secrets; print(secrets.token_urlsafe(50))')}
export DJANGO_ALLOWED_HOSTS=${DJANGO_ALLOWED_HOSTS:-127.0.0.1,localhost}
export DJANGO_SECURE_SSL_REDIRECT=${DJANGO_SECURE_SSL_REDIRECT:-0}
export DJANGO_SECURE_HSTS_SECONDS=${DJANGO_SECURE_HSTS_SECONDS:-0}
export DJANGO_SESSION_COOKIE_SECURE=${DJANGO_SESSION_COOKIE_SECURE:-0}
export DJANGO_CSRF_COOKIE_SECURE=${DJANGO_CSRF_COOKIE_SECURE:-0}
# Varnish is the one proxy in front: its X-Forwarded-For entry is the reader's address.
export NEWSROOM_TRUSTED_PROXY_COUNT=${NEWSROOM_TRUSTED_PROXY_COUNT:-1}
LISTEN=${VARNISH_LISTEN:-127.0.0.1:6081}
# Every app server purges this Varnish when an article changes (newsroom.invalidation).
export NEWSROOM_EDGE_PURGE_URLS=${NEWSROOM_EDGE_PURGE_URLS:-http://$LISTEN}
read -r -a PORTS <<<"${EDGE_APP_PORTS:-8001 8002}"
RUN_DIR=$(realpath -m "${RUN_DIR:-.run/varnish}")
mkdir -p "$RUN_DIR"

"$PY" manage.py migrate --noinput -v0
"$PY" manage.py collectstatic --noinput -v0
BACKENDS=()
for port in "${PORTS[@]}"; do BACKENDS+=("127.0.0.1:$port"); done
"$PY" manage.py edge_vcl "${BACKENDS[@]}" >"$RUN_DIR/newsroom.vcl"

PIDS=()
trap 'for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true' EXIT
for port in "${PORTS[@]}"; do
  GUNICORN_BIND="127.0.0.1:$port" "$PY" -m gunicorn -c gunicorn.conf.py newsroom.wsgi &
  PIDS+=($!)
done
echo "Serving http://$LISTEN/ (Varnish) -> gunicorn on ${BACKENDS[*]}. Ctrl-C stops all."
"$VARNISHD" -F -a "$LISTEN" -f "$RUN_DIR/newsroom.vcl" -s "${VARNISH_STORAGE:-malloc,256m}" \
  -n "$RUN_DIR/work" -T none -j none &
PIDS+=($!)
wait "${PIDS[-1]}"
