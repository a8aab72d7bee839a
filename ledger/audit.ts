/**
 * The audit: who lagged, how often, by how much, and how far the escalation climbed. All
 * queries read the per-deadline summary (see schema.ts) and aggregate in SQL.
 *
 * Definitions, for one deadline (campaign, obligation, cycle, unit):
 * - late: submitted after its due instant (after extensions); lateness is the difference;
 * - missing: not submitted, not waived, and due before `asOf`;
 * - highest escalation: the highest escalation step sent, or the rectification order;
 * - an open rectification order: ordered, and the unit has not submitted (or been waived) since.
 * Reviews are deadlines of the reviewer, with obligation `<obligation>.review` and cycle
 * `<cycle>:<reviewed unit>`.
 */
import { sql, type Kysely, type SelectQueryBuilder } from 'kysely';
import type { LedgerStore } from './types';
import { RECTIFICATION_RANK, type LedgerDb } from './schema';
import type { SqlLedger } from './store';

export interface AuditFilter {
  campaignId: string;
  phaseKey?: string;
  obligationKey?: string;
  cycleKey?: string;
  committeeId?: string;
  /** Deadlines due before this instant and not answered are missing. Default: now. */
  asOf?: string;
}

export interface UnitLag {
  unitId: string;
  unitName: string;
  level: string;
  committeeId: string | null;
  deadlines: number;
  late: number;
  missing: number;
  totalLateMs: number;
  longestLateMs: number;
  /** 0 none, N escalation-N, 100 a rectification order. */
  highestEscalation: number;
  openRectifications: number;
}

export interface DeadlineRow {
  obligationKey: string;
  cycleKey: string;
  unitId: string;
  committeeId: string | null;
  phaseKey: string | null;
  dueAt: string | null;
  submittedAt: string | null;
  lateMs: number | null;
  waivedAt: string | null;
  extensions: number;
  highestEscalation: number;
  rectificationDeadline: string | null;
  closedOutcome: string | null;
}

export interface OpenRectification {
  unitId: string;
  unitName: string;
  obligationKey: string;
  cycleKey: string;
  dueAt: string | null;
  rectificationDeadline: string;
  overdue: boolean;
}

export function escalationLabel(rank: number, locale: 'zh' | 'en' = 'zh'): string {
  if (rank >= RECTIFICATION_RANK) return locale === 'zh' ? '限期整改' : 'rectification order';
  if (rank <= 0) return '—';
  return locale === 'zh' ? `第${rank}级督办` : `escalation-${rank}`;
}

type DeadlineQuery = SelectQueryBuilder<LedgerDb, 'deadlines', object>;

function db(store: LedgerStore): Kysely<LedgerDb> {
  const s = store as Partial<SqlLedger>;
  if (!s.db) throw new Error('the audit needs a SQL ledger (openLedger)');
  return s.db;
}

function filtered(q: DeadlineQuery, f: AuditFilter): DeadlineQuery {
  let out = q.where('deadlines.campaign_id', '=', f.campaignId);
  if (f.phaseKey !== undefined) out = out.where('deadlines.phase_key', '=', f.phaseKey);
  if (f.obligationKey !== undefined) out = out.where('deadlines.obligation_key', '=', f.obligationKey);
  if (f.cycleKey !== undefined) out = out.where('deadlines.cycle_key', '=', f.cycleKey);
  if (f.committeeId !== undefined) out = out.where('deadlines.committee_id', '=', f.committeeId);
  return out;
}

const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

/** Per unit: deadlines, late, missing, total and longest lateness, highest escalation, open orders. */
export async function unitLags(
  store: LedgerStore,
  f: AuditFilter,
  opts: { onlyLagging?: boolean; level?: string; reviewsOnly?: boolean } = {},
): Promise<UnitLag[]> {
  const asOf = f.asOf ?? new Date().toISOString();
  const missing = sql<number>`SUM(CASE WHEN deadlines.submitted_at IS NULL AND deadlines.waived_at IS NULL AND deadlines.due_at < ${asOf} THEN 1 ELSE 0 END)`;
  const late = sql<number>`SUM(CASE WHEN deadlines.late_ms > 0 THEN 1 ELSE 0 END)`;
  let q = filtered(db(store).selectFrom('deadlines'), f)
    .leftJoin('units', (j) =>
      j.onRef('units.campaign_id', '=', 'deadlines.campaign_id').onRef('units.unit_id', '=', 'deadlines.unit_id'),
    )
    .select([
      'deadlines.unit_id as unitId',
      sql<string>`MAX(COALESCE(units.name, deadlines.unit_id))`.as('unitName'),
      sql<string>`MAX(COALESCE(units.level, ''))`.as('level'),
      sql<string | null>`MAX(deadlines.committee_id)`.as('committeeId'),
      sql<number>`COUNT(*)`.as('deadlines'),
      late.as('late'),
      missing.as('missing'),
      sql<number>`SUM(CASE WHEN deadlines.late_ms > 0 THEN deadlines.late_ms ELSE 0 END)`.as('totalLateMs'),
      sql<number>`MAX(CASE WHEN deadlines.late_ms > 0 THEN deadlines.late_ms ELSE 0 END)`.as('longestLateMs'),
      sql<number>`MAX(deadlines.escalation)`.as('highestEscalation'),
      sql<number>`SUM(CASE WHEN deadlines.rectification_deadline IS NOT NULL AND deadlines.submitted_at IS NULL AND deadlines.waived_at IS NULL THEN 1 ELSE 0 END)`.as(
        'openRectifications',
      ),
    ])
    .groupBy('deadlines.unit_id');
  if (opts.level !== undefined) q = q.where('units.level', '=', opts.level);
  if (opts.reviewsOnly) q = q.where('deadlines.obligation_key', 'like', '%.review');
  if (opts.onlyLagging) q = q.having((eb) => eb.or([eb(late, '>', 0), eb(missing, '>', 0)]));
  const rows = await q.orderBy('deadlines.unit_id').execute();
  return rows.map((r) => ({
    unitId: r.unitId,
    unitName: r.unitName,
    level: r.level,
    committeeId: r.committeeId,
    deadlines: num(r.deadlines),
    late: num(r.late),
    missing: num(r.missing),
    totalLateMs: num(r.totalLateMs),
    longestLateMs: num(r.longestLateMs),
    highestEscalation: num(r.highestEscalation),
    openRectifications: num(r.openRectifications),
  }));
}

