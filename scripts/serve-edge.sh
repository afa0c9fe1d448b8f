#!/usr/bin/env bash
# The README's edge setup on this machine: Varnish (deploy/varnish/newsroom.vcl) in front of
# several gunicorn app servers, DEBUG off. `make edge` runs it; Ctrl-C stops everything.
#
#   scripts/serve-edge.sh     # http://127.0.0.1:6081/ -> gunicorn on 127.0.0.1:8001 and :8002
#
# Environment: see scripts/serve-common.sh (the production variables, static and media roots);
# with SQLite and the local-memory cache each app server keeps its own page cache, which the
# shared generation file still invalidates. VARNISH_LISTEN (127.0.0.1:6081), EDGE_APP_PORTS
# (8001 8002), VARNISH_STORAGE (malloc,256m), RUN_DIR (.run/varnish: the VCL and varnishd's work dir).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/ensure-varnish.sh
source scripts/serve-common.sh
VARNISHD=$(command -v varnishd || echo /usr/sbin/varnishd)
LISTEN=${VARNISH_LISTEN:-127.0.0.1:6081}
# Every app server purges this Varnish when an article changes (newsroom.invalidation).
export NEWSROOM_EDGE_PURGE_URLS=${NEWSROOM_EDGE_PURGE_URLS:-http://$LISTEN}
read -r -a PORTS <<<"${EDGE_APP_PORTS:-8001 8002}"
RUN_DIR=$(realpath -m "${RUN_DIR:-.run/varnish}")
mkdir -p "$RUN_DIR"

serve_prepare
BACKENDS=()
for port in "${PORTS[@]}"; do BACKENDS+=("127.0.0.1:$port"); done
"$PY" manage.py edge_vcl "${BACKENDS[@]}" >"$RUN_DIR/newsroom.vcl"

trap serve_stop EXIT
for backend in "${BACKENDS[@]}"; do serve_gunicorn "$backend"; done
echo "Serving http://$LISTEN/ (Varnish) -> gunicorn on ${BACKENDS[*]}. Ctrl-C stops all."
# backend_idle_timeout: below gunicorn's keep-alive (5 s), so Varnish never sends a request (a beacon
# POST, which it cannot retry) on a connection gunicorn is closing.
"$VARNISHD" -F -a "$LISTEN" -f "$RUN_DIR/newsroom.vcl" -s "${VARNISH_STORAGE:-malloc,256m}" \
  -n "$RUN_DIR/work" -T none -j none -p backend_idle_timeout=4 &
SERVE_PIDS+=($!)
wait "${SERVE_PIDS[-1]}"
