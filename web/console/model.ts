/**
 * What the office console shows, read from the ledger (the facts, which outlive every workflow)
 * and, while the campaign runs, from its workflow (the plan it was started with, its phases and
 * plan time now). No rendering here: pages.ts turns these into HTML, downloads.ts into files.
 */
import { DateTime } from 'luxon';
import type { CampaignClient } from '../../client/campaigns';
import { cyclesOf, phaseWindows, stepsForDue } from '../../domain/calendar';
import { planTime, REAL_TIME, type ClockSpec } from '../../domain/clock';
import type { PhaseWindow, ScheduledStep } from '../../domain/calendar-types';
import { DEFAULT_SOON_MS } from '../../domain/deadline-state';
import type { OrgRef } from '../../domain/engine/org-ref';
import type { Obligation, Plan } from '../../domain/plan-schema';
import { startedPlan } from '../../ledger/campaign-starts';
import { pendingRequests } from '../../ledger/corrections';
import { RECTIFICATION_RANK } from '../../ledger/schema';
import type { DeadlineRow, LedgerEvent, LedgerStore, LedgerUnit } from '../../ledger/types';
import type { CampaignStatus } from '../../workflows/messages';
import { canSee, type Principal } from '../access';

export type Lang = 'zh' | 'en';

/**
 * One campaign as the console knows it: always its ledger units; its status while it runs; its
 * plan while it runs and, once the engine no longer holds it, as its start recorded it.
 */
export interface CampaignContext {
  campaignId: string;
  title: string;
  timeZone: string;
  /** Plan time now: the campaign's own clock while it runs (a rehearsal), else the wall clock. */
  now: string;
  plan?: Plan;
  /**
   * The stored organisation the campaign runs on (since v0.13; older ones carry it whole): the
   * one it started on, or since v0.22 the latest re-import it follows.
   */
  orgRef?: OrgRef;
  status?: CampaignStatus;
  units: LedgerUnit[];
  unitById: Map<string, LedgerUnit>;
  /** Once the engine no longer holds it: the first and last due instants of one branch, where the periods of the ranking begin and end. */
  firstDueAt?: string;
  lastDueAt?: string;
}

const ZONE = 'Asia/Shanghai';

interface Started {
  plan?: Plan;
  orgRef?: OrgRef;
  clock?: ClockSpec;
}

/** Plans do not change while a campaign runs: read once from the workflow's input. */
const plans = new Map<string, Promise<Started>>();

export async function planOf(campaigns: CampaignClient, campaignId: string): Promise<Started> {
  let p = plans.get(campaignId);
  if (!p) {
    p = campaigns
      .startInput(campaignId)
      .then((i) => ({ plan: i?.plan, orgRef: i?.orgRef, clock: i?.clock ?? REAL_TIME }));
    p.catch(() => plans.delete(campaignId));
    plans.set(campaignId, p);
  }
  return p;
}

/**
 * Plan time now. While the campaign runs, from its clock: its status's `now` is the instant of
 * its last wake-up (a query does not move a workflow's time), which in a live campaign may be
 * weeks behind, and the console would colour, rank and record by it. Once it has ended, its end.
 */
function nowOf(status: CampaignStatus | undefined, clock: ClockSpec | undefined): string {
  if (status && !status.completed && clock) return new Date(planTime(clock, Date.now())).toISOString();
  return status?.now ?? new Date().toISOString();
}

