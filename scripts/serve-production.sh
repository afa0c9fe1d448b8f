#!/usr/bin/env bash
# The README's production setup on this machine: nginx (deploy/nginx.conf) in front of gunicorn
# (gunicorn.conf.py), DEBUG off. `make serve` runs it; Ctrl-C stops both.
#
#   scripts/serve-production.sh      # http://127.0.0.1:8080/ -> gunicorn on 127.0.0.1:8001
#
# Environment: see scripts/serve-common.sh (the production variables, static and media roots);
# NGINX_LISTEN (127.0.0.1:8080), GUNICORN_BIND (127.0.0.1:8001), RUN_DIR (.run/nginx: nginx's
# config, pid, logs and buffers).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/ensure-nginx.sh
source scripts/serve-common.sh
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
BIND=${GUNICORN_BIND:-127.0.0.1:8001}
LISTEN=${NGINX_LISTEN:-127.0.0.1:8080}
RUN_DIR=$(realpath -m "${RUN_DIR:-.run/nginx}")
mkdir -p "$RUN_DIR"

serve_prepare
# Workers run as whoever starts this (the template's www-data may not read a private checkout).
sed -e "s|@LISTEN@|$LISTEN|g" -e "s|@UPSTREAM@|$BIND|g" -e "s|@RUN_DIR@|$RUN_DIR|g" \
    -e "s|@STATIC_ROOT@|$DJANGO_STATIC_ROOT|g" -e "s|@MEDIA_ROOT@|$DJANGO_MEDIA_ROOT|g" \
    -e "s|^user www-data;|user $(id -un);|" deploy/nginx.conf >"$RUN_DIR/nginx.conf"

trap serve_stop EXIT
serve_gunicorn "$BIND"
serve_wait_healthy "$BIND"  # nginx answers 502 until gunicorn listens
echo "Serving http://$LISTEN/ (nginx) -> gunicorn on $BIND; logs in $RUN_DIR. Ctrl-C stops both."
"$NGINX" -p "$RUN_DIR" -c "$RUN_DIR/nginx.conf" -e "$RUN_DIR/error.log" -g "daemon off;"
