#!/usr/bin/env bash
# Runs every benchmark under bench/ with its default size and prints their figures.
# Extra arguments go to each benchmark (e.g. `npm run bench -- --db sqlite`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/install-temporal.sh
bash scripts/install-temporal-server.sh
bash scripts/install-postgres.sh
for b in bench/*.bench.ts; do
  echo "== $b"
  npx tsx "$b" "$@"
done