/** The campaign, or undefined when the ledger holds nothing of it. */
export async function loadCampaign(
  ledger: LedgerStore,
  campaigns: CampaignClient,
  campaignId: string,
): Promise<CampaignContext | undefined> {
  const units = await ledger.units(campaignId);
  if (units.length === 0) return undefined;
  let status: CampaignStatus | undefined;
  let plan: Plan | undefined;
  let orgRef: OrgRef | undefined;
  let clock: ClockSpec | undefined;
  try {
    let started: Started;
    [status, started] = await Promise.all([campaigns.status(campaignId), planOf(campaigns, campaignId)]);
    ({ plan, orgRef, clock } = started);
    // The version it follows now (since v0.22, after a re-import), not the one it started on.
    orgRef = status.orgRef ?? orgRef;
  } catch (err) {
    // A finished campaign (or one the engine no longer holds) is shown from the ledger alone,
    // with the plan its start recorded there (none for one started before starts were recorded).
    if ((err as { code?: string }).code !== 'CAMPAIGN_NOT_FOUND') throw err;
    plan = await startedPlan(ledger, campaignId);
  }
  // A campaign the engine no longer holds: where its deadlines began and ended, from one branch's
  // (an index read), as its ranking's periods end there and not at the wall clock's today.
  const branch = status ? undefined : units.find((u) => u.level === 'branch');
  const dues = branch
    ? (await ledger.deadlineRows({ campaignId, unitId: branch.unitId })).flatMap((r) => (r.dueAt ? [r.dueAt] : []))
    : [];
  return {
    campaignId,
    firstDueAt: dues[0],
    lastDueAt: dues.at(-1),
    title: plan?.title ?? status?.title ?? campaignId,
    timeZone: plan?.timeZone ?? ZONE,
    now: nowOf(status, clock),
    plan,
    orgRef,
    status,
    units,
    unitById: new Map(units.map((u) => [u.unitId, u])),
  };
}

export const obligationTitle = (c: CampaignContext, key: string, lang: Lang): string => {
  const base = key.replace(/\.review$/, '');
  const o = c.plan?.obligations.find((x) => x.key === base);
  const title = o ? (lang === 'en' ? (o.titleEn ?? o.title) : o.title) : base;
  return base === key ? title : `${title}${lang === 'en' ? ' (review)' : '点评'}`;
};

export const phaseName = (c: CampaignContext, key: string | null | undefined, lang: Lang): string => {
  if (!key) return '';
  const p = c.plan?.phases.find((x) => x.key === key);
  return p ? (lang === 'en' ? p.label : p.name) : key;
};

export const unitName = (c: CampaignContext, id: string | null | undefined): string =>
  id ? (c.unitById.get(id)?.name ?? id) : '';

/** The organisation a campaign runs on: its office's name (as the ledger keeps it) and, when stored by reference, its version. */
export function organisationOf(c: CampaignContext): { name: string; version?: number } {
  const office = c.units.find((u) => u.level === 'office');
  return { name: office?.name ?? '', version: c.orgRef?.version };
}

/** The committees a person may see (all for the office). */
export function visibleCommittees(c: CampaignContext, p: Principal): LedgerUnit[] {
  return c.units.filter((u) => u.level === 'committee' && canSee(p, u.unitId));
}

/** A secretary's audit filter: their own committee; the office's: what it asked for. */
export function scopedCommittee(p: Principal, asked: string | undefined, c: CampaignContext): string | undefined {
  if (p.role === 'office') return asked;
  const own = visibleCommittees(c, p).map((u) => u.unitId);
  return asked && own.includes(asked) ? asked : own[0];
}

/** Which deadlines a person's audit reads (an AuditFilter's part): see auditScope. */
export interface AuditScope {
  committeeId?: string;
  unitIds?: string[];
}

/**
 * The office reads everything (or the committee it asked for); anyone else reads exactly the
 * units they may see, by id. A committee id alone is not enough: a branch secretary sees no
 * committee (and read the whole campaign for want of one), and a committee with committees
 * under it would miss theirs. The database applies the scope, so that the first N rows of a
 * list and its total are those of the person's own part.
 */
export function auditScope(p: Principal, c: CampaignContext, asked?: string): AuditScope {
  const committeeId = asked !== undefined && canSee(p, asked) ? asked : undefined;
  if (p.role === 'office') return { committeeId: asked };
  return { committeeId, unitIds: c.units.filter((u) => canSee(p, u.unitId)).map((u) => u.unitId) };
}

