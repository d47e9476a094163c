#!/usr/bin/env bash
# `npm run bench`: every benchmark in bench/, each printing ratios against a baseline measured in the
# same run (raw ws, memcpy, x11vnc) or the figures an operator asks for (takeover, failover).
# No thresholds: these machines are noisy; compare ratios. TypeScript benches are compiled with
# tsconfig.bench.json (they reuse the test harness to start Redis, Sentinel and child nodes).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
node_modules/.bin/tsc -p tsconfig.bench.json
for b in bench/*.js bench/*.ts; do
  [ -e "$b" ] || continue
  printf '\n== %s ==\n' "$b"
  case "$b" in
    *.ts) node "build/bench/${b%.ts}.js" ;;
    *) node "$b" ;;
  esac
done
