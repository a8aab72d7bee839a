#!/usr/bin/env bash
# npm ci when node_modules is missing or older than package-lock.json (a stamp records the
# lock file it was installed from). better-sqlite3 builds from source against the local Node
# headers (nodedir in .npmrc), since prebuilt binaries cannot be downloaded here.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=node_modules/.installed-from-lock
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "install-deps: npm ci"
  npm ci --no-audit --no-fund
  echo "$want" > "$stamp"
fi