// ---------- a deadline's colour ----------

/** The heatmap's cell states: the 督办 colours, grey for waived; `missing` marks never submitted. */
export type CellColour = 'green' | 'blue' | 'yellow' | 'red' | 'grey';
export interface Cell {
  colour: CellColour;
  /** Due and never handed in. */
  missing: boolean;
  /** Handed in. */
  done: boolean;
  /** How late (handed in late, or overdue now), ms; 0 when not late. */
  lateMs: number;
}

/**
 * The rank from which an escalation step reaches the office (the ladder's first step that
 * notifies it), per obligation; without the plan only a rectification order counts as red.
 */
export function officeRanks(plan: Plan | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (const o of plan?.obligations ?? []) {
    const i = o.escalation.findIndex((s) => s.notify.includes('office'));
    out.set(o.key, i < 0 ? RECTIFICATION_RANK : i + 1);
  }
  return out;
}

export function cellOf(r: DeadlineRow, nowMs: number, officeRank: number, soonMs = DEFAULT_SOON_MS): Cell {
  const due = r.dueAt ? Date.parse(r.dueAt) : Number.POSITIVE_INFINITY;
  if (r.waivedAt) return { colour: 'grey', missing: false, done: false, lateMs: 0 };
  const done = r.submittedAt !== null;
  const lateMs = done ? (r.lateMs ?? 0) : Math.max(0, nowMs - due);
  const red = r.highestEscalation >= officeRank || r.rectificationDeadline !== null;
  const missing = !done && (nowMs > due || r.closedOutcome === 'missing');
  if (red && (missing || lateMs > 0)) return { colour: 'red', missing, done, lateMs };
  if (lateMs > 0) return { colour: 'yellow', missing, done, lateMs };
  if (!done && nowMs >= due - soonMs) return { colour: 'blue', missing, done, lateMs };
  return { colour: 'green', missing, done, lateMs };
}

/** How long before its due instant a deadline turns blue: from its first reminder, as the engine does. */
export function soonMsOf(plan: Plan | undefined, obligationKey: string): number {
  const o = plan?.obligations.find((x) => x.key === obligationKey.replace(/\.review$/, ''));
  const first = o?.reminders[0];
  const m = first ? /^-(\d+)d$/.exec(first) : null;
  return m ? Number(m[1]) * 86_400_000 : DEFAULT_SOON_MS;
}

// ---------- the heatmap ----------

export interface HeatmapFilter {
  committee?: string;
  obligation?: string;
  kind?: string;
  phase?: string;
}

export interface HeatmapRow {
  unitId: string;
  name: string;
  kind?: string;
  cells: (Cell | undefined)[];
}
export interface HeatmapGroup {
  committeeId: string;
  name: string;
  rows: HeatmapRow[];
}
export interface Heatmap {
  obligationKey: string;
  obligations: string[];
  cycles: string[];
  groups: HeatmapGroup[];
  counts: Record<CellColour | 'missing', number>;
}

/** The obligations units hand in (reviews are the reviewers' and have a page of their own). */
export async function reportObligations(ledger: LedgerStore, c: CampaignContext): Promise<string[]> {
  if (c.plan) return c.plan.obligations.map((o) => o.key);
  const lags = await ledger.deadlineRows({ campaignId: c.campaignId, unitId: c.units[0]?.unitId });
  return [...new Set(lags.map((r) => r.obligationKey))].filter((k) => !k.endsWith('.review'));
}

