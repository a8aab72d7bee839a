/**
 * Fills a ledger with a campaign of N branches over Y years and prints the insert rate, the
 * time of each audit query (and of the roster's refused addresses) and the database size.
 *   npx tsx bench/ledger.bench.ts [--db sqlite|postgres|both] [--branches 1000] [--years 3]
 * PostgreSQL runs in a private throwaway cluster (test/helpers/postgres.ts).
 */
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { openLedger } from '../ledger';
import type { LedgerEvent, LedgerStore } from '../ledger/types';
import { mailRefusals } from '../mail/refusals';
import { benchCampaign, benchUnits, BENCH_START } from './ledger-data';
import {
  deadlineRows,
  lagRanking,
  laggingUnits,
  lateReviewers,
  openRectifications,
  unitHistory,
} from '../ledger/audit';
import { startPostgres } from '../test/helpers/postgres';

const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : dflt;
};
const BRANCHES = Number(arg('branches', '1000'));
const YEARS = Number(arg('years', '3'));
const DB = arg('db', 'both');
/** The unit and the cycle of the two single-deadline queries: b-00500 and 2011-0 at the default sizes. */
const MIDDLE_BRANCH = `b-${String(Math.floor(BRANCHES / 2)).padStart(5, '0')}`;
const SECOND_YEAR_FIRST_CYCLE = `${2010 + Math.min(1, YEARS - 1)}-0`;
const DAY = 86_400_000;

/**
 * Refusals of ten branches' addresses, one in each tenth of the campaign, and of one address
 * nobody mailed again, at the start.
 */
const NEVER_MAILED = 'gone@example.org';
const REFUSED_BRANCHES = Array.from(
  { length: 10 },
  (_, i) => `b-${String(Math.floor((i * BRANCHES) / 10)).padStart(5, '0')}`,
);
function benchRefusals(): LedgerEvent[] {
  const span = (YEARS * 12 + 2) * 30 * DAY;
  const refusal = (i: number, email: string, at: number): LedgerEvent => ({
    id: `bench-refusal:${i}`,
    campaignId: 'bench',
    kind: 'message-failed',
    at: new Date(at).toISOString(),
    unitId: email.split('@')[0],
    recipients: [email],
    error: '550 mailbox unavailable',
  });
  return [
    ...REFUSED_BRANCHES.map((unit, i) => refusal(i, `${unit}@example.org`, BENCH_START + ((i + 0.5) * span) / 10)),
    refusal(10, NEVER_MAILED, BENCH_START),
  ];
}
/** Each branch's address is read among its own messages (as the roster gives it); the other among all, as the office's. */
const answered = new Map(REFUSED_BRANCHES.map((unit) => [`${unit}@example.org`, [unit]]));
const unanswered = new Map([[NEVER_MAILED, undefined]]);

async function time<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = process.hrtime.bigint();
  const out = await fn();
  return [out, Number(process.hrtime.bigint() - t) / 1e6];
}

/** Fills `ledger`, prints the insert rate, runs `beforeQueries`, then times each audit query. */
async function run(
  name: string,
  ledger: LedgerStore,
  size: () => string,
  beforeQueries: () => Promise<void> = () => Promise.resolve(),
): Promise<void> {
  await ledger.upsertUnits(benchUnits(BRANCHES).filter((u) => u.level === 'branch'));
  let events = 0;
  const t0 = Date.now();
  for (const batch of benchCampaign(BRANCHES, YEARS)) events += await ledger.recordMany(batch);
  const secs = (Date.now() - t0) / 1000;
  console.log(
    `\n${name}: ${events.toLocaleString()} events in ${secs.toFixed(1)} s = ${Math.round(events / secs).toLocaleString()} events/s; size ${size()}`,
  );
  await ledger.recordMany(benchRefusals());
  await beforeQueries();
  const asOf = new Date(BENCH_START + (YEARS * 12 + 2) * 30 * DAY).toISOString();
  const f = { campaignId: 'bench', asOf };
  const queries: [string, () => Promise<unknown[]>][] = [
    ['lagging units', () => laggingUnits(ledger, f)],
    ['lagging units of one committee', () => laggingUnits(ledger, { ...f, committeeId: 'c-07' })],
    ['ranking of lagging branches', () => lagRanking(ledger, f)],
    ['late reviewers', () => lateReviewers(ledger, f)],
    ['open rectification orders', () => openRectifications(ledger, f)],
    ["one unit's history", () => unitHistory(ledger, 'bench', MIDDLE_BRANCH)],
    ['deadlines of one cycle', () => deadlineRows(ledger, { ...f, cycleKey: SECOND_YEAR_FIRST_CYCLE })],
    // The roster's list of what to mend (通讯录待补正): every refusal, and for each address the first
    // delivery after it. The bench's ten refused branches were all mailed again later.
    ['refusals, answered (10 addresses)', async () => (await mailRefusals(ledger, 'bench', answered)).deliveries],
    // The worst case: an address the office's (carried by any unit's message), refused on the first
    // day and never mailed since, read to the end.
    ['refusal never answered', async () => (await mailRefusals(ledger, 'bench', unanswered)).deliveries],
  ];
  for (const [label, q] of queries) {
    const [rows, ms] = await time(q);
    console.log(`  ${label.padEnd(32)} ${ms.toFixed(0).padStart(6)} ms  (${rows.length} rows)`);
  }
}

async function main(): Promise<void> {
  console.log(`ledger benchmark: ${BRANCHES} branches, ${YEARS} years, on ${os.cpus().length} cores`);
  if (DB === 'sqlite' || DB === 'both') {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ledger-bench-'));
    const file = path.join(dir, 'ledger.sqlite');
    const ledger = await openLedger(`sqlite:${file}`);
    await run(
      'SQLite',
      ledger,
      () =>
        `${(statSync(file).size / 2 ** 20).toFixed(0)} MiB (+WAL ${(statSync(`${file}-wal`).size / 2 ** 20).toFixed(0)} MiB)`,
    );
    await ledger.close();
    rmSync(dir, { recursive: true, force: true });
  }
  if (DB === 'postgres' || DB === 'both') {
    const pg = await startPostgres();
    try {
      const ledger = await openLedger(pg.url);
      let bytes = '?';
      const { Client } = await import('pg');
      const c = new Client({ connectionString: pg.url });
      await c.connect();
      // The statistics autovacuum gathers within a minute of a load, gathered at once: the load
      // takes about a minute, and without them the planner chose a plan ten times slower for
      // the open rectification orders (2026-12-04: 206-233 ms, 23 ms after ANALYZE).
      await run(
        'PostgreSQL',
        ledger,
        () => bytes,
        async () => void (await c.query('ANALYZE')),
      );
      bytes = `${(((await c.query<{ s: string }>('SELECT pg_database_size(current_database()) AS s')).rows[0]!.s as unknown as number) / 2 ** 20).toFixed(0)} MiB`;
      console.log(`  database size ${bytes}`);
      await c.end();
      await ledger.close();
    } finally {
      pg.stop();
    }
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
