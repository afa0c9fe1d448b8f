#!/usr/bin/env bash
# Varnish from Debian: the production HTTP cache (deploy/varnish/newsroom.vcl), with
# varnish-modules for vmod xkey (surrogate-key purges). scripts/serve-edge.sh, the edge tests
# (tests/test_edge.py) and the CI's Varnish leg run their own varnishd on ports they pick.
set -euo pipefail
have_varnishd() { command -v varnishd >/dev/null 2>&1 || [ -x /usr/sbin/varnishd ]; }
have_xkey() { ls /usr/lib/*/varnish/vmods/libvmod_xkey.so >/dev/null 2>&1; }
if have_varnishd && have_xkey; then exit 0; fi
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
echo "Installing Debian packages varnish and varnish-modules..."
$SUDO apt-get update -qq
# policy-rc.d (exit 101) keeps the package from starting the system varnishd on port 6081;
# RUNLEVEL=1 does the same where invoke-rc.d reads it. Removed again only if we made it.
MADE_POLICY=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod +x /usr/sbin/policy-rc.d
  MADE_POLICY=1
fi
DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 $SUDO apt-get install -y -qq --no-install-recommends varnish varnish-modules >/dev/null
if [ -n "$MADE_POLICY" ]; then $SUDO rm -f /usr/sbin/policy-rc.d; fi
# Where systemd runs, make sure the packaged service is neither running nor started at boot.
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  $SUDO systemctl disable --now varnish varnishncsa >/dev/null 2>&1 || true
fi
have_varnishd && have_xkey
command -v varnishd || ls /usr/sbin/varnishd
