/**
 * The audit: who lagged, how often, by how much, and how far the escalation climbed. It reads
 * through the LedgerStore interface; the store aggregates the per-deadline summary in SQL
 * (audit-queries.ts).
 *
 * Definitions, for one deadline (campaign, obligation, cycle, unit):
 * - late: submitted after its due instant (after extensions); lateness is the difference;
 * - missing: not submitted, not waived, and due before `asOf`;
 * - highest escalation: the highest escalation step sent, or the rectification order;
 * - an open rectification order: ordered, and the unit has not submitted (or been waived) since.
 * Reviews are deadlines of the reviewer, with obligation `<obligation>.review` and cycle
 * `<cycle>:<reviewed unit>`. Lateness as submitter (a unit's own reports) and as reviewer (the
 * comments a committee owes on its branches' reports) are never summed together: the lagging
 * units and the ranking count reports only, the late reviewers name each reviewed report.
 */
import type {
  AuditFilter,
  DeadlineRow,
  LateReview,
  LedgerStore,
  OpenRectification,
  UnitLag,
  UnitLagOptions,
} from './types';
import { RECTIFICATION_RANK } from './schema';

/** Thrown when the ledger holds nothing of the campaign asked about (a mistyped id, a campaign never started). */
export class CampaignNotInLedgerError extends Error {
  override readonly name = 'CampaignNotInLedgerError';
  readonly code = 'CAMPAIGN_NOT_FOUND';
}

/** Every campaign registers its units in the ledger as it starts: none means no such campaign here. */
export async function assertCampaignInLedger(store: LedgerStore, campaignId: string): Promise<void> {
  if ((await store.units(campaignId)).length === 0)
    throw new CampaignNotInLedgerError(`no campaign "${campaignId}" in this ledger`);
}

export function escalationLabel(rank: number, locale: 'zh' | 'en' = 'zh'): string {
  if (rank >= RECTIFICATION_RANK) return locale === 'zh' ? '限期整改' : 'rectification order';
  if (rank <= 0) return '—';
  return locale === 'zh' ? `第${rank}级督办` : `escalation-${rank}`;
}

/** Per unit: deadlines, late, missing, total and longest lateness, highest escalation, open orders. */
export function unitLags(store: LedgerStore, f: AuditFilter, opts: UnitLagOptions = {}): Promise<UnitLag[]> {
  return store.unitLags(f, opts);
}

/** Units that were late with their own reports or never handed them in. */
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

/** Leader reviews given late or never, each naming the reviewer, the reviewed unit and the cycle. */
export function lateReviewers(store: LedgerStore, f: AuditFilter): Promise<LateReview[]> {
  return store.lateReviews(f);
}

export function deadlineRows(
  store: LedgerStore,
  f: AuditFilter & { unitId?: string; open?: boolean },
): Promise<DeadlineRow[]> {
  return store.deadlineRows(f);
}

export function openRectifications(store: LedgerStore, f: AuditFilter): Promise<OpenRectification[]> {
  return store.openRectifications(f);
}

/** Everything the ledger holds about one unit, in time order. */
export function unitHistory(store: LedgerStore, campaignId: string, unitId: string) {
  return store.events({ campaignId, unitId });
}
