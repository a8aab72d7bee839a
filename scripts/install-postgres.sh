#!/usr/bin/env bash
# Installs PostgreSQL from Debian's packages when it is missing; the ledger tests run the same
# suite on it as on SQLite, each test run in a private throwaway cluster (test/helpers/postgres.ts).
set -euo pipefail
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" != 0 ] && ! command -v sudo >/dev/null; then
  echo "install-postgres: PostgreSQL is missing; install the Debian package 'postgresql' (needs root)" >&2
  exit 1
fi
SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
echo "install-postgres: installing PostgreSQL from Debian's packages…"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { echo "install-postgres: initdb still missing after install" >&2; exit 1; }
