/**
 * The PostgreSQL ledger's connection pool: how many connections it holds and how long a write
 * waits for one, and the error it raises when that wait runs out. No I/O here, so that the
 * configuration schema and the worker can import it without the driver.
 */

export interface LedgerPoolOptions {
  /** Connections the pool opens at most. */
  size: number;
  /** How long a query waits for a free connection before `LedgerBusyError`. */
  waitMs: number;
}

/**
 * The defaults, sized for one worker. A worker runs up to 100 activities at once (the SDK's
 * `maxConcurrentActivityTaskExecutions`), and one `startDeadlines` sends its notices 32 at a time,
 * each notice a ledger read and a write: a fan-out asks for hundreds of connections at once,
 * which no pool gives. So the pool is as large as a PostgreSQL with its default 100 connections
 * can give each of two workers and the web service (3 × 20) with room for the rest, and a burst
 * queues for it. The wait is long enough for that queue to drain under a loaded database (the
 * 8 connections and 5 s of before did not: commit 5cd977e) and shorter than the shortest
 * heartbeat timeout of an activity that writes (announcePhase's 20 s), so a wait that still runs
 * out is a retry of the activity, not a heartbeat timeout.
 */
export const LEDGER_POOL_DEFAULTS: LedgerPoolOptions = { size: 20, waitMs: 15_000 };

/** What the pool went through since it opened: for the benchmarks and the worker's metrics. */
export interface LedgerPoolStats extends LedgerPoolOptions {
  /** The most queries ever queued at once for a connection. */
  maxWaiting: number;
  /** Waits that ran out (each a LedgerBusyError). */
  busy: number;
}

/** pg-pool's message when the wait for a connection runs out (pg-pool/index.js). */
const POOL_WAIT_EXPIRED = 'timeout exceeded when trying to connect';

/**
 * Raised when every connection of the pool stayed busy for the whole wait: the database is slow
 * or the burst is larger than the pool drains in `waitMs`. Waiting helps, so callers retry it
 * (the worker turns it into a benign retryable activity failure, worker/ledger-busy.ts).
 */
export class LedgerBusyError extends Error {
  override readonly name = 'LedgerBusyError';
  readonly code = 'LEDGER_BUSY';
  constructor(readonly pool: LedgerPoolOptions) {
    super(
      `the ledger's ${pool.size} PostgreSQL connections stayed busy for ${pool.waitMs / 1000} s ` +
        '(LEDGER_POOL_SIZE, LEDGER_POOL_WAIT_SECONDS)',
    );
  }
}

/** `err` as a `LedgerBusyError` when it is the pool's expired wait, else as it is. */
export function busyOr(err: unknown, pool: LedgerPoolOptions): unknown {
  return err instanceof Error && err.message === POOL_WAIT_EXPIRED ? new LedgerBusyError(pool) : err;
}
