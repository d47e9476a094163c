#!/usr/bin/env bash
# Builds the web pages (cockpit at /, customer panel at /customer) from web/ into dist/public/:
# typechecks web/ with its own tsconfig, then bundles and hashes the assets with esbuild.
# Idempotent: does nothing when dist/public/ is newer than every file under web/ and this script.
set -euo pipefail
cd "$(dirname "$0")/.."

out=dist/public
stamp="$out/.build-stamp"
sources=(web scripts/build-web.sh scripts/build-web.js src/media/frame-codec.ts src/native/lossless-codec.ts src/recording/recording-format.ts)
if [ -f "$stamp" ] && [ -z "$(find "${sources[@]}" -newer "$stamp" -print -quit 2>/dev/null)" ]; then
  exit 0
fi
printf 'setup: building the web pages (web → %s)\n' "$out" >&2
node_modules/.bin/tsc --noEmit -p web/tsconfig.json
node scripts/build-web.js "$out"
touch "$stamp"
