/**
 * The ledger store over SQLite (better-sqlite3) or PostgreSQL (pg), one interface. Writes are
 * the same SQL on both: an event is inserted unless its id exists, and only a new event
 * updates the per-deadline summary, in one transaction, so retries and concurrent writers
 * never double a row. Reads and migrations go through Kysely.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type MigrationProvider } from 'kysely';
import type { EventFilter, LedgerEvent, LedgerStore, LedgerUnit } from './types';
import { migrations, RECTIFICATION_RANK, type EventsTable, type LedgerDb } from './schema';
import { LedgerConnectionError, maskUrl, parseLedgerUrl } from './url';

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

/** A writer of raw SQL: the one place the two databases differ. */
interface SqlWriter {
  /** Runs `fn` in a transaction; `run` returns how many rows a statement changed. */
  transaction<T>(fn: (run: (sql: string, params: unknown[]) => Promise<number>) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

function sqliteWriter(db: Database.Database): SqlWriter {
  const cache = new Map<string, Database.Statement>();
  const stmt = (s: string): Database.Statement => {
    let p = cache.get(s);
    if (!p) cache.set(s, (p = db.prepare(s)));
    return p;
  };
  return {
    async transaction(fn) {
      // better-sqlite3 is synchronous: BEGIN IMMEDIATE takes the write lock up front, so two
      // processes never deadlock upgrading a read lock; busy_timeout makes the other wait.
      db.exec('BEGIN IMMEDIATE');
      try {
        const out = await fn((s, params) => Promise.resolve(stmt(s).run(...params).changes));
        db.exec('COMMIT');
        return out;
      } catch (err) {
        db.exec('ROLLBACK');
        throw err;
      }
    },
    async close() {
      db.close();
    },
  };
}

function toPg(s: string): string {
  let n = 0;
  return s.replace(/\?/g, () => `$${++n}`);
}

function pgWriter(pool: pg.Pool): SqlWriter {
  return {
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const out = await fn(async (s, params) => (await client.query(toPg(s), params)).rowCount ?? 0);
        await client.query('COMMIT');
        return out;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    async close() {
      // The pool is owned by Kysely's dialect and ended by db.destroy().
    },
  };
}

export class SqlLedger implements LedgerStore {
  constructor(
    readonly db: Kysely<LedgerDb>,
    readonly dialect: 'sqlite' | 'postgres',
    private readonly writer: SqlWriter,
    readonly url: string,
  ) {}

  async migrate(): Promise<void> {
    const provider: MigrationProvider = { getMigrations: () => Promise.resolve(migrations) };
    const { error } = await new Migrator({ db: this.db, provider }).migrateToLatest();
    if (error) throw error instanceof Error ? error : new Error(String(error));
  }

  async record(event: LedgerEvent): Promise<{ inserted: boolean }> {
    return { inserted: (await this.recordMany([event])) === 1 };
  }

  async recordMany(events: LedgerEvent[]): Promise<number> {
    if (events.length === 0) return 0;
    return this.writer.transaction(async (run) => {
      let inserted = 0;
      for (const e of events) {
        if ((await run(INSERT_EVENT, eventParams(e))) === 0) continue;
        inserted += 1;
        const d = deadlineParams(e);
        if (d) await run(UPSERT_DEADLINE, d);
      }
      return inserted;
    });
  }

  async get(id: string): Promise<LedgerEvent | undefined> {
    const r = await this.db.selectFrom('events').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? rowToEvent(r) : undefined;
  }

  async events(f: EventFilter): Promise<LedgerEvent[]> {
    let q = this.db.selectFrom('events').selectAll().where('campaign_id', '=', f.campaignId);
    if (f.kinds && f.kinds.length > 0) q = q.where('kind', 'in', f.kinds);
    if (f.unitId !== undefined) q = q.where('unit_id', '=', f.unitId);
    if (f.obligationKey !== undefined) q = q.where('obligation_key', '=', f.obligationKey);
    if (f.cycleKey !== undefined) q = q.where('cycle_key', '=', f.cycleKey);
    if (f.committeeId !== undefined) q = q.where('committee_id', '=', f.committeeId);
    if (f.phaseKey !== undefined) q = q.where('phase_key', '=', f.phaseKey);
    const rows = await q.orderBy('at').orderBy('id').execute();
    return rows.map(rowToEvent);
  }

  async upsertUnits(units: LedgerUnit[]): Promise<void> {
    await this.writer.transaction(async (run) => {
      for (const u of units) {
        await run(UPSERT_UNIT, [u.campaignId, u.unitId, u.name, u.level, u.kind ?? null, u.parentId ?? null, u.committeeId ?? null]);
      }
    });
  }

  async units(campaignId: string): Promise<LedgerUnit[]> {
    const rows = await this.db.selectFrom('units').selectAll().where('campaign_id', '=', campaignId).orderBy('unit_id').execute();
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

  async close(): Promise<void> {
    await this.writer.close();
    await this.db.destroy();
  }
}

export async function openSqlLedger(url: string): Promise<SqlLedger> {
  const loc = parseLedgerUrl(url);
  let ledger: SqlLedger;
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
    ledger = new SqlLedger(new Kysely<LedgerDb>({ dialect: new SqliteDialect({ database: db }) }), 'sqlite', sqliteWriter(db), url);
  } else {
    const pool = new pg.Pool({ connectionString: loc.connectionString, max: 8, connectionTimeoutMillis: 5000 });
    pool.on('error', () => undefined); // idle-client errors surface on the next query instead
    try {
      const c = await pool.connect();
      c.release();
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw new LedgerConnectionError(url, (err as Error).message);
    }
    ledger = new SqlLedger(new Kysely<LedgerDb>({ dialect: new PostgresDialect({ pool }) }), 'postgres', pgWriter(pool), url);
  }
  try {
    await ledger.migrate();
  } catch (err) {
    await ledger.close().catch(() => undefined);
    throw new LedgerConnectionError(url, `migration failed: ${(err as Error).message}`);
  }
  return ledger;
}

export { maskUrl };
