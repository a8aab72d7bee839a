#!/usr/bin/env bash
# Installs the npm packages when node_modules is missing or was installed from another
# package-lock.json (a stamp records which). `npm ci` installs exactly the committed lock and
# leaves it untouched, so installs repeat and `git status` stays clean; only when package.json
# and the lock disagree (a dependency edited by hand) does `npm install` bring the lock up to
# date, and that change is then yours to commit. better-sqlite3 builds from source against the
# local Node headers (nodedir in .npmrc), since prebuilt binaries cannot be downloaded here.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=node_modules/.installed-from-lock
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  # npm ci checks the lock against package.json before it removes anything.
  if npm ci --dry-run --no-audit --no-fund >/dev/null 2>&1; then
    echo "install-deps: npm ci (package-lock.json as committed)"
    npm ci --no-audit --no-fund
  else
    echo "install-deps: package-lock.json is out of sync with package.json: npm install updates it"
    npm install --no-audit --no-fund
  fi
  sha256sum package-lock.json | cut -d' ' -f1 > "$stamp"
fi
