/**
 * The ledger store over SQLite (better-sqlite3) or PostgreSQL (pg), one interface. Writes are
 * the same SQL on both: an event is inserted unless its id exists, and only a new event
 * updates the per-deadline summary, in one transaction, so retries and concurrent writers
 * never double a row. Reads by id (the mailer asks one before every message) run as prepared
 * statements too; other reads and the migrations go through Kysely.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type MigrationProvider } from 'kysely';
import type {
  AuditFilter,
  DeadlineRow,
  DeliveryAsk,
  EventFilter,
  LateReview,
  LedgerEvent,
  LedgerStore,
  LedgerUnit,
  ListOptions,
  OpenRectification,
  UnitLag,
  UnitLagOptions,
} from './types';
import * as audit from './audit-queries';
import { SessionStore } from './sessions';
import { ApiTokenStore } from './api-tokens';
import { OrgVersions } from './org-versions';
import type { Org } from '../domain/org-schema';
import type { OrgRef } from '../domain/engine/org-ref';
import { GradeStore } from './grades';
import { migrations, RECTIFICATION_RANK, type EventsTable, type LedgerDb } from './schema';
import { LedgerConnectionError, maskUrl, parseLedgerUrl } from './url';
import { busyOr, LEDGER_POOL_DEFAULTS, type LedgerPoolOptions, type LedgerPoolStats } from './pool';

const INSERT_EVENT = `INSERT INTO events (id, campaign_id, kind, at, phase_key, obligation_key, cycle_key, unit_id,
  committee_id, step, actor, reason, due_at, late_ms, message_id, recipients, error, data)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`;

/**
 * One upsert of the deadline summary; each event kind fills its own columns. Escalation only
 * climbs; the first due instant stays unless an extension replaces it.
 */
const UPSERT_DEADLINE = `INSERT INTO deadlines (campaign_id, obligation_key, cycle_key, unit_id, committee_id, phase_key,
  opened_at, due_at, extensions, submitted_at, late_ms, waived_at, escalation, rectification_deadline, closed_outcome)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (campaign_id, obligation_key, cycle_key, unit_id) DO UPDATE SET
    committee_id = COALESCE(deadlines.committee_id, excluded.committee_id),
    phase_key = COALESCE(deadlines.phase_key, excluded.phase_key),
    opened_at = COALESCE(deadlines.opened_at, excluded.opened_at),
    due_at = CASE WHEN excluded.extensions > 0 THEN excluded.due_at ELSE COALESCE(deadlines.due_at, excluded.due_at) END,
    extensions = deadlines.extensions + excluded.extensions,
    submitted_at = COALESCE(deadlines.submitted_at, excluded.submitted_at),
    late_ms = COALESCE(deadlines.late_ms, excluded.late_ms),
    waived_at = COALESCE(deadlines.waived_at, excluded.waived_at),
    escalation = CASE WHEN excluded.escalation > deadlines.escalation THEN excluded.escalation ELSE deadlines.escalation END,
    rectification_deadline = COALESCE(deadlines.rectification_deadline, excluded.rectification_deadline),
    closed_outcome = COALESCE(deadlines.closed_outcome, excluded.closed_outcome)`;

const SELECT_EVENT = `SELECT * FROM events WHERE id = ?`;

/** The kinds of event that name files (`data.attachments`), and how many rows a read of them takes at a time. */
const ATTACHMENT_KINDS = ['submission', 'submission-corrected', 'correction-requested'] as const;
const ATTACHMENT_PAGE = 2000;

const UPSERT_UNIT = `INSERT INTO units (campaign_id, unit_id, name, level, kind, parent_id, committee_id)
  VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (campaign_id, unit_id) DO UPDATE SET
  name = excluded.name, level = excluded.level, kind = excluded.kind, parent_id = excluded.parent_id,
  committee_id = excluded.committee_id`;

const DEADLINE_KINDS = new Set([
  'deadline-opened',
  'extension',
  'submission',
  'review-comment',
  'waiver',
  'escalated',
  'rectification-ordered',
  'deadline-closed',
]);

function escalationRank(step: string | undefined): number {
  const m = /^escalation-(\d+)/.exec(step ?? '');
  return m ? Number(m[1]) : 0;
}

