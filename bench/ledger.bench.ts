/**
 * Fills a ledger with a campaign of N branches over Y years and prints the insert rate, the
 * time of each audit query and the database size.
 *   npx tsx bench/ledger.bench.ts [--db sqlite|postgres|both] [--branches 1000] [--years 3]
 * PostgreSQL runs in a private throwaway cluster (test/helpers/postgres.ts).
 */
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { openLedger } from '../ledger';
import type { LedgerEvent, LedgerStore } from '../ledger/types';
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
const DAY = 86_400_000;
const START = Date.parse('2010-07-01T00:00:00Z');

/** A deterministic pseudo-random stream, so both databases get the same campaign. */
function rng(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

/** One deadline's events: opened, its mail (intent + sent each), maybe escalations, maybe a submission. */
function* campaign(): Generator<LedgerEvent[]> {
  const rand = rng(42);
  const obligations = [
    { key: 'study-record', months: 1 },
    { key: 'quarterly-report', months: 3 },
    { key: 'quarterly-report.review', months: 3 },
    { key: 'evaluation', months: 6 },
    { key: 'commendation', months: 12 },
  ];
  for (let b = 0; b < BRANCHES; b++) {
    const unit = `b-${String(b).padStart(5, '0')}`;
    const committee = `c-${String(b % 40).padStart(2, '0')}`;
    const batch: LedgerEvent[] = [];
    for (const ob of obligations) {
      for (let m = 0; m < YEARS * 12; m += ob.months) {
        const cycle = `${2010 + Math.floor(m / 12)}-${m % 12}`;
        const due = START + (m + ob.months) * 30 * DAY;
        const base = {
          campaignId: 'bench',
          obligationKey: ob.key,
          cycleKey: cycle,
          unitId: unit,
          committeeId: committee,
          phaseKey: 'engage',
        };
        const id = `${ob.key}/${cycle}/${unit}`;
        batch.push({
          ...base,
          id: `${id}:opened`,
          kind: 'deadline-opened',
          at: new Date(due - 20 * DAY).toISOString(),
          dueAt: new Date(due).toISOString(),
        });
        const r = rand();
        const lateDays = r < 0.7 ? 0 : r < 0.95 ? Math.ceil(rand() * 20) : -1; // -1: never
        const steps = ['notice', 'reminder-1', 'reminder-2', 'due'];
        if (lateDays !== 0) steps.push('escalation-1', 'escalation-2');
        for (const step of steps) {
          const at = new Date(due - 10 * DAY).toISOString();
          batch.push({
            ...base,
            id: `msg:${id}:${step}:intent`,
            kind: 'message-intent',
            at,
            step,
            recipients: [`${unit}@example.org`],
          });
          batch.push({
            ...base,
            id: `msg:${id}:${step}:sent`,
            kind: 'message-sent',
            at,
            step,
            recipients: [`${unit}@example.org`],
            messageId: `<${id}-${step}@bench>`,
          });
        }
        if (lateDays !== 0) {
          batch.push({
            ...base,
            id: `${id}:escalated:1`,
            kind: 'escalated',
            at: new Date(due + DAY).toISOString(),
            step: 'escalation-1',
          });
          batch.push({
            ...base,
            id: `${id}:escalated:2`,
            kind: 'escalated',
            at: new Date(due + 3 * DAY).toISOString(),
            step: 'escalation-2',
          });
        }
        if (lateDays >= 0) {
          batch.push({
            ...base,
            id: `${id}:submission`,
            kind: 'submission',
            at: new Date(due + lateDays * DAY - DAY).toISOString(),
            dueAt: new Date(due).toISOString(),
            lateMs: Math.max(0, lateDays * DAY - DAY),
            data: { text: '报告' },
          });
        } else {
          batch.push({
            ...base,
            id: `${id}:rectification`,
            kind: 'rectification-ordered',
            at: new Date(due + 14 * DAY).toISOString(),
            data: { deadline: new Date(due + 28 * DAY).toISOString() },
          });
        }
      }
    }
    yield batch;
  }
}

async function time<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = process.hrtime.bigint();
  const out = await fn();
  return [out, Number(process.hrtime.bigint() - t) / 1e6];
}

async function run(name: string, ledger: LedgerStore, size: () => string): Promise<void> {
  await ledger.upsertUnits(
    Array.from({ length: BRANCHES }, (_, b) => ({
      campaignId: 'bench',
      unitId: `b-${String(b).padStart(5, '0')}`,
      name: `支部${b}`,
      level: 'branch',
      committeeId: `c-${String(b % 40).padStart(2, '0')}`,
    })),
  );
  let events = 0;
  const t0 = Date.now();
  for (const batch of campaign()) events += await ledger.recordMany(batch);
  const secs = (Date.now() - t0) / 1000;
  console.log(
    `\n${name}: ${events.toLocaleString()} events in ${secs.toFixed(1)} s = ${Math.round(events / secs).toLocaleString()} events/s; size ${size()}`,
  );
  const asOf = new Date(START + (YEARS * 12 + 2) * 30 * DAY).toISOString();
  const f = { campaignId: 'bench', asOf };
  const queries: [string, () => Promise<unknown[]>][] = [
    ['lagging units', () => laggingUnits(ledger, f)],
    ['lagging units of one committee', () => laggingUnits(ledger, { ...f, committeeId: 'c-07' })],
    ['ranking of lagging branches', () => lagRanking(ledger, f)],
    ['late reviewers', () => lateReviewers(ledger, f)],
    ['open rectification orders', () => openRectifications(ledger, f)],
    ["one unit's history", () => unitHistory(ledger, 'bench', 'b-00500')],
    ['deadlines of one cycle', () => deadlineRows(ledger, { ...f, cycleKey: '2011-0' })],
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
      await run('PostgreSQL', ledger, () => bytes);
      const { Client } = await import('pg');
      const c = new Client({ connectionString: pg.url });
      await c.connect();
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