/** Units that were late or never submitted. */
export function laggingUnits(store: LedgerStore, f: AuditFilter): Promise<UnitLag[]> {
  return unitLags(store, f, { onlyLagging: true });
}

/** The most lagging branches first: by late + missing, then total lateness. */
export async function lagRanking(store: LedgerStore, f: AuditFilter, limit = 20): Promise<UnitLag[]> {
  const rows = await unitLags(store, f, { onlyLagging: true, level: 'branch' });
  return rows
    .sort(
      (a, b) =>
        b.late + b.missing - (a.late + a.missing) || b.totalLateMs - a.totalLateMs || a.unitId.localeCompare(b.unitId),
    )
    .slice(0, limit);
}

/** Reviewers (committee leaders) late with their comments, or who never gave them. */
export function lateReviewers(store: LedgerStore, f: AuditFilter): Promise<UnitLag[]> {
  return unitLags(store, f, { onlyLagging: true, reviewsOnly: true });
}

export async function deadlineRows(store: LedgerStore, f: AuditFilter & { unitId?: string }): Promise<DeadlineRow[]> {
  let q = filtered(db(store).selectFrom('deadlines'), f).selectAll();
  if (f.unitId !== undefined) q = q.where('deadlines.unit_id', '=', f.unitId);
  const rows = await q.orderBy('due_at').orderBy('unit_id').execute();
  return rows.map((r) => ({
    obligationKey: r.obligation_key,
    cycleKey: r.cycle_key,
    unitId: r.unit_id,
    committeeId: r.committee_id,
    phaseKey: r.phase_key,
    dueAt: r.due_at,
    submittedAt: r.submitted_at,
    lateMs: r.late_ms === null ? null : Number(r.late_ms),
    waivedAt: r.waived_at,
    extensions: Number(r.extensions),
    highestEscalation: Number(r.escalation),
    rectificationDeadline: r.rectification_deadline,
    closedOutcome: r.closed_outcome,
  }));
}

export async function openRectifications(store: LedgerStore, f: AuditFilter): Promise<OpenRectification[]> {
  const asOf = f.asOf ?? new Date().toISOString();
  const rows = await filtered(db(store).selectFrom('deadlines'), f)
    .leftJoin('units', (j) =>
      j.onRef('units.campaign_id', '=', 'deadlines.campaign_id').onRef('units.unit_id', '=', 'deadlines.unit_id'),
    )
    .select([
      'deadlines.unit_id as unitId',
      'units.name as unitName',
      'deadlines.obligation_key as obligationKey',
      'deadlines.cycle_key as cycleKey',
      'deadlines.due_at as dueAt',
      'deadlines.rectification_deadline as rectificationDeadline',
    ])
    .where('deadlines.rectification_deadline', 'is not', null)
    .where('deadlines.submitted_at', 'is', null)
    .where('deadlines.waived_at', 'is', null)
    .orderBy('deadlines.rectification_deadline')
    .orderBy('deadlines.unit_id')
    .execute();
  return rows.map((r) => ({
    unitId: r.unitId,
    unitName: r.unitName ?? r.unitId,
    obligationKey: r.obligationKey,
    cycleKey: r.cycleKey,
    dueAt: r.dueAt,
    rectificationDeadline: r.rectificationDeadline!,
    overdue: r.rectificationDeadline! < asOf,
  }));
}

/** Everything the ledger holds about one unit, in time order. */
export function unitHistory(store: LedgerStore, campaignId: string, unitId: string) {
  return store.events({ campaignId, unitId });
}
