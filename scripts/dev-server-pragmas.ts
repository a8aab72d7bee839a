/**
 * Prints the `temporal server start-dev` flags that set the dev server's SQLite pragmas, one word
 * a line, from their one definition (`DEV_SERVER_PRAGMAS`, worker/servers.ts), for
 * scripts/start.sh:  mapfile -t pragmas < <(npx tsx scripts/dev-server-pragmas.ts)
 * The quick start then runs the dev server as the tests and the benchmarks do.
 */
import { DEV_SERVER_PRAGMAS } from '../worker/servers';

console.log(DEV_SERVER_PRAGMAS.join('\n'));
