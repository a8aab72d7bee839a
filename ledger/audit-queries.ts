/**
 * The audit's queries in SQL, run by the store (store.ts) on SQLite and PostgreSQL alike through
 * Kysely: they read the per-deadline summary (schema.ts) and aggregate in the database. What
 * late, missing and open mean is written in audit.ts.
 */
import { sql, type Kysely, type SelectQueryBuilder } from 'kysely';
import type { LedgerDb } from './schema';
import type { AuditFilter, DeadlineRow, OpenRectification, UnitLag, UnitLagOptions } from './types';

type DeadlineQuery = SelectQueryBuilder<LedgerDb, 'deadlines', object>;

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
export async function unitLags(db: Kysely<LedgerDb>, f: AuditFilter, opts: UnitLagOptions = {}): Promise<UnitLag[]> {
  const asOf = f.asOf ?? new Date().toISOString();
  const missing = sql<number>`SUM(CASE WHEN deadlines.submitted_at IS NULL AND deadlines.waived_at IS NULL AND deadlines.due_at < ${asOf} THEN 1 ELSE 0 END)`;
  const late = sql<number>`SUM(CASE WHEN deadlines.late_ms > 0 THEN 1 ELSE 0 END)`;
  let q = filtered(db.selectFrom('deadlines'), f)
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

export async function deadlineRows(db: Kysely<LedgerDb>, f: AuditFilter & { unitId?: string }): Promise<DeadlineRow[]> {
  let q = filtered(db.selectFrom('deadlines'), f).selectAll();
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

export async function openRectifications(db: Kysely<LedgerDb>, f: AuditFilter): Promise<OpenRectification[]> {
  const asOf = f.asOf ?? new Date().toISOString();
  const rows = await filtered(db.selectFrom('deadlines'), f)
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
