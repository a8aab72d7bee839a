#!/usr/bin/env bash
# `npm start`: the service on its embedded default. Installs what it needs, starts the Temporal
# dev server on a SQLite file (.data/temporal.sqlite, WAL) with the engine's search attributes and
# Temporal's Web UI on :8233 (UI_PORT), starts the worker (ledger .data/ledger.sqlite, mail outbox
# .data/outbox), and launches the shipped sample campaign (plan 003 for the sample university),
# rehearsed from its own first day at one plan-day every 30 seconds so that mail arrives while you
# watch. Ctrl-C stops it all; starting again resumes the same campaign from the same files.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/install-temporal.sh
# Everything the service keeps, in one folder (DATA_DIR, .data by default).
DATA_DIR="${DATA_DIR:-.data}"
mkdir -p "$DATA_DIR"
export LEDGER_URL="${LEDGER_URL:-sqlite:$DATA_DIR/ledger.sqlite}"
export MAIL_URL="${MAIL_URL:-outbox:$DATA_DIR/outbox}"
export ATTACHMENTS_DIR="${ATTACHMENTS_DIR:-$DATA_DIR/attachments}"
# The secret that signs the links in mail: made once, kept with the data.
if [ -z "${LINK_SECRET:-}" ]; then
  LINK_SECRET="$(bash scripts/link-secret.sh "$DATA_DIR")"
fi
export LINK_SECRET
export TEMPORAL_ADDRESS="${TEMPORAL_ADDRESS:-127.0.0.1:7233}"
port="${TEMPORAL_ADDRESS##*:}"
PLAN="${PLAN:-plans/003-changchun.yaml}"
export ORG="${ORG:-plans/orgs/sample-university.yaml}"
SPEED="${SPEED:-2880}"
UI_PORT="${UI_PORT:-8233}"
# The web console links each deadline to its workflow in the Web UI.
export TEMPORAL_UI_URL="${TEMPORAL_UI_URL:-http://127.0.0.1:$UI_PORT}"
# The search attributes, from their one definition (domain/engine/search-attributes.ts).
mapfile -t search_attributes < <(npx tsx scripts/search-attribute-flags.ts)
[ "${#search_attributes[@]}" -gt 0 ] || { echo "start.sh: could not read the search attributes" >&2; exit 1; }
# Its SQLite settings, as the tests and the benchmarks run it (DEV_SERVER_PRAGMAS, worker/servers.ts).
mapfile -t pragmas < <(npx tsx scripts/dev-server-pragmas.ts)
[ "${#pragmas[@]}" -gt 0 ] || { echo "start.sh: could not read the dev server's SQLite settings" >&2; exit 1; }

.tools/bin/temporal server start-dev --ip 127.0.0.1 --port "$port" --ui-port "$UI_PORT" \
  --db-filename "$DATA_DIR/temporal.sqlite" "${pragmas[@]}" \
  "${search_attributes[@]}" --log-level error > "$DATA_DIR/temporal.log" 2>&1 &
server=$!
trap 'kill ${web:-} ${worker:-} $server 2>/dev/null; wait 2>/dev/null' EXIT INT TERM
# Up means answering, and being ours: a server that ended (its port taken by another program,
# perhaps another Temporal that would then answer in its place) stops the script with its log.
up=
for _ in $(seq 60); do
  sleep 1
  if ! kill -0 "$server" 2>/dev/null; then
    echo "start.sh: the Temporal dev server ended; its log ($DATA_DIR/temporal.log) ends:" >&2
    tail -n 5 "$DATA_DIR/temporal.log" >&2
    exit 1
  fi
  .tools/bin/temporal operator cluster health --address "$TEMPORAL_ADDRESS" >/dev/null 2>&1 && { up=1; break; }
done
[ -n "$up" ] || { echo "start.sh: the Temporal dev server did not answer on $TEMPORAL_ADDRESS within 60 s (see $DATA_DIR/temporal.log)" >&2; exit 1; }
node --import tsx worker/main.ts &
worker=$!
node --import tsx web/main.ts &
web=$!
npx tsx client/cli/main.ts start --plan "$PLAN" --org "$ORG" --rehearse-speed "$SPEED" --digest \
  || echo "(the campaign already exists: resuming it)"
# Running means answering: the worker bundles its workflows before it first polls, and a
# `status` asked before that poll would be told that no worker runs.
npx tsx scripts/wait-for-worker.ts || { echo "start.sh: the worker did not start polling" >&2; exit 1; }
# And the sign-in page the message below points to must answer: a web service that could not
# listen (its port taken by another program) ends at once, and the script stops with it.
npx tsx scripts/wait-for-web.ts --pid "$web" || { echo "start.sh: the web service is not answering (see its error above)" >&2; exit 1; }
cat <<MSG

The service is running (Temporal dev server on $TEMPORAL_ADDRESS, worker, web, sample campaign).
Open ${BASE_URL:-http://localhost:8080}/login in a browser and sign in with an address from $ORG
(the office: the sign-in mail lands in $DATA_DIR/outbox); the office console is ${BASE_URL:-http://localhost:8080}/console.
Temporal's Web UI: http://127.0.0.1:$UI_PORT/namespaces/default/workflows
In another terminal:
  npm run cli -- status changchun-2010
  npm run cli -- list changchun-2010
  npm run cli -- outbox list
  npm run cli -- audit --campaign changchun-2010
Ctrl-C stops the service.
MSG
wait $worker
