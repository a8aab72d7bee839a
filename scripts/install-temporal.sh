#!/usr/bin/env bash
# Installs the two Temporal servers the project runs, from the package registries, pinned and
# cached in .tools/ (git-ignored). Idempotent: a second run only checks. Exits non-zero with a
# message when something cannot be had.
#   .tools/bin/temporal               the Temporal CLI (dev server: `temporal server start-dev`), built from its Go module
#   .tools/bin/temporal-test-server   the time-skipping test server (Maven io.temporal:temporal-test-server)
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS_DIR="${TOOLS_DIR:-$PWD/.tools}"
CLI_VERSION=1.5.1
TEST_SERVER_VERSION=1.32.0
mkdir -p "$TOOLS_DIR/bin"

fail() { echo "install-temporal: $*" >&2; exit 1; }

# --- the Temporal CLI ---
# go install does not stamp the version into the binary, so a stamp file records what was built.
if [ -x "$TOOLS_DIR/bin/temporal" ] && [ "$(cat "$TOOLS_DIR/bin/temporal.version" 2>/dev/null)" = "$CLI_VERSION" ] \
  && "$TOOLS_DIR/bin/temporal" --version >/dev/null 2>&1; then
  :
else
  command -v go >/dev/null || fail "Go is needed to build the Temporal CLI (go install github.com/temporalio/cli/cmd/temporal@v$CLI_VERSION)"
  echo "install-temporal: building the Temporal CLI v$CLI_VERSION from its Go module (a few minutes, once)…"
  GOBIN="$TOOLS_DIR/bin" GOFLAGS=-mod=mod go install "github.com/temporalio/cli/cmd/temporal@v$CLI_VERSION" \
    || fail "could not build the Temporal CLI v$CLI_VERSION from the Go module proxy"
  "$TOOLS_DIR/bin/temporal" --version >/dev/null || fail "the built Temporal CLI does not run"
  echo "$CLI_VERSION" > "$TOOLS_DIR/bin/temporal.version"
fi

# --- the time-skipping test server ---
LIB="$TOOLS_DIR/test-server-$TEST_SERVER_VERSION/lib"
if [ ! -f "$LIB/.complete" ]; then
  command -v mvn >/dev/null || fail "Maven is needed to fetch io.temporal:temporal-test-server:$TEST_SERVER_VERSION"
  command -v java >/dev/null || fail "Java is needed to run the Temporal test server"
  echo "install-temporal: fetching io.temporal:temporal-test-server:$TEST_SERVER_VERSION and its dependencies from Maven Central…"
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  cat > "$work/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.campaign</groupId><artifactId>temporal-test-server-fetch</artifactId><version>1</version>
  <dependencies>
    <dependency><groupId>io.temporal</groupId><artifactId>temporal-test-server</artifactId><version>$TEST_SERVER_VERSION</version></dependency>
  </dependencies>
</project>
POM
  rm -rf "$LIB" && mkdir -p "$LIB"
  mvn -q -B -f "$work/pom.xml" dependency:copy-dependencies -DoutputDirectory="$LIB" -DincludeScope=runtime \
    || fail "could not fetch io.temporal:temporal-test-server:$TEST_SERVER_VERSION from Maven Central"
  touch "$LIB/.complete"
fi
# The server starts through our launcher (scripts/test-server/TestServerLauncher.java, which says
# why): compiled again whenever its source changes.
LAUNCHER_SRC="scripts/test-server/TestServerLauncher.java"
LAUNCHER_DIR="$TOOLS_DIR/test-server-$TEST_SERVER_VERSION/launcher-$(sha256sum "$LAUNCHER_SRC" | cut -c1-12)"
if [ ! -f "$LAUNCHER_DIR/TestServerLauncher.class" ]; then
  command -v javac >/dev/null || fail "javac (a JDK) is needed to compile $LAUNCHER_SRC"
  rm -rf "$TOOLS_DIR/test-server-$TEST_SERVER_VERSION"/launcher-* && mkdir -p "$LAUNCHER_DIR"
  javac -nowarn -d "$LAUNCHER_DIR" -cp "$LIB/*" "$LAUNCHER_SRC" || fail "could not compile $LAUNCHER_SRC"
fi
# The JIT stops at C1: the server lives for one test or one rehearsal, and C2 spent as much CPU
# compiling as the server spent serving in a one-minute rehearsal on two cores (13 s of 27 s);
# with C1 alone the 100-branch rehearsal took 51 s instead of 60 s.
cat > "$TOOLS_DIR/bin/temporal-test-server" <<WRAP
#!/usr/bin/env bash
# Runs the Temporal time-skipping test server: temporal-test-server <port> [--enable-time-skipping]
exec java -Xss4m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp '$LIB/*:$LAUNCHER_DIR' TestServerLauncher "\$@"
WRAP
chmod +x "$TOOLS_DIR/bin/temporal-test-server"
echo "install-temporal: ready: $TOOLS_DIR/bin/temporal (v$CLI_VERSION), $TOOLS_DIR/bin/temporal-test-server (v$TEST_SERVER_VERSION)"
