/**
 * The PostgreSQL ledger's connection pool under a burst larger than itself, on a real server:
 * the writes of a worker's whole activity concurrency arrive while the database holds every
 * connection longer than the old 5 s wait. With the defaults they queue and all land; with a
 * pool too small for the wait they fail as LedgerBusyError, which the worker retries quietly.
 */
import pg from 'pg';
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import { openLedger, LEDGER_POOL_DEFAULTS } from '../../ledger';
import type { LedgerEvent, LedgerStore } from '../../ledger/types';
import type { SqlLedger } from '../../ledger/store';
import { ConfigError, ledgerPoolOf, parseConfig } from '../../config';
import { ledgerBusyAsFailure } from '../../worker/ledger-busy';
import { createDatabase, startPostgres, type PgCluster } from '../helpers/postgres';

/** The SDK's default `maxConcurrentActivityTaskExecutions`: one write from each activity at once. */
const BURST = 100;
/** How long the database keeps every connection waiting: longer than the 5 s the pool used to wait. */
const HOLD_MS = 8_000;

const event = (i: number): LedgerEvent => ({
  id: `burst:${i}`,
  campaignId: 'burst',
  kind: 'deadline-opened',
  at: '2026-12-03T00:00:00.000Z',
  obligationKey: 'report',
  cycleKey: '2026',
  unitId: `u${i}`,
  dueAt: '2026-12-31T00:00:00.000Z',
});

/**
 * Holds the events table locked for `ms` from a connection of its own, as a loaded database
 * holds a writer: every write that gets a connection meanwhile keeps it until the lock goes.
 */
async function holdEvents(url: string, ms: number): Promise<{ released: Promise<void> }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('BEGIN');
  await client.query('LOCK TABLE events IN ACCESS EXCLUSIVE MODE');
  const released = new Promise<void>((resolve) => setTimeout(resolve, ms)).then(async () => {
    await client.query('COMMIT');
    await client.end();
  });
  return { released };
}

let cluster: PgCluster;
let n = 0;
beforeAll(async () => {
  cluster = await startPostgres();
});
afterAll(() => cluster?.stop());

describe('the PostgreSQL ledger under a burst larger than its pool', () => {
  let ledger: LedgerStore | undefined;
  afterEach(async () => {
    await ledger?.close();
    ledger = undefined;
  });

  it('queues every write of a full activity concurrency while the database holds them, and loses none', async () => {
    const url = await createDatabase(cluster, `pool_${++n}`);
    ledger = await openLedger(url);
    const { released } = await holdEvents(url, HOLD_MS);
    const writes = await Promise.allSettled(Array.from({ length: BURST }, (_, i) => ledger!.recordMany([event(i)])));
    await released;
    const failed = writes.filter((w) => w.status === 'rejected').map((w) => String(w.reason));
    expect(failed).toEqual([]);
    expect(await ledger.events({ campaignId: 'burst' })).toHaveLength(BURST);
  }, 60_000);

  it('fails a wait that runs out as LedgerBusyError, and the same writes land once the database frees', async () => {
    const url = await createDatabase(cluster, `pool_${++n}`);
    const pool = { size: 2, waitMs: 300 };
    ledger = await openLedger(url, pool);
    const { released } = await holdEvents(url, 2_000);
    const writes = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => ledger!.recordMany([event(i)])));
    const reasons = writes.flatMap((w) => (w.status === 'rejected' ? [w.reason as Error] : []));
    // The two writes holding the connections wait on the lock; the other eight time out in the queue.
    expect(reasons.length).toBeGreaterThanOrEqual(8);
    for (const r of reasons)
      expect({ name: r.name, code: (r as { code?: string }).code }).toEqual({
        name: 'LedgerBusyError',
        code: 'LEDGER_BUSY',
      });
    expect(reasons[0]!.message).toContain('2 PostgreSQL connections stayed busy for 0.3 s');
    // The pool's account of it, as the benchmark prints it.
    const stats = (ledger as SqlLedger).poolStats()!;
    expect(stats).toMatchObject({ size: 2, waitMs: 300, busy: reasons.length });
    expect(stats.maxWaiting).toBeGreaterThanOrEqual(8);
    await released;
    // A retry after the wait: each write lands once (the two that waited on the lock already did).
    await Promise.all(Array.from({ length: 10 }, (_, i) => ledger!.recordMany([event(i)])));
    expect(await ledger.events({ campaignId: 'burst' })).toHaveLength(10);
  }, 30_000);
});

describe("the worker's view of a busy ledger", () => {
  it('is a benign, retryable activity failure that keeps its cause', () => {
    const busy = Object.assign(new Error('all busy'), { name: 'LedgerBusyError' });
    const failure = ledgerBusyAsFailure(busy);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    const f = failure as ApplicationFailure;
    expect([f.type, f.nonRetryable, f.category, f.cause]).toEqual([
      'LedgerBusyError',
      false,
      ApplicationFailureCategory.BENIGN,
      busy,
    ]);
    const other = new Error('connection refused');
    expect(ledgerBusyAsFailure(other)).toBe(other);
  });
});

describe('LEDGER_POOL_SIZE and LEDGER_POOL_WAIT_SECONDS', () => {
  it('default to the pool sized for one worker', () => {
    expect(ledgerPoolOf(parseConfig({}))).toEqual(LEDGER_POOL_DEFAULTS);
    expect(ledgerPoolOf(parseConfig({ LEDGER_POOL_SIZE: '40', LEDGER_POOL_WAIT_SECONDS: '2.5' }))).toEqual({
      size: 40,
      waitMs: 2500,
    });
  });

  it.each([
    ['LEDGER_POOL_SIZE', '0'],
    ['LEDGER_POOL_SIZE', 'eight'],
    ['LEDGER_POOL_SIZE', '1.5'],
    ['LEDGER_POOL_WAIT_SECONDS', '0'],
    ['LEDGER_POOL_WAIT_SECONDS', '-3'],
  ])('refuse %s=%s, naming the variable', (name, value) => {
    expect(() => parseConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => parseConfig({ [name]: value })).toThrow(new RegExp(`${name}: `));
  });
});
