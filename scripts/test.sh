#!/usr/bin/env bash
# The test command (`npm test`): installs what it needs, then type-checks, lints, checks the
# formatting and runs every jest suite: unit, ledger (SQLite and PostgreSQL), mail (a real SMTP
# server), workflows (time-skipping server), end-to-end (dev server).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/install-temporal.sh
bash scripts/install-temporal-server.sh
bash scripts/install-postgres.sh
bash scripts/install-browser.sh

echo "== typecheck"; npx tsc --noEmit -p tsconfig.json
echo "== lint"; npx eslint .
echo "== format"; npx prettier --check . >/dev/null || { npx prettier --check .; exit 1; }

echo "== jest"
results="$(mktemp)"
status=0
# --forceExit: a test that times out leaves its worker polling, and jest would wait for it forever
# (the failure is reported all the same).
npx jest --runInBand --forceExit --json --outputFile="$results" "$@" >/dev/null || status=$?
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed` + (r.numPendingTests ? `, ${r.numPendingTests} skipped` : ""));
' "$results"
rm -f "$results"
exit "$status"