export async function buildHeatmap(
  ledger: LedgerStore,
  c: CampaignContext,
  p: Principal,
  f: HeatmapFilter,
): Promise<Heatmap> {
  const obligations = await reportObligations(ledger, c);
  const obligationKey = f.obligation ?? busiestObligation(c, obligations);

  const rows = await ledger.deadlineRows({
    campaignId: c.campaignId,
    obligationKey,
    ...auditScope(p, c, f.committee),
    phaseKey: f.phase,
  });
  const nowMs = Date.parse(c.now);
  const officeRank = officeRanks(c.plan).get(obligationKey) ?? RECTIFICATION_RANK;
  const soon = soonMsOf(c.plan, obligationKey);
  const cycles = [...new Set(rows.map((r) => r.cycleKey))].sort();
  const col = new Map(cycles.map((k, i) => [k, i]));
  const byUnit = new Map<string, HeatmapRow>();
  const counts = { green: 0, blue: 0, yellow: 0, red: 0, grey: 0, missing: 0 };
  for (const r of rows) {
    if (!canSee(p, r.unitId)) continue;
    const u = c.unitById.get(r.unitId);
    if (f.kind && u?.kind !== f.kind) continue;
    let row = byUnit.get(r.unitId);
    if (!row) {
      row = {
        unitId: r.unitId,
        name: u?.name ?? r.unitId,
        kind: u?.kind,
        cells: new Array<Cell | undefined>(cycles.length),
      };
      byUnit.set(r.unitId, row);
    }
    const cell = cellOf(r, nowMs, officeRank, soon);
    row.cells[col.get(r.cycleKey)!] = cell;
    counts[cell.colour] += 1;
    if (cell.missing) counts.missing += 1;
  }
  const groups = new Map<string, HeatmapGroup>();
  // Committees in the ledger's order, each with its own row first and its branches after.
  for (const u of c.units) {
    const row = byUnit.get(u.unitId);
    if (!row) continue;
    const gid = u.level === 'committee' ? u.unitId : (u.committeeId ?? u.parentId ?? '');
    let g = groups.get(gid);
    if (!g) {
      g = { committeeId: gid, name: unitName(c, gid) || '—', rows: [] };
      groups.set(gid, g);
    }
    if (u.level === 'committee') g.rows.unshift(row);
    else g.rows.push(row);
  }
  return {
    obligationKey,
    obligations,
    cycles,
    groups: [...groups.values()].sort((a, b) => a.committeeId.localeCompare(b.committeeId)),
    counts,
  };
}

/** The obligation the heatmap shows when none is asked for. */
export async function defaultObligation(ledger: LedgerStore, c: CampaignContext): Promise<string> {
  return busiestObligation(c, await reportObligations(ledger, c));
}

/** The default obligation of the heatmap: the one with the most cycles (a quarterly report over a monthly record of one unit). */
function busiestObligation(c: CampaignContext, obligations: string[]): string {
  if (c.plan) {
    const windows = c.status?.phases;
    if (windows) {
      let best = obligations[0]!;
      let most = -1;
      for (const o of c.plan.obligations) {
        const n = cyclesOf(c.plan, o, windows).length;
        if (n > most && n <= 24) [best, most] = [o.key, n];
      }
      return best;
    }
  }
  return obligations[0] ?? '';
}

// ---------- the dashboard ----------

export interface PhaseLine {
  key: string;
  name: string;
  startAt?: string;
  endAt?: string;
  state: 'past' | 'current' | 'future';
  /** Started or ended by hand: who, when, why. */
  changes: { action: string; at: string; by: string; reason: string }[];
}

