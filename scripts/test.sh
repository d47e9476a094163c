#!/usr/bin/env bash
# The whole suite: typecheck, lint, unit (with domain coverage), integration. Ends with one line:
# "tandem: N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p test/artifacts
status=0
step() { printf '\n== %s\n' "$*" >&2; }

step "typecheck (tsc --noEmit)"
node_modules/.bin/tsc --noEmit -p tsconfig.json || status=1

step "lint (eslint)"
node_modules/.bin/eslint --max-warnings 0 . || status=1

step "unit tests (+ coverage of src/domain)"
node_modules/.bin/jest --selectProjects unit --coverage --json --outputFile=test/artifacts/unit.json || status=1

step "integration tests"
node_modules/.bin/jest --selectProjects integration --runInBand --json --outputFile=test/artifacts/integration.json || status=1

node -e '
const fs = require("fs");
let p = 0, f = 0, s = 0;
for (const file of ["test/artifacts/unit.json", "test/artifacts/integration.json"]) {
  if (!fs.existsSync(file)) { f += 1; continue; }
  const r = JSON.parse(fs.readFileSync(file, "utf8"));
  p += r.numPassedTests; f += r.numFailedTests + r.numRuntimeErrorTestSuites; s += r.numPendingTests + r.numTodoTests;
}
const gates = process.argv[1] === "0" ? "" : " (a quality gate failed: see above)";
console.log(`tandem: ${p} passed, ${f} failed, ${s} skipped${gates}`);
' "$status"
exit $status
