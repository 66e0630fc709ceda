#!/usr/bin/env bash
# Idempotent setup for a fresh Debian 12 machine: the Debian packages Agora's tests and local
# cluster use, and the npm dependencies. Safe to run again; it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages, added here as the features that need them land.
DEB_PACKAGES=(${AGORA_DEB_PACKAGES:-})
if [ -f scripts/deb-packages.txt ]; then
  while read -r pkg _; do
    case "$pkg" in ''|'#'*) ;; *) DEB_PACKAGES+=("$pkg");; esac
  done < scripts/deb-packages.txt
fi

missing=()
for pkg in "${DEB_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm dependencies: install when node_modules is missing or older than the lockfile.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm dependencies"
  npm ci --no-fund --no-audit --loglevel=error
fi