export async function phaseTimeline(ledger: LedgerStore, c: CampaignContext, lang: Lang): Promise<PhaseLine[]> {
  const events = await ledger.events({ campaignId: c.campaignId, kinds: ['phase-advanced', 'phase-started'] });
  const manual = events.filter((e) => e.kind === 'phase-advanced');
  const started = new Map(events.filter((e) => e.kind === 'phase-started').map((e) => [e.phaseKey!, e.at]));
  // Once the engine no longer holds the campaign: its plan's windows as the ledger saw them go.
  const ended = new Map(
    manual.filter((e) => e.data?.action === 'ended' && e.phaseKey).map((e): [string, string] => [e.phaseKey!, e.at]),
  );
  const windows: PhaseWindow[] =
    c.status?.phases ??
    (c.plan ? phaseWindows(c.plan, { started: Object.fromEntries(started), ended: Object.fromEntries(ended) }) : []);
  const keys = windows.length > 0 ? windows.map((w) => w.key) : [...started.keys()];
  const nowMs = Date.parse(c.now);
  // Without a status, or stopped, the campaign runs no more: no phase of it is current.
  const over = c.status === undefined || c.status.stopped !== undefined;
  return keys.map((key) => {
    const w = windows.find((x) => x.key === key);
    const s = w?.startAt ?? started.get(key);
    const startMs = s ? Date.parse(s) : Number.POSITIVE_INFINITY;
    const endMs = w?.endAt ? Date.parse(w.endAt) : Number.POSITIVE_INFINITY;
    return {
      key,
      name: phaseName(c, key, lang),
      startAt: s,
      endAt: w?.endAt,
      state: nowMs < startMs ? 'future' : nowMs < endMs && !over ? 'current' : 'past',
      changes: manual
        .filter((e) => e.phaseKey === key)
        .map((e) => ({
          action: e.data?.action === 'ended' ? 'ended' : 'started',
          at: e.at,
          by: e.actor ?? '',
          reason: e.reason ?? '',
        })),
    };
  });
}

export interface Upcoming {
  at: string;
  obligationKey: string;
  cycleKey: string;
  step: ScheduledStep;
  /** Units still owing it (answered and waived ones get no reminder). */
  units: number;
}

/** The campaign's open deadlines in a person's scope, read once per page for the counts and the next instants. */
export function openDeadlines(ledger: LedgerStore, c: CampaignContext, scope: AuditScope): Promise<DeadlineRow[]> {
  return ledger.deadlineRows({ campaignId: c.campaignId, ...scope, open: true });
}

/**
 * The steps scheduled in the next `days` (reminders, due instants, escalations), with how many units
 * each reaches: the plan's calendar for the deadlines at their planned due instant, and for an
 * extended one the steps of its new due instant, as its workflow reschedules them (no new notice;
 * step names marked `~extN`).
 */
export function upcomingInstants(open: DeadlineRow[], c: CampaignContext, p: Principal, days = 14): Upcoming[] {
  if (!c.plan || !c.status) return [];
  const plan = c.plan;
  const from = Date.parse(c.now);
  const to = from + days * 86_400_000;
  const inWindow = (at: string): boolean => {
    const t = Date.parse(at);
    return t >= from && t <= to;
  };
  /** Units owing a cycle at its planned due instant; and the extended ones, per new due instant. */
  const owing = new Map<string, number>();
  const extended = new Map<string, { dueAt: string; extensions: number; units: number }[]>();
  for (const r of open) {
    if (!canSee(p, r.unitId)) continue;
    const k = `${r.obligationKey}/${r.cycleKey}`;
    if (r.extensions === 0 || !r.dueAt) {
      owing.set(k, (owing.get(k) ?? 0) + 1);
      continue;
    }
    const moved = extended.get(k) ?? [];
    const same = moved.find((m) => m.dueAt === r.dueAt && m.extensions === r.extensions);
    if (same) same.units += 1;
    else moved.push({ dueAt: r.dueAt, extensions: r.extensions, units: 1 });
    extended.set(k, moved);
  }
  const out: Upcoming[] = [];
  for (const o of plan.obligations) {
    for (const cy of cyclesOf(plan, o, c.status.phases)) {
      const k = `${o.key}/${cy.cycleKey}`;
      const opened = owing.get(k);
      const moved = extended.get(k) ?? [];
      // Opened, and every unit still owing it has a due instant of its own: the plan's steps reach no one.
      if (opened !== undefined || moved.length === 0) {
        for (const step of cy.steps) {
          if (!inWindow(step.at)) continue;
          // A cycle not opened yet reaches every responsible unit; an opened one, those still owing.
          out.push({ at: step.at, obligationKey: o.key, cycleKey: cy.cycleKey, step, units: opened ?? -1 });
        }
      }
      for (const m of moved) {
        for (const s of stepsForDue(plan, o, cy.opensAt, m.dueAt, { holidayRule: true })) {
          if (s.kind === 'notice' || !inWindow(s.at)) continue;
          const step = { ...s, step: `${s.step}~ext${m.extensions}` };
          out.push({ at: s.at, obligationKey: o.key, cycleKey: cy.cycleKey, step, units: m.units });
        }
      }
    }
  }
  return out.sort((a, b) => a.at.localeCompare(b.at));
}

