/**
 * The ledger's tables and their migrations (run on every open; Kysely's migrator records
 * which ran). `events` holds every fact; `deadlines` is a summary per (campaign, obligation,
 * cycle, unit) kept in step with it in the same transaction, so audits over millions of
 * events read tens of thousands of rows. Instants are ISO-8601 UTC text in both databases:
 * they sort as they compare, and read back unchanged.
 */
import { sql, type ColumnType, type Kysely, type Migration, type RawBuilder } from 'kysely';

export interface EventsTable {
  id: string;
  campaign_id: string;
  kind: string;
  at: string;
  phase_key: string | null;
  obligation_key: string | null;
  cycle_key: string | null;
  unit_id: string | null;
  committee_id: string | null;
  step: string | null;
  actor: string | null;
  reason: string | null;
  due_at: string | null;
  late_ms: number | string | null;
  message_id: string | null;
  recipients: string | null;
  error: string | null;
  data: string | null;
}

export interface DeadlinesTable {
  campaign_id: string;
  obligation_key: string;
  cycle_key: string;
  unit_id: string;
  committee_id: string | null;
  phase_key: string | null;
  opened_at: string | null;
  due_at: string | null;
  extensions: number;
  submitted_at: string | null;
  late_ms: number | string | null;
  waived_at: string | null;
  /** 0 none, N for escalation-N, 100 for a rectification order. */
  escalation: number;
  rectification_deadline: string | null;
  closed_outcome: string | null;
}

export interface UnitsTable {
  campaign_id: string;
  unit_id: string;
  name: string;
  level: string;
  kind: string | null;
  parent_id: string | null;
  committee_id: string | null;
}

/** A sign-in link mailed to a person (web/sessions.ts): only the hash of its token is kept. */
export interface WebSignInTokensTable {
  token_hash: string;
  email: string;
  expires_at: string;
  used_at: string | null;
}

/** A signed-in person's session: only the hash of the cookie's value is kept. */
export interface WebSessionsTable {
  id_hash: string;
  email: string;
  created_at: string;
  expires_at: string;
}

/** A person's API token (migration 010, ledger/api-tokens.ts): the SHA-256 of its secret, never the secret. */
export interface WebApiTokensTable {
  id: string;
  secret_hash: string;
  email: string;
  name: string;
  /** read | write */
  access: string;
  created_at: string;
  expires_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
  revoked_by: string | null;
}

/** A version of a campaign's organisation (ledger/org-versions.ts). */
export interface OrgVersionsTable {
  campaign_id: string;
  version: number;
  hash: string;
  units: number;
  stored_at: string;
}

/** An organisation's canonical JSON, by its content hash: shared by every campaign and version that has it. */
export interface OrgBodiesTable {
  hash: string;
  body: string;
  bytes: number;
  /**
   * When the office last previewed it (migration 011): a roster staged and never taken is swept
   * after the grace period (OrgVersions.sweepStaged). Null for a body only ever stored as a version.
   */
  staged_at: ColumnType<string | null, string | null | undefined, string | null>;
}

/**
 * A grade (migration 004, ledger/grades.ts): the one in force per (campaign, year, branch, step)
 * in `grades`; every grade ever accepted in `grade_history`, keyed by revision, never changed.
 */
export interface GradesTable {
  campaign_id: string;
  year: number;
  unit_id: string;
  committee_id: string;
  /** self | preliminary | final */
  step: string;
  /** A | B | C | D */
  grade: string;
  revision: number;
  previous_grade: string | null;
  set_by: string;
  set_at: string;
  /** cli | upload | web | api | import */
  source: string;
  /** Why a grade already given was changed. */
  reason: string | null;
  /** The rules the office overrode for it: `quota`, `rise`, or both, comma-separated. */
  overrides: string | null;
  override_reason: string | null;
}