function eventParams(e: LedgerEvent): unknown[] {
  return [
    e.id,
    e.campaignId,
    e.kind,
    e.at,
    e.phaseKey ?? null,
    e.obligationKey ?? null,
    e.cycleKey ?? null,
    e.unitId ?? null,
    e.committeeId ?? null,
    e.step ?? null,
    e.actor ?? null,
    e.reason ?? null,
    e.dueAt ?? null,
    e.lateMs ?? null,
    e.messageId ?? null,
    e.recipients ? JSON.stringify(e.recipients) : null,
    e.error ?? null,
    e.data ? JSON.stringify(e.data) : null,
  ];
}

/** The summary row an event contributes, or undefined when it is not about one deadline. */
function deadlineParams(e: LedgerEvent): unknown[] | undefined {
  if (!DEADLINE_KINDS.has(e.kind) || !e.obligationKey || !e.cycleKey || !e.unitId) return undefined;
  const submitted = e.kind === 'submission' || e.kind === 'review-comment';
  const data = e.data ?? {};
  return [
    e.campaignId,
    e.obligationKey,
    e.cycleKey,
    e.unitId,
    e.committeeId ?? null,
    e.phaseKey ?? null,
    e.kind === 'deadline-opened' ? e.at : null,
    e.dueAt ?? null,
    e.kind === 'extension' ? 1 : 0,
    submitted ? e.at : null,
    submitted ? (e.lateMs ?? 0) : null,
    e.kind === 'waiver' ? e.at : null,
    e.kind === 'escalated' ? escalationRank(e.step) : e.kind === 'rectification-ordered' ? RECTIFICATION_RANK : 0,
    e.kind === 'rectification-ordered' && typeof data.deadline === 'string' ? data.deadline : null,
    e.kind === 'deadline-closed' && typeof data.outcome === 'string' ? data.outcome : null,
  ];
}

export function rowToEvent(r: EventsTable): LedgerEvent {
  const e: LedgerEvent = { id: r.id, campaignId: r.campaign_id, kind: r.kind as LedgerEvent['kind'], at: r.at };
  if (r.phase_key !== null) e.phaseKey = r.phase_key;
  if (r.obligation_key !== null) e.obligationKey = r.obligation_key;
  if (r.cycle_key !== null) e.cycleKey = r.cycle_key;
  if (r.unit_id !== null) e.unitId = r.unit_id;
  if (r.committee_id !== null) e.committeeId = r.committee_id;
  if (r.step !== null) e.step = r.step;
  if (r.actor !== null) e.actor = r.actor;
  if (r.reason !== null) e.reason = r.reason;
  if (r.due_at !== null) e.dueAt = r.due_at;
  if (r.late_ms !== null) e.lateMs = Number(r.late_ms);
  if (r.message_id !== null) e.messageId = r.message_id;
  if (r.recipients !== null) e.recipients = JSON.parse(r.recipients) as string[];
  if (r.error !== null) e.error = r.error;
  if (r.data !== null) e.data = JSON.parse(r.data) as Record<string, unknown>;
  return e;
}

/**
 * The hot path, the one place the two databases differ: the same SQL, run their way. Kysely
 * compiles and prepares a statement on every call, which a profile of the fan-out showed costing
 * as much as the writes themselves.
 */
interface SqlWriter {
  /** Records events in one transaction; returns how many were new. */
  recordEvents(events: LedgerEvent[]): Promise<number>;
  upsertUnits(units: LedgerUnit[]): Promise<void>;
  getEvent(id: string): Promise<LedgerEvent | undefined>;
  /**
   * Runs `fn` while this writer writes nothing (SQLite: the writer's own transactions on the same
   * handle would otherwise join, and be rolled back with, the caller's). PostgreSQL: `fn` as is.
   */
  apart<T>(fn: () => Promise<T>): Promise<T>;
}

const unitParams = (u: LedgerUnit): unknown[] => [
  u.campaignId,
  u.unitId,
  u.name,
  u.level,
  u.kind ?? null,
  u.parentId ?? null,
  u.committeeId ?? null,
];

