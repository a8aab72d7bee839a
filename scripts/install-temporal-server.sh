#!/usr/bin/env bash
# Installs the self-hosted Temporal server that the cluster tests and benchmarks run on
# PostgreSQL (test/helpers/cluster.ts), built from its Go module and cached in .tools/
# (git-ignored). Idempotent: a second run only checks. Exits non-zero with a message when
# something cannot be had.
#   .tools/bin/temporal-server                     go.temporal.io/server/cmd/server
#   .tools/bin/temporal-sql-tool                   go.temporal.io/server/cmd/tools/sql (creates and updates the schemas)
#   .tools/temporal-server-<version>/schema/postgresql/v12/{temporal,visibility}   the schemas it applies
# The version is the one the Temporal CLI's dev server is built from (scripts/install-temporal.sh
# pins the CLI at 1.5.1, whose go.mod requires go.temporal.io/server v1.29.1), so the tests on
# the dev server and on the cluster run the same server code.
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS_DIR="${TOOLS_DIR:-$PWD/.tools}"
SERVER_VERSION=1.29.1
SCHEMA_DIR="$TOOLS_DIR/temporal-server-$SERVER_VERSION/schema"
STAMP="$TOOLS_DIR/bin/temporal-server.version"
mkdir -p "$TOOLS_DIR/bin"

fail() { echo "install-temporal-server: $*" >&2; exit 1; }

if [ -x "$TOOLS_DIR/bin/temporal-server" ] && [ -x "$TOOLS_DIR/bin/temporal-sql-tool" ] \
  && [ -f "$SCHEMA_DIR/postgresql/v12/temporal/schema.sql" ] && [ "$(cat "$STAMP" 2>/dev/null)" = "$SERVER_VERSION" ] \
  && "$TOOLS_DIR/bin/temporal-sql-tool" --version >/dev/null 2>&1; then
  exit 0
fi

command -v go >/dev/null || fail "Go is needed to build the Temporal server (go.temporal.io/server@v$SERVER_VERSION)"
echo "install-temporal-server: building the Temporal server v$SERVER_VERSION and temporal-sql-tool from their Go module" \
  "(up to six minutes on two cores, once; about two after the CLI's build)…"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
started=$SECONDS
# go install names each binary after its package's folder (server, sql): built into a folder of
# their own, then renamed as Temporal's own releases name them.
GOBIN="$work/bin" GOFLAGS=-mod=mod go install \
  "go.temporal.io/server/cmd/server@v$SERVER_VERSION" "go.temporal.io/server/cmd/tools/sql@v$SERVER_VERSION" \
  || fail "could not build go.temporal.io/server v$SERVER_VERSION from the Go module proxy"
# The schemas ship in the module's source, which go install has just downloaded.
module_dir="$(GOFLAGS=-mod=mod go mod download -json "go.temporal.io/server@v$SERVER_VERSION" \
  | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
[ -f "$module_dir/schema/postgresql/v12/temporal/schema.sql" ] \
  || fail "the PostgreSQL schemas are missing from the module go.temporal.io/server@v$SERVER_VERSION"
rm -rf "$SCHEMA_DIR" && mkdir -p "$SCHEMA_DIR/postgresql"
cp -R "$module_dir/schema/postgresql/v12" "$SCHEMA_DIR/postgresql/"
chmod -R u+w "$SCHEMA_DIR"
mv "$work/bin/server" "$TOOLS_DIR/bin/temporal-server"
mv "$work/bin/sql" "$TOOLS_DIR/bin/temporal-sql-tool"
"$TOOLS_DIR/bin/temporal-sql-tool" --version >/dev/null || fail "the built temporal-sql-tool does not run"
echo "$SERVER_VERSION" > "$STAMP"
echo "install-temporal-server: ready in $((SECONDS - started)) s: $TOOLS_DIR/bin/temporal-server (v$SERVER_VERSION)," \
  "$TOOLS_DIR/bin/temporal-sql-tool, schemas in $SCHEMA_DIR"
