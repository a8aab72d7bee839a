/**
 * The Temporal servers the project installs itself (scripts/install-temporal.sh), handed to
 * @temporalio/testing as existing executables so that it never tries to download one.
 */
import path from 'node:path';
import { existsSync } from 'node:fs';
import type { ConnectionPlugin } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporal } from '@temporalio/proto';
import { SEARCH_ATTRIBUTE_KEYS } from '../domain/engine/search-attributes';

export const TOOLS_BIN = path.resolve(__dirname, '..', '.tools', 'bin');
export const TEMPORAL_CLI = path.join(TOOLS_BIN, 'temporal');
export const TEST_SERVER = path.join(TOOLS_BIN, 'temporal-test-server');

export class ServerMissingError extends Error {
  override readonly name = 'ServerMissingError';
  readonly code = 'SERVER_MISSING';
}

function need(file: string): string {
  if (!existsSync(file)) {
    throw new ServerMissingError(`${file} is missing: run \`bash scripts/install-temporal.sh\` first`);
  }
  return file;
}

/**
 * The test server (grpc-java) tolerates a client's keepalive ping at most every five minutes
 * while a call is open and answers more frequent ones with GOAWAY. The client pings every 30 s,
 * so a call that stays quiet for 90 s, such as a rehearsal's `env.sleep` while the workers are
 * busy, loses its connection, and the client retries it. A retried `unlockTimeSkippingWithSleep`
 * unlocks time skipping twice and relocks once; the server's lock count later goes below zero
 * and time stops for good (the 1,000-branch rehearsal stalled this way). On a local socket a
 * keepalive finds nothing anyway, so the client pings no more often than the server allows.
 */
const TEST_SERVER_KEEPALIVE_MS = 6 * 60 * 1000;

const testServerKeepalive: ConnectionPlugin = {
  name: 'test-server-keepalive',
  configureConnection: (options) => ({
    ...options,
    channelArgs: {
      ...options.channelArgs,
      'grpc.keepalive_time_ms': TEST_SERVER_KEEPALIVE_MS,
      'grpc.keepalive_permit_without_calls': 0,
    },
  }),
};

/**
 * The time-skipping test server (Java), on a free port. It starts without the engine's search
 * attributes, and a rehearsal runs without them; `searchAttributes` registers them, for a
 * rehearsal that sets them as a deployment does (scripts/record-histories.ts).
 */
export async function createTimeSkippingEnv(
  opts: { searchAttributes?: boolean } = {},
): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: need(TEST_SERVER) } },
    plugins: [testServerKeepalive],
  });
  if (opts.searchAttributes) {
    const keyword = temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
    await env.connection.operatorService.addSearchAttributes({
      namespace: env.namespace ?? 'default',
      searchAttributes: Object.fromEntries(SEARCH_ATTRIBUTE_KEYS.map((k) => [k.name, keyword])),
    });
  }
  return env;
}

export interface DevServerOptions {
  /** The SQLite file that keeps workflows across restarts. */
  dbFile: string;
  port?: number;
  namespace?: string;
}

/**
 * The dev server (`temporal server start-dev`) on a SQLite file in WAL mode, with the
 * engine's search attributes registered.
 */
export function createDevServerEnv(opts: DevServerOptions): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: need(TEMPORAL_CLI) },
      dbFilename: opts.dbFile,
      port: opts.port,
      namespace: opts.namespace,
      ip: '127.0.0.1',
      ui: false,
      searchAttributes: SEARCH_ATTRIBUTE_KEYS,
      extraArgs: DEV_SERVER_PRAGMAS,
    },
  });
}

/**
 * SQLite pragmas for the dev server's file: WAL and relaxed sync for speed, still crash-safe; a
 * page cache of 64 MiB instead of SQLite's 2 MiB (the visibility table alone has 45 indexes, each
 * written on every workflow start), and a checkpoint every 10,000 pages of WAL (40 MiB) instead
 * of 1,000, so that a page written again and again between checkpoints goes back to the database
 * once. Alternated with the first two alone (2026-12-05, docs/performance.md), the fan-out
 * bench's sets started 6 % faster on average.
 */
export const DEV_SERVER_PRAGMAS = [
  '--sqlite-pragma',
  'journal_mode=wal',
  '--sqlite-pragma',
  'synchronous=normal',
  '--sqlite-pragma',
  'cache_size=-65536',
  '--sqlite-pragma',
  'wal_autocheckpoint=10000',
];