export interface LedgerDb {
  grades: GradesTable;
  grade_history: GradesTable;
  events: EventsTable;
  deadlines: DeadlinesTable;
  units: UnitsTable;
  web_sign_in_tokens: WebSignInTokensTable;
  web_sessions: WebSessionsTable;
  web_api_tokens: WebApiTokensTable;
  org_versions: OrgVersionsTable;
  org_bodies: OrgBodiesTable;
}

export const RECTIFICATION_RANK = 100;

/** The personal tokens' table (010), and again with the access its check allows (013). */
async function createTokensTable(db: Kysely<unknown>, name: string, accessCheck: RawBuilder<unknown>): Promise<void> {
  await db.schema
    .createTable(name)
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('secret_hash', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('access', 'text', (c) => c.notNull().check(accessCheck))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('last_used_at', 'text')
    .addColumn('revoked_at', 'text')
    .addColumn('revoked_by', 'text')
    .execute();
}

export const migrations: Record<string, Migration> = {
  '001-events-deadlines-units': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('events')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('campaign_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('phase_key', 'text')
        .addColumn('obligation_key', 'text')
        .addColumn('cycle_key', 'text')
        .addColumn('unit_id', 'text')
        .addColumn('committee_id', 'text')
        .addColumn('step', 'text')
        .addColumn('actor', 'text')
        .addColumn('reason', 'text')
        .addColumn('due_at', 'text')
        .addColumn('late_ms', 'bigint')
        .addColumn('message_id', 'text')
        .addColumn('recipients', 'text')
        .addColumn('error', 'text')
        .addColumn('data', 'text')
        .execute();
      await db.schema.createIndex('events_by_unit').on('events').columns(['campaign_id', 'unit_id', 'at']).execute();
      await db.schema.createIndex('events_by_kind').on('events').columns(['campaign_id', 'kind']).execute();
      await db.schema
        .createTable('deadlines')
        .addColumn('campaign_id', 'text', (c) => c.notNull())
        .addColumn('obligation_key', 'text', (c) => c.notNull())
        .addColumn('cycle_key', 'text', (c) => c.notNull())
        .addColumn('unit_id', 'text', (c) => c.notNull())
        .addColumn('committee_id', 'text')
        .addColumn('phase_key', 'text')
        .addColumn('opened_at', 'text')
        .addColumn('due_at', 'text')
        .addColumn('extensions', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('submitted_at', 'text')
        .addColumn('late_ms', 'bigint')
        .addColumn('waived_at', 'text')
        .addColumn('escalation', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('rectification_deadline', 'text')
        .addColumn('closed_outcome', 'text')
        .addPrimaryKeyConstraint('deadlines_pk', ['campaign_id', 'obligation_key', 'cycle_key', 'unit_id'])
        .execute();
      await db.schema.createIndex('deadlines_by_unit').on('deadlines').columns(['campaign_id', 'unit_id']).execute();
      await db.schema
        .createTable('units')
        .addColumn('campaign_id', 'text', (c) => c.notNull())
        .addColumn('unit_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('level', 'text', (c) => c.notNull())
        .addColumn('kind', 'text')
        .addColumn('parent_id', 'text')
        .addColumn('committee_id', 'text')
        .addPrimaryKeyConstraint('units_pk', ['campaign_id', 'unit_id'])
        .execute();
      void sql;
    },
  },
  '002-web-sign-in': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('web_sign_in_tokens')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('used_at', 'text')
        .execute();
      await db.schema
        .createTable('web_sessions')
        .addColumn('id_hash', 'text', (c) => c.primaryKey())
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
  '003-open-deadlines-index': {
    async up(db: Kysely<unknown>) {
      // The dashboard's open deadlines (counts, next instants, rectification orders) are a few
      // thousand of a campaign's tens of thousands: a partial index reads only those.
      await db.schema
        .createIndex('deadlines_open')
        .on('deadlines')
        .columns(['campaign_id', 'due_at', 'unit_id'])
        .where(sql.ref('submitted_at'), 'is', null)
        .where(sql.ref('waived_at'), 'is', null)
        .execute();
    },
  },
  '004-grades': {
    async up(db: Kysely<unknown>) {
      const columns = (t: string) =>
        db.schema
          .createTable(t)
          .addColumn('campaign_id', 'text', (c) => c.notNull())
          .addColumn('year', 'integer', (c) => c.notNull())
          .addColumn('unit_id', 'text', (c) => c.notNull())
          .addColumn('committee_id', 'text', (c) => c.notNull())
          .addColumn('step', 'text', (c) => c.notNull().check(sql`step in ('self', 'preliminary', 'final')`))
          .addColumn('grade', 'text', (c) => c.notNull().check(sql`grade in ('A', 'B', 'C', 'D')`))
          .addColumn('revision', 'integer', (c) => c.notNull())
          .addColumn('previous_grade', 'text')
          .addColumn('set_by', 'text', (c) => c.notNull())
          .addColumn('set_at', 'text', (c) => c.notNull())
          .addColumn('source', 'text', (c) => c.notNull())
          .addColumn('reason', 'text')
          .addColumn('overrides', 'text')
          .addColumn('override_reason', 'text');
      await columns('grades')
        .addPrimaryKeyConstraint('grades_pk', ['campaign_id', 'year', 'unit_id', 'step'])
        .execute();
      // The history is the record the awards rest on: one row per accepted grade, never updated.
      await columns('grade_history')
        .addPrimaryKeyConstraint('grade_history_pk', ['campaign_id', 'year', 'unit_id', 'step', 'revision'])
        .execute();
      await db.schema
        .createIndex('grades_by_committee')
        .on('grades')
        .columns(['campaign_id', 'year', 'committee_id'])
        .execute();
    },
  },
  // Numbered after the grades' 004–008 (COORD of 2026-12-03), so that neither runs out of order.
  '009-org-versions': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('org_bodies')
        .addColumn('hash', 'text', (c) => c.primaryKey())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('bytes', 'integer', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('org_versions')
        .addColumn('campaign_id', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull().references('org_bodies.hash'))
        .addColumn('units', 'integer', (c) => c.notNull())
        .addColumn('stored_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('org_versions_pk', ['campaign_id', 'version'])
        .addUniqueConstraint('org_versions_hash', ['campaign_id', 'hash'])
        .execute();
    },
  },
  '010-api-tokens': {
    async up(db: Kysely<unknown>) {
      await createTokensTable(db, 'web_api_tokens', sql`access in ('read', 'write')`);
      await db.schema.createIndex('web_api_tokens_by_email').on('web_api_tokens').column('email').execute();
    },
  },
  '011-staged-orgs': {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('org_bodies').addColumn('staged_at', 'text').execute();
    },
  },
  '012-refused-messages': {
    async up(db: Kysely<unknown>) {
      // The messages refused, wholly or in part (`withError`): a few among hundreds of thousands
      // sent, read on every look at the office's dashboard. Rows without an error stay out of it,
      // so a write of one costs nothing more.
      await db.schema
        .createIndex('events_with_error')
        .on('events')
        .columns(['campaign_id', 'kind', 'at'])
        .where(sql.ref('error'), 'is not', null)
        .execute();
    },
  },
  '013-calendar-tokens': {
    async up(db: Kysely<unknown>) {
      // A token of `calendar` access serves a person's calendar feed alone. SQLite cannot change a
      // column's check, so the table is made again with the new one and every token copied over.
      await createTokensTable(db, 'web_api_tokens_013', sql`access in ('read', 'write', 'calendar')`);
      await sql`insert into web_api_tokens_013 select id, secret_hash, email, name, access, created_at, expires_at, last_used_at, revoked_at, revoked_by from web_api_tokens`.execute(
        db,
      );
      await db.schema.dropTable('web_api_tokens').execute();
      await db.schema.alterTable('web_api_tokens_013').renameTo('web_api_tokens').execute();
      await db.schema.createIndex('web_api_tokens_by_email').on('web_api_tokens').column('email').execute();
    },
  },
};
