#!/usr/bin/env bash
# `npm run bench`: every benchmark in bench/, each printing ratios against a baseline measured in the
# same run (raw ws, memcpy, x11vnc). No thresholds: these machines are noisy; compare ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
for b in bench/*.js; do
  printf '\n== %s ==\n' "$b"
  node "$b"
done
