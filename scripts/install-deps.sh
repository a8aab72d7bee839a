#!/usr/bin/env bash
# Installs the npm packages when node_modules is missing or was installed from another
# package-lock.json (a stamp records which). `npm install`, not `npm ci`: this npm leaves other
# platforms' optional packages (@swc/core-darwin-*, …) out of the lock file and then refuses
# `npm ci` as "out of sync" (seen here); `npm install` keeps the locked versions. better-sqlite3 builds from source against the local Node
# headers (nodedir in .npmrc), since prebuilt binaries cannot be downloaded here.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=node_modules/.installed-from-lock
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "install-deps: npm install (from package-lock.json)"
  npm install --no-audit --no-fund
  # The stamp is the lock as npm left it, so that a lock npm completed does not mean a second install.
  sha256sum package-lock.json | cut -d' ' -f1 > "$stamp"
fi