/** Counts of the open deadlines (openDeadlines) by colour (and the never-submitted ones), in the person's scope. */
export function openCounts(
  open: DeadlineRow[],
  c: CampaignContext,
  p: Principal,
  committeeId?: string,
): Record<CellColour | 'missing', number> {
  const rows = committeeId === undefined ? open : open.filter((r) => r.committeeId === committeeId);
  const ranks = officeRanks(c.plan);
  const nowMs = Date.parse(c.now);
  const counts = { green: 0, blue: 0, yellow: 0, red: 0, grey: 0, missing: 0 };
  for (const r of rows) {
    if (!canSee(p, r.unitId) || r.closedOutcome) continue;
    const base = r.obligationKey.replace(/\.review$/, '');
    const cell = cellOf(r, nowMs, ranks.get(base) ?? RECTIFICATION_RANK, soonMsOf(c.plan, r.obligationKey));
    counts[cell.colour] += 1;
    if (cell.missing) counts.missing += 1;
  }
  return counts;
}

// ---------- periods of the ranking ----------

export interface Period {
  key: string;
  label: string;
  from?: string;
  before?: string;
}

/**
 * The whole campaign, then the years, half-years and quarters from its first phase to now (or to
 * its last deadline, for a campaign the engine no longer holds), newest first.
 */
export function periodsOf(c: CampaignContext, lang: Lang): Period[] {
  const zone = c.timeZone;
  const first = c.status?.phases[0]?.startAt ?? c.plan?.phases[0]?.start ?? c.firstDueAt;
  const all: Period = { key: 'all', label: lang === 'en' ? 'Whole campaign' : '活动全程' };
  if (!first) return [all];
  const start = DateTime.fromISO(first, { zone }).startOf('quarter');
  const last = c.lastDueAt && c.lastDueAt < c.now ? c.lastDueAt : c.now;
  const end = DateTime.fromISO(last, { zone });
  const out: Period[] = [all];
  const iso = (d: DateTime): string => d.toUTC().toISO()!;
  for (let y = end.year; y >= start.year; y--) {
    const year = DateTime.fromObject({ year: y }, { zone });
    out.push({
      key: `${y}`,
      label: lang === 'en' ? `${y}` : `${y}年`,
      from: iso(year),
      before: iso(year.plus({ years: 1 })),
    });
    for (const h of [2, 1]) {
      const s = year.plus({ months: (h - 1) * 6 });
      if (s > end || s.plus({ months: 6 }) <= start) continue;
      out.push({
        key: `${y}-H${h}`,
        label: lang === 'en' ? `H${h} ${y}` : `${y}年${h === 1 ? '上' : '下'}半年`,
        from: iso(s),
        before: iso(s.plus({ months: 6 })),
      });
    }
    for (const q of [4, 3, 2, 1]) {
      const s = year.plus({ months: (q - 1) * 3 });
      if (s > end || s.plus({ months: 3 }) <= start) continue;
      out.push({
        key: `${y}-Q${q}`,
        label: lang === 'en' ? `Q${q} ${y}` : `${y}年第${'一二三四'[q - 1]}季度`,
        from: iso(s),
        before: iso(s.plus({ months: 3 })),
      });
    }
  }
  return out;
}

