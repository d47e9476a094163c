#!/usr/bin/env bash
# Builds the native addon (binding.gyp → build/Release/tandem_native.node) when it is missing or
# older than any of its inputs: binding.gyp, native/**, or the node-addon-api headers. Otherwise it
# does nothing. Uses node-gyp from node_modules against the headers installed with this node
# (Debian: /usr/include/node), so it works offline.
#   FORCE=1 bash scripts/build-native.sh    rebuild regardless
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'build-native: %s\n' "$*" >&2; }
die() { printf 'build-native: error: %s\n' "$*" >&2; exit 1; }

out=build/Release/tandem_native.node

[ -f binding.gyp ] || die "binding.gyp not found in $(pwd)"
[ -x node_modules/.bin/node-gyp ] || die "node_modules/.bin/node-gyp is missing; run 'npm run setup' (or 'npm ci') first"
[ -f node_modules/node-addon-api/napi.h ] || die "node-addon-api is missing from node_modules; run 'npm ci'"

if [ "${FORCE:-0}" != 1 ] && [ -f "$out" ] &&
   [ -z "$(find binding.gyp native node_modules/node-addon-api/napi.h node_modules/node-addon-api/napi-inl.h \
            -newer "$out" -print -quit 2>/dev/null)" ]; then
  exit 0
fi

# The headers that match the running node: <prefix>/include/node next to <prefix>/bin/node.
prefix="$(dirname "$(dirname "$(node -p 'process.execPath')")")"
gyp_args=(rebuild)
if [ -f "$prefix/include/node/node_api.h" ]; then
  gyp_args+=("--nodedir=$prefix")
else
  say "no node headers under $prefix/include/node; node-gyp will try to download them"
fi

missing=()
for h in turbojpeg.h zlib.h; do
  [ -f "/usr/include/$h" ] || missing+=("$h")
done
[ "${#missing[@]}" -eq 0 ] ||
  die "missing headers: ${missing[*]}. Install: apt-get install -y libturbojpeg0-dev libjpeg62-turbo-dev zlib1g-dev"

say "compiling native addon ($(ls native/src/*.cc | wc -l) sources) → $out"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
start=$(date +%s)
if ! node_modules/.bin/node-gyp "${gyp_args[@]}" >"$log" 2>&1; then
  grep -E 'error|Error|ERR!' "$log" | head -40 >&2 || true
  die "node-gyp failed (errors above; full output: node_modules/.bin/node-gyp ${gyp_args[*]})"
fi
[ -f "$out" ] || die "node-gyp reported success but $out was not produced"
say "built $out in $(( $(date +%s) - start ))s"