function sqliteWriter(db: Database.Database): SqlWriter {
  // Prepared on first use: the tables exist only once the migrations have run.
  let statements:
    | {
        insertEvent: Database.Statement;
        upsertDeadline: Database.Statement;
        upsertUnit: Database.Statement;
        selectEvent: Database.Statement<[string], EventsTable>;
      }
    | undefined;
  const prepared = () =>
    (statements ??= {
      insertEvent: db.prepare(INSERT_EVENT),
      upsertDeadline: db.prepare(UPSERT_DEADLINE),
      upsertUnit: db.prepare(UPSERT_UNIT),
      selectEvent: db.prepare<[string], EventsTable>(SELECT_EVENT),
    });
  // better-sqlite3 is synchronous, so a transaction never yields to another connection in
  // this process; IMMEDIATE takes the write lock up front, so separate processes wait on
  // busy_timeout instead of deadlocking on a lock upgrade.
  const record = db.transaction((events: LedgerEvent[]) => {
    const { insertEvent, upsertDeadline } = prepared();
    let inserted = 0;
    for (const e of events) {
      if (insertEvent.run(...eventParams(e)).changes === 0) continue;
      inserted += 1;
      const d = deadlineParams(e);
      if (d) upsertDeadline.run(...d);
    }
    return inserted;
  });
  // One savepoint per write inside the shared transaction: a write that fails is undone alone.
  const recordGroups = db.transaction((groups: LedgerEvent[][]) =>
    groups.map((events): { inserted: number } | { error: unknown } => {
      try {
        return { inserted: record(events) };
      } catch (error) {
        return { error };
      }
    }),
  );
  const units = db.transaction((list: LedgerUnit[]) => {
    const { upsertUnit } = prepared();
    for (const u of list) upsertUnit.run(...unitParams(u));
  });

  // Group commit: the writes asked for in one turn of the event loop share one transaction
  // (the mailer alone writes twice a message, and a commit costs more than its rows; a profile
  // of the fan-out found commits the ledger's largest cost). Each caller learns its own count,
  // or its own error, once the transaction has committed.
  let queue: { events: LedgerEvent[]; resolve(n: number): void; reject(e: unknown): void }[] = [];
  // A transaction of another kind (the grades' exclusive one) holds the handle: the group commit
  // waits for it to end. `held` is set synchronously, so a flush never runs inside it.
  let held = false;
  let gate: Promise<void> = Promise.resolve();
  const flushWhenFree = (): void => {
    if (held) void gate.then(flushWhenFree);
    else flush();
  };
  const flush = () => {
    const writes = queue;
    queue = [];
    let results: ({ inserted: number } | { error: unknown })[];
    try {
      results = recordGroups.immediate(writes.map((w) => w.events));
    } catch (err) {
      for (const w of writes) w.reject(err);
      return;
    }
    writes.forEach((w, i) => {
      const r = results[i]!;
      if ('error' in r) w.reject(r.error);
      else w.resolve(r.inserted);
    });
  };
  return {
    recordEvents: (events) =>
      new Promise<number>((resolve, reject) => {
        queue.push({ events, resolve, reject });
        if (queue.length === 1) setImmediate(flushWhenFree);
      }),
    upsertUnits: (list) => Promise.resolve(units.immediate(list)),
    getEvent: (id) => {
      const row = prepared().selectEvent.get(id);
      return Promise.resolve(row ? rowToEvent(row) : undefined);
    },
    apart: <T>(fn: () => Promise<T>): Promise<T> => {
      const run = gate.then(async () => {
        held = true;
        try {
          return await fn();
        } finally {
          held = false;
        }
      });
      gate = run.then(
        () => undefined,
        () => undefined,
      );
      return run;
    },
  };
}

function toPg(s: string): string {
  let n = 0;
  return s.replace(/\?/g, () => `$${++n}`);
}

/**
 * Rows in one PostgreSQL statement: each row is a round trip less (a fan-out batch records 250
 * openings, a campaign registers every unit), and 500 rows of 18 values stay far below the
 * protocol's 65,535 parameters.
 */
const PG_ROWS_A_STATEMENT = 500;

/** `sql`, a single-row INSERT … VALUES (?, …), with its row of placeholders repeated `rows` times. */
function manyRows(sql: string, rows: number): string {
  const start = sql.indexOf('VALUES (') + 'VALUES '.length;
  const end = sql.indexOf(')', start) + 1;
  const row = sql.slice(start, end);
  return `${sql.slice(0, start)}${Array.from({ length: rows }, () => row).join(', ')}${sql.slice(end)}`;
}

