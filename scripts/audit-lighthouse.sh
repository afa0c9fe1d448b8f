#!/usr/bin/env bash
# Lighthouse 12 (mobile, its default) on reader pages: prints each page's four scores and every audit
# scoring below 0.9, and exits 1 unless all four are 100 and no audit is below 0.9.
#
#   scripts/audit-lighthouse.sh [BASE_URL] [PATH...]
#   scripts/audit-lighthouse.sh http://127.0.0.1:8080 / /section/politics/
#
# Default BASE_URL: http://127.0.0.1:8000 (make run; `make serve` is closer to production: nginx, gzip,
# DEBUG off). Default paths: home, the newest article, its section and one of its tags (read from the
# home page). Lighthouse is installed with npm into LIGHTHOUSE_DIR (~/.cache/newsroom/lighthouse) the
# first time, pinned (12.2.3: the last 12.x that installs on Node 20); Chromium is Debian's
# (CHROME_PATH, /usr/bin/chromium; scripts/ensure-chromium.sh installs it). Reports (JSON) go to
# LIGHTHOUSE_OUT (/tmp/newsroom-lighthouse).
set -euo pipefail
cd "$(dirname "$0")/.."

LIGHTHOUSE_VERSION=12.2.3
LIGHTHOUSE_DIR=${LIGHTHOUSE_DIR:-$HOME/.cache/newsroom/lighthouse}
LIGHTHOUSE_OUT=${LIGHTHOUSE_OUT:-/tmp/newsroom-lighthouse}
export CHROME_PATH=${CHROME_PATH:-/usr/bin/chromium}
PYTHON=${PYTHON:-.venv/bin/python}
BASE=${1:-http://127.0.0.1:8000}
BASE=${BASE%/}
shift || true

command -v npm >/dev/null || { echo "npm is missing: apt-get install npm (Node 18+)" >&2; exit 2; }
[ -x "$CHROME_PATH" ] || { echo "$CHROME_PATH is missing: run scripts/ensure-chromium.sh" >&2; exit 2; }
LH="$LIGHTHOUSE_DIR/node_modules/.bin/lighthouse"
if [ ! -x "$LH" ] || ! "$LH" --version 2>/dev/null | grep -qx "$LIGHTHOUSE_VERSION"; then
  echo "Installing lighthouse@$LIGHTHOUSE_VERSION into $LIGHTHOUSE_DIR" >&2
  mkdir -p "$LIGHTHOUSE_DIR"
  npm install --prefix "$LIGHTHOUSE_DIR" --no-audit --no-fund --save-exact "lighthouse@$LIGHTHOUSE_VERSION" >&2
fi

if [ "$#" -eq 0 ]; then
  # The newest article, its section and its first tag, as a reader would click to them.
  mapfile -t paths < <("$PYTHON" - "$BASE" <<'PY'
import re, sys, urllib.request
base = sys.argv[1]
def get(path):
    return urllib.request.urlopen(base + path, timeout=30).read().decode()
home = get("/")
article = re.search(r'href="(/articles/\d+/[^"]*)"', home).group(1)
page = get(article)
section = re.search(r'href="(/section/[^"/]+/)"', page).group(1)
tag = re.search(r'href="(/tag/[^"/]+/)"', page).group(1)
print("\n".join(["/", article, section, tag]))
PY
  )
else
  paths=("$@")
fi

mkdir -p "$LIGHTHOUSE_OUT"
status=0
for path in "${paths[@]}"; do
  name=$(printf '%s' "$path" | tr -c 'A-Za-z0-9' '_')
  report="$LIGHTHOUSE_OUT/${name:-home}.json"
  "$LH" "$BASE$path" --quiet --output=json --output-path="$report" \
    --chrome-flags="--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage" >/dev/null
  "$PYTHON" - "$report" "$path" <<'PY' || status=1
import json, sys
report, path = json.load(open(sys.argv[1])), sys.argv[2]
scores = {k: round(c["score"] * 100) if c["score"] is not None else None for k, c in report["categories"].items()}
low = sorted(
    (a["score"], a["id"]) for a in report["audits"].values()
    if a.get("score") is not None and a["scoreDisplayMode"] in ("binary", "numeric", "metricSavings") and a["score"] < 0.9
)
print(f"{path:<48} " + " ".join(f"{k}={v}" for k, v in scores.items()) + (f"  below 0.9: {low}" if low else ""))
sys.exit(0 if all(v == 100 for v in scores.values()) and not low else 1)
PY
done
exit $status
