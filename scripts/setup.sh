#!/usr/bin/env bash
# Idempotent set-up for `npm start` and `npm test`: apt packages, npm packages, the native addon,
# the TypeScript build and the web bundle. Does nothing (in well under 2 s) when all is in place.
# Mirrors the build stage of the Dockerfile, so CI exercises the same steps.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'setup: %s\n' "$*" >&2; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

# Debian packages: runtime + build headers + what the test suite drives (Redis, Sentinel, Xvfb,
# Chromium, HAProxy, x11vnc for the capture benchmark, slapd for the LDAP realm).
APT_PACKAGES=(
  build-essential python3 pkg-config
  libx11-dev libxext-dev libxtst-dev libxdamage-dev libxfixes-dev libxrandr-dev libxi-dev
  libjpeg62-turbo-dev libturbojpeg0-dev zlib1g-dev
  redis-server redis-sentinel haproxy
  xvfb xdotool x11-xserver-utils x11-utils x11vnc xinput
  chromium fonts-dejavu-core
  slapd ldap-utils
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done

if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    die "missing Debian packages: ${missing[*]}. Run this as root, or install them: sudo apt-get install -y ${missing[*]}"
  fi
  say "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  # The Debian services would grab the default ports; tests start their own on free ports.
  for svc in redis-server redis-sentinel haproxy slapd; do
    (systemctl disable --now "$svc" || service "$svc" stop) >/dev/null 2>&1 || true
  done
fi

# npm packages, from the lockfile.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages (npm ci)"
  # This npm writes lockfiles without other platforms' optional packages and its own `npm ci`
  # may then refuse them as out of sync; `npm install` still honours the locked versions.
  if ! npm ci --no-audit --no-fund >&2; then
    say "npm ci refused the lockfile; falling back to npm install (locked versions)"
    npm install --no-audit --no-fund >&2
  fi
  touch node_modules/.package-lock.json
fi

# The native addon (capture, diff, encode, inject).
if [ -f binding.gyp ]; then
  bash scripts/build-native.sh
fi

# TypeScript → dist/ when any source is newer than the last build.
stamp=dist/.build-stamp
if [ ! -f "$stamp" ] || [ -n "$(find src tsconfig.json tsconfig.build.json package.json -newer "$stamp" -print -quit)" ]; then
  say "compiling TypeScript (src → dist)"
  node_modules/.bin/tsc -p tsconfig.build.json
  touch "$stamp"
fi

# The web pages (cockpit, customer panel, admin).
if [ -f scripts/build-web.sh ]; then
  bash scripts/build-web.sh
fi