/** The ranking's default period: the newest quarter (the office's usual question), else the whole campaign. */
export const defaultPeriod = (periods: Period[]): Period => periods.find((p) => /-Q\d$/.test(p.key)) ?? periods[0]!;

// ---------- one deadline, one unit ----------

/** Everything the ledger holds of one deadline, in time order (notices, reminders, escalations, extensions, the submission). */
export async function deadlineHistory(
  ledger: LedgerStore,
  campaignId: string,
  obligationKey: string,
  cycleKey: string,
  unitId: string,
): Promise<{ row?: DeadlineRow; events: LedgerEvent[] }> {
  const [rows, events] = await Promise.all([
    ledger.deadlineRows({ campaignId, obligationKey, cycleKey, unitId }),
    ledger.events({ campaignId, obligationKey, cycleKey, unitId }),
  ]);
  // Each message is recorded as intended and then sent: the history shows what happened (and
  // who asked for a message by hand, and why).
  return { row: rows[0], events: events.filter((e) => e.kind !== 'message-intent' || e.reason !== undefined) };
}

export function obligationOf(c: CampaignContext, key: string): Obligation | undefined {
  return c.plan?.obligations.find((o) => o.key === key.replace(/\.review$/, ''));
}

/** A rectification order of one unit, open or not, and how it ended. */
export interface UnitOrder {
  obligationKey: string;
  cycleKey: string;
  dueAt: string | null;
  /** The order's own deadline. */
  deadline: string;
  /** answered: the report came in after the order; waived; closed without it (the outcome says how); open, or overdue. */
  state: 'answered' | 'waived' | 'closed' | 'open' | 'overdue';
  /** When it was answered or waived. */
  at?: string;
  /** The deadline's closing outcome (on-time, late, waived, missing), when it closed. */
  outcome?: string;
}

/**
 * Every order a unit was given, from its deadline rows (a deadline takes at most one order, kept
 * in its summary row): the open ones, and the closed ones with how they ended, so a unit's page
 * shows its whole record and not only what is still owed.
 */
export function unitOrders(rows: DeadlineRow[], now: string): UnitOrder[] {
  const out: UnitOrder[] = [];
  for (const r of rows) {
    if (r.rectificationDeadline === null) continue;
    const base = {
      obligationKey: r.obligationKey,
      cycleKey: r.cycleKey,
      dueAt: r.dueAt,
      deadline: r.rectificationDeadline,
      ...(r.closedOutcome ? { outcome: r.closedOutcome } : {}),
    };
    if (r.submittedAt) out.push({ ...base, state: 'answered', at: r.submittedAt });
    else if (r.waivedAt) out.push({ ...base, state: 'waived', at: r.waivedAt });
    else if (r.closedOutcome) out.push({ ...base, state: 'closed' });
    else out.push({ ...base, state: r.rectificationDeadline < now ? 'overdue' : 'open' });
  }
  return out.sort((a, b) => a.deadline.localeCompare(b.deadline) || a.obligationKey.localeCompare(b.obligationKey));
}

/** The units' requests for a correction that the office has not answered, in the person's scope. */
export async function pendingCorrectionRequests(
  ledger: LedgerStore,
  c: CampaignContext,
  scope: AuditScope,
): Promise<LedgerEvent[]> {
  const events = await ledger.events({
    campaignId: c.campaignId,
    kinds: ['correction-requested', 'submission-corrected', 'correction-declined'],
    ...(scope.committeeId ? { committeeId: scope.committeeId } : {}),
  });
  const mine = scope.unitIds ? new Set(scope.unitIds) : undefined;
  return pendingRequests(mine ? events.filter((e) => mine.has(e.unitId ?? '')) : events);
}