/** `list` cut into runs of at most `size`, each run ending before a key it already holds (an upsert may touch a row once a statement). */
function runsOfDistinct<T>(list: readonly T[], size: number, key: (item: T) => string): T[][] {
  const runs: T[][] = [];
  let run: T[] = [];
  let keys = new Set<string>();
  for (const item of list) {
    const k = key(item);
    if (run.length === size || keys.has(k)) {
      runs.push(run);
      run = [];
      keys = new Set();
    }
    run.push(item);
    keys.add(k);
  }
  if (run.length > 0) runs.push(run);
  return runs;
}

function pgWriter(connect: () => Promise<pg.PoolClient>): SqlWriter {
  const inTransaction = async <T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> => {
    const client = await connect();
    try {
      await client.query('BEGIN');
      const out = await fn(client);
      await client.query('COMMIT');
      return out;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  };
  const selectEvent = toPg(SELECT_EVENT);
  /** Runs `single` (one row of placeholders) over `rows`, `PG_ROWS_A_STATEMENT` at a time, each run of distinct keys. */
  const insertRuns = async <T>(
    c: pg.PoolClient,
    single: string,
    rows: readonly T[],
    key: (row: T) => string,
    params: (row: T) => unknown[],
    suffix = '',
  ): Promise<pg.QueryResult[]> => {
    const results: pg.QueryResult[] = [];
    for (const run of runsOfDistinct(rows, PG_ROWS_A_STATEMENT, key))
      results.push(await c.query(toPg(manyRows(single, run.length)) + suffix, run.flatMap(params)));
    return results;
  };
  return {
    // As one event after the other would: a repeated id inserts nothing, and a deadline's summary
    // takes its events in their order (statements of distinct deadlines, run in order).
    recordEvents: (events) =>
      inTransaction(async (c) => {
        const ids = new Set<string>();
        const firsts = events.filter((e) => !ids.has(e.id) && ids.add(e.id));
        // Concurrent inserts of one id: the second waits for the first and then inserts nothing.
        const results = await insertRuns(c, INSERT_EVENT, firsts, (e) => e.id, eventParams, ' RETURNING id');
        const inserted = new Set(results.flatMap((r) => r.rows.map((row: { id: string }) => row.id)));
        const summaries = firsts.flatMap((e) => {
          const d = inserted.has(e.id) ? deadlineParams(e) : undefined;
          return d ? [d] : [];
        });
        await insertRuns(
          c,
          UPSERT_DEADLINE,
          summaries,
          (d) => JSON.stringify(d.slice(0, 4)),
          (d) => d,
        );
        return inserted.size;
      }),
    upsertUnits: (list) =>
      inTransaction(async (c) => {
        await insertRuns(c, UPSERT_UNIT, list, (u) => `${u.campaignId}\u0000${u.unitId}`, unitParams);
      }),
    getEvent: async (id) => {
      const client = await connect();
      try {
        // Named, so that pg prepares it once per connection.
        const r = await client.query<EventsTable>({ name: 'ledger-select-event', text: selectEvent, values: [id] });
        return r.rows[0] ? rowToEvent(r.rows[0]) : undefined;
      } finally {
        client.release();
      }
    },
    apart: (fn) => fn(),
  };
}

export class SqlLedger implements LedgerStore {
  constructor(
    private readonly db: Kysely<LedgerDb>,
    readonly dialect: 'sqlite' | 'postgres',
    private readonly writer: SqlWriter,
    readonly url: string,
    private readonly pool?: LedgerPoolStats,
  ) {
    this.orgs = new OrgVersions(db);
  }

  /** A PostgreSQL ledger's pool: its settings, its longest queue, its waits that ran out. */
  poolStats(): LedgerPoolStats | undefined {
    return this.pool && { ...this.pool };
  }

  private readonly orgs: OrgVersions;

  storeOrg(campaignId: string, org: Org): Promise<OrgRef> {
    return this.orgs.store(campaignId, org);
  }

  orgVersion(hash: string): Promise<Org | undefined> {
    return this.orgs.get(hash);
  }

  stageOrg(org: Org): Promise<string> {
    return this.orgs.stage(org);
  }

  sweepStagedOrgs(before: string, dryRun?: boolean): Promise<number> {
    return this.orgs.sweepStaged(before, dryRun);
  }

  orgStoredAt(hash: string): Promise<string | undefined> {
    return this.orgs.lastStored(hash);
  }

  /** Every version of a campaign's organisation, the first first. */
  orgVersions(campaignId: string): ReturnType<OrgVersions['list']> {
    return this.orgs.list(campaignId);
  }

  /** The web service's sign-in links and sessions, in this database. */
  sessions(sessionTtlMs: number, now?: () => number): SessionStore {
    return new SessionStore(this.db, sessionTtlMs, now);
  }

  /** People's API tokens, in this database. */
  apiTokens(now?: () => number): ApiTokenStore {
    return new ApiTokenStore(this.db, now);
  }

  /** The grades (分类定级) in this database. */
  grades(): GradeStore {
    return new GradeStore(this.db, (fn) => this.exclusive(fn));
  }

  /**
   * `fn` in a transaction no other writer of grades shares: SQLite's BEGIN IMMEDIATE takes the
   * database's write lock at once (another process waits on busy_timeout); PostgreSQL locks the
   * grades table against other writers (readers go on). Committed when `fn` resolves, rolled
   * back when it throws.
   */
  private exclusive<T>(fn: (db: Kysely<LedgerDb>) => Promise<T>): Promise<T> {
    const begin = this.dialect === 'sqlite' ? sql`BEGIN IMMEDIATE` : sql`BEGIN`;
    return this.writer.apart(() =>
      this.db.connection().execute(async (conn) => {
        await begin.execute(conn);
        try {
          if (this.dialect === 'postgres') await sql`LOCK TABLE grades IN SHARE ROW EXCLUSIVE MODE`.execute(conn);
          const out = await fn(conn);
          await sql`COMMIT`.execute(conn);
          return out;
        } catch (err) {
          await sql`ROLLBACK`.execute(conn).catch(() => undefined);
          throw err;
        }
      }),
    );
  }

  async migrate(): Promise<void> {
    const provider: MigrationProvider = { getMigrations: () => Promise.resolve(migrations) };
    // Migrations are numbered by reservation between branches developed side by side (004–008 the
    // grades', 009 the organisation versions'), so a database may have run a later number before
    // an earlier one exists: each migration stands alone, and the missing ones run in their order.
    const { error } = await new Migrator({ db: this.db, provider, allowUnorderedMigrations: true }).migrateToLatest();
    if (error) throw error instanceof Error ? error : new Error(JSON.stringify(error));
  }

  async record(event: LedgerEvent): Promise<{ inserted: boolean }> {
    return { inserted: (await this.recordMany([event])) === 1 };
  }

  async recordMany(events: LedgerEvent[]): Promise<number> {
    return events.length === 0 ? 0 : this.writer.recordEvents(events);
  }

  get(id: string): Promise<LedgerEvent | undefined> {
    return this.writer.getEvent(id);
  }

  async events(f: EventFilter): Promise<LedgerEvent[]> {
    let q = this.db.selectFrom('events').selectAll().where('campaign_id', '=', f.campaignId);
    if (f.kinds && f.kinds.length > 0) q = q.where('kind', 'in', f.kinds);
    if (f.unitId !== undefined) q = q.where('unit_id', '=', f.unitId);
    if (f.obligationKey !== undefined) q = q.where('obligation_key', '=', f.obligationKey);
    if (f.cycleKey !== undefined) q = q.where('cycle_key', '=', f.cycleKey);
    if (f.committeeId !== undefined) q = q.where('committee_id', '=', f.committeeId);
    if (f.phaseKey !== undefined) q = q.where('phase_key', '=', f.phaseKey);
    if (f.withError) q = q.where('error', 'is not', null);
    const rows = await q.orderBy('at').orderBy('id').execute();
    return rows.map(rowToEvent);
  }

  async firstDeliveriesAfter(campaignId: string, asks: readonly DeliveryAsk[]): Promise<Map<string, string>> {
    const first = new Map<string, string>();
    for (const { email, after, unitIds } of asks) {
      // Recipients are kept as a JSON array of strings: the address, quoted, is one of its items.
      // LIKE's wildcards in an address (`_` is common) are escaped to stand for themselves.
      const item = `%${JSON.stringify(email.toLowerCase()).replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      let at: string | undefined;
      // A few units' events after the instant, along (campaign, unit, instant): a branch's
      // address among the branch's own messages, not the campaign's hundreds of thousands.
      for (let i = 0; i < (unitIds?.length ?? 1); i += PG_ROWS_A_STATEMENT) {
        let q = this.db
          .selectFrom('events')
          .select('at')
          .where('campaign_id', '=', campaignId)
          .where('kind', '=', 'message-sent')
          .where('at', '>', after)
          .where(sql<boolean>`lower(recipients) like ${item} escape '\\'`);
        if (unitIds) q = q.where('unit_id', 'in', unitIds.slice(i, i + PG_ROWS_A_STATEMENT));
        const row = await q.orderBy('at').limit(1).executeTakeFirst();
        if (row && (at === undefined || row.at < at)) at = row.at;
      }
      if (at !== undefined) first.set(email.toLowerCase(), at);
    }
    return first;
  }

  async upsertUnits(units: LedgerUnit[]): Promise<void> {
    await this.writer.upsertUnits(units);
  }

  async units(campaignId: string): Promise<LedgerUnit[]> {
    const rows = await this.db
      .selectFrom('units')
      .selectAll()
      .where('campaign_id', '=', campaignId)
      .orderBy('unit_id')
      .execute();
    return rows.map((r) => ({
      campaignId: r.campaign_id,
      unitId: r.unit_id,
      name: r.name,
      level: r.level,
      ...(r.kind !== null ? { kind: r.kind } : {}),
      ...(r.parent_id !== null ? { parentId: r.parent_id } : {}),
      ...(r.committee_id !== null ? { committeeId: r.committee_id } : {}),
    }));
  }

  async campaigns(): Promise<string[]> {
    const rows = await this.db.selectFrom('units').select('campaign_id').distinct().orderBy('campaign_id').execute();
    return rows.map((r) => r.campaign_id);
  }

  async attachmentHashes(): Promise<Set<string>> {
    const hashes = new Set<string>();
    // Read a page at a time, by id: a ledger of years holds many reports, each with its text.
    let after = '';
    for (;;) {
      const rows = await this.db
        .selectFrom('events')
        .select(['id', 'data'])
        .where('kind', 'in', [...ATTACHMENT_KINDS])
        .where('id', '>', after)
        .orderBy('id')
        .limit(ATTACHMENT_PAGE)
        .execute();
      for (const r of rows) {
        const data = r.data ? (JSON.parse(r.data) as { attachments?: unknown }) : {};
        if (!Array.isArray(data.attachments)) continue;
        for (const ref of data.attachments) {
          const hash = typeof ref === 'string' ? /^sha256:([0-9a-f]{64})$/.exec(ref)?.[1] : undefined;
          if (hash) hashes.add(hash);
        }
      }
      if (rows.length < ATTACHMENT_PAGE) return hashes;
      after = rows[rows.length - 1]!.id;
    }
  }

  unitLags(f: AuditFilter, opts?: UnitLagOptions): Promise<UnitLag[]> {
    return audit.unitLags(this.db, f, opts);
  }

  deadlineRows(f: AuditFilter & { unitId?: string; open?: boolean }): Promise<DeadlineRow[]> {
    return audit.deadlineRows(this.db, f);
  }

  openRectifications(f: AuditFilter, opts?: ListOptions): Promise<OpenRectification[]> {
    return audit.openRectifications(this.db, f, opts);
  }

  openRectificationCount(f: AuditFilter): Promise<number> {
    return audit.openRectificationCount(this.db, f);
  }

  lateReviews(f: AuditFilter, opts?: ListOptions): Promise<LateReview[]> {
    return audit.lateReviews(this.db, f, opts);
  }

  lateReviewCount(f: AuditFilter): Promise<number> {
    return audit.lateReviewCount(this.db, f);
  }

  async close(): Promise<void> {
    // Kysely's dialect owns the SQLite handle and the pg pool.
    await this.db.destroy();
  }
}

/** How long a process opening a SQLite ledger waits for another one's migrations. */
const SQLITE_MIGRATION_WAIT_MS = 120_000;

/**
 * Runs `migrate` inside one IMMEDIATE transaction on `db`, the handle Kysely's SQLite dialect
 * uses. Kysely takes no lock for SQLite's migrations (it assumes one connection in one process)
 * and runs them outside a transaction, but `npm start` opens a new ledger from three processes at
 * once (the worker, the web service and `start`): two ran the same migration, and one of them
 * ended with "table "events" already exists". Now the first to open migrates while the others
 * wait, then find nothing left to do; a migration that fails leaves nothing half done. The wait
 * polls without SQLite's busy handler, which would block the event loop: two ledgers opened in
 * one process would wait on each other.
 */
async function migrateExclusively(db: Database.Database, migrate: () => Promise<void>): Promise<void> {
  const until = Date.now() + SQLITE_MIGRATION_WAIT_MS;
  const busyTimeout = db.pragma('busy_timeout', { simple: true }) as number;
  db.pragma('busy_timeout = 0');
  try {
    for (;;) {
      try {
        db.exec('BEGIN IMMEDIATE');
        break;
      } catch (err) {
        if ((err as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() > until) throw err;
        await new Promise((r) => setTimeout(r, 25));
      }
    }
  } finally {
    db.pragma(`busy_timeout = ${busyTimeout}`);
  }
  try {
    await migrate();
    db.exec('COMMIT');
  } catch (err) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw err;
  }
}

/**
 * Opens (and migrates) the ledger at `url`. `pool` sizes a PostgreSQL ledger's connection pool
 * (the worker and the web service pass LEDGER_POOL_SIZE and LEDGER_POOL_WAIT_SECONDS); SQLite
 * has one handle and ignores it.
 */
export async function openSqlLedger(url: string, pool: LedgerPoolOptions = LEDGER_POOL_DEFAULTS): Promise<SqlLedger> {
  const loc = parseLedgerUrl(url);
  let ledger: SqlLedger;
  let sqliteDb: Database.Database | undefined;
  if (loc.dialect === 'sqlite') {
    let db: Database.Database;
    try {
      if (loc.file !== ':memory:') mkdirSync(path.dirname(path.resolve(loc.file)), { recursive: true });
      db = new Database(loc.file);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('busy_timeout = 10000');
    } catch (err) {
      throw new LedgerConnectionError(url, (err as Error).message);
    }
    sqliteDb = db;
    ledger = new SqlLedger(
      new Kysely<LedgerDb>({ dialect: new SqliteDialect({ database: db }) }),
      'sqlite',
      sqliteWriter(db),
      url,
    );
  } else {
    const pgPool = new pg.Pool({
      connectionString: loc.connectionString,
      max: pool.size,
      connectionTimeoutMillis: pool.waitMs,
    });
    pgPool.on('error', () => undefined); // idle-client errors surface on the next query instead
    // Every query, the writer's and Kysely's, gets its connection here: a wait that runs out is
    // a LedgerBusyError, which callers retry, and not pg-pool's bare message.
    const stats: LedgerPoolStats = { ...pool, maxWaiting: 0, busy: 0 };
    const connect = async (): Promise<pg.PoolClient> => {
      const client = pgPool.connect(); // queues at once when every connection is out
      stats.maxWaiting = Math.max(stats.maxWaiting, pgPool.waitingCount);
      try {
        return await client;
      } catch (err) {
        const busy = busyOr(err, pool);
        if (busy !== err) stats.busy += 1;
        throw busy;
      }
    };
    try {
      const c = await pgPool.connect();
      c.release();
    } catch (err) {
      await pgPool.end().catch(() => undefined);
      throw new LedgerConnectionError(url, (err as Error).message);
    }
    ledger = new SqlLedger(
      new Kysely<LedgerDb>({ dialect: new PostgresDialect({ pool: { connect, end: () => pgPool.end() } }) }),
      'postgres',
      pgWriter(connect),
      url,
      stats,
    );
  }
  try {
    await (loc.dialect === 'sqlite' && sqliteDb
      ? migrateExclusively(sqliteDb, () => ledger.migrate())
      : ledger.migrate());
  } catch (err) {
    await ledger.close().catch(() => undefined);
    throw new LedgerConnectionError(url, `migration failed: ${(err as Error).message}`);
  }
  return ledger;
}

export { maskUrl };
