#!/usr/bin/env bash
# nginx from Debian: the buffering reverse proxy of the production setup (deploy/nginx.conf),
# which the slow-client test and scripts/serve-production.sh run in front of gunicorn.
set -euo pipefail
if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then exit 0; fi
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
echo "Installing Debian package nginx..."
$SUDO apt-get update -qq
# In a container policy-rc.d keeps the package from starting the system nginx on port 80;
# the project runs its own instances from deploy/nginx.conf on ports it picks.
DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 $SUDO apt-get install -y -qq --no-install-recommends nginx >/dev/null
command -v nginx || ls /usr/sbin/nginx
