/**
 * What a phase change would do, shown before the office confirms it: the cycles that would open
 * now or never open (the plan's calendar with the changed phase windows against the current
 * ones), how many units each concerns, and how many mails go out (the announcement to every
 * committee and branch, and the notices of the cycles opening at once). Pure: plan, org and
 * windows in, a preview out.
 */
import { cyclesOf } from '../../domain/calendar';
import type { PhaseWindow } from '../../domain/calendar-types';
import type { Org } from '../../domain/org-schema';
import { responsibleUnits } from '../../domain/org-slice';
import type { Plan } from '../../domain/plan-schema';
import { advanceRefusal, endPhaseRefusal, isPhaseOpen } from '../../domain/phase-changes';
import { WebError } from '../errors';
import type { CampaignContext } from './model';

export interface CycleChange {
  obligationKey: string;
  cycleKey: string;
  opensAt: string;
  dueAt: string;
  units: number;
}

export interface PhasePreview {
  action: 'advance' | 'end';
  phaseKey: string;
  refusal?: string;
  windows: PhaseWindow[];
  /** Cycles that appear with the change, or open sooner because of it (opening now or later). */
  opening: CycleChange[];
  /** Cycles of the current calendar that the change removes (not yet opened: they never will). */
  closing: CycleChange[];
  /** Mails the change sends at once: the announcement, and the notices of cycles opening now. */
  announcements: number;
  notices: number;
}

/** The windows after starting `key` at `now`: the running phase ends then. */
export function windowsAfterAdvance(windows: PhaseWindow[], key: string, now: string): PhaseWindow[] {
  const t = Date.parse(now);
  return windows.map((w) => {
    if (w.key === key) return { ...w, startAt: now };
    if (isPhaseOpen(w, t)) return { ...w, endAt: now };
    return w;
  });
}

export function windowsAfterEnd(windows: PhaseWindow[], key: string, now: string): PhaseWindow[] {
  return windows.map((w) => (w.key === key ? { ...w, endAt: now } : w));
}

/** The phase an advance starts: the one named, else the one after the running phase. */
export function advanceTarget(windows: PhaseWindow[], now: string, toPhase?: string): string | undefined {
  if (toPhase) return toPhase;
  const t = Date.parse(now);
  const cur = windows.findIndex((w) => isPhaseOpen(w, t));
  return windows[cur + 1]?.key;
}

export function previewPhaseChange(
  plan: Plan,
  org: Org,
  windows: PhaseWindow[],
  now: string,
  action: 'advance' | 'end',
  phaseKey: string,
): PhasePreview {
  const t = Date.parse(now);
  const refusal = action === 'advance' ? advanceRefusal(windows, phaseKey, t) : endPhaseRefusal(windows, phaseKey, t);
  const after =
    action === 'advance' ? windowsAfterAdvance(windows, phaseKey, now) : windowsAfterEnd(windows, phaseKey, now);
  const opening: CycleChange[] = [];
  const closing: CycleChange[] = [];
  let notices = 0;
  for (const o of plan.obligations) {
    const units = responsibleUnits(org, o).length;
    const key = (c: { cycleKey: string; phaseKey: string }): string => `${c.phaseKey}/${c.cycleKey}`;
    // Cycles already opened stay open whatever the phases do; only the ones to come change.
    const before = cyclesOf(plan, o, windows).filter((c) => Date.parse(c.opensAt) > t);
    const next = cyclesOf(plan, o, after).filter((c) => Date.parse(c.opensAt) >= t || Date.parse(c.dueAt) > t);
    // A cycle whose opening the phase's start held back opens sooner when the phase starts sooner.
    const opensBefore = new Map(before.map((c) => [key(c), Date.parse(c.opensAt)]));
    const has = new Set(next.map(key));
    for (const c of next) {
      const was = opensBefore.get(key(c));
      if ((was !== undefined && was <= Date.parse(c.opensAt)) || Date.parse(c.dueAt) <= t) continue;
      opening.push({ obligationKey: o.key, cycleKey: c.cycleKey, opensAt: c.opensAt, dueAt: c.dueAt, units });
      if (Date.parse(c.opensAt) <= t) notices += units;
    }
    for (const c of before)
      if (!has.has(key(c)))
        closing.push({ obligationKey: o.key, cycleKey: c.cycleKey, opensAt: c.opensAt, dueAt: c.dueAt, units });
  }
  const announcements =
    action === 'advance'
      ? org.order.filter((id) => id !== org.officeId && org.units[id]?.level !== 'member').length
      : 0;
  return { action, phaseKey, refusal, windows: after, opening, closing, announcements, notices };
}

/**
 * What advancing (to `toPhase`, else the phase after the running one) or ending the running phase
 * of a campaign would do now: the console's form and the API's phase-preview show the same.
 * A campaign no longer in the engine, or with no phase to change, is a 409 (the API names the
 * field at fault, the console's page shows the sentence).
 */
export function steeringPreview(
  c: CampaignContext,
  org: Org,
  action: 'advance' | 'end',
  toPhase: string | undefined,
): PhasePreview {
  if (!c.plan || !c.status)
    throw new WebError(409, '活动未在运行', '该活动已不在引擎中，不能调整阶段。', 'params.campaignId');
  const phaseKey =
    action === 'advance' ? advanceTarget(c.status.phases, c.now, toPhase) : (c.status.currentPhase ?? undefined);
  if (!phaseKey)
    throw action === 'advance'
      ? new WebError(409, '没有下一阶段', '当前阶段已是最后一个阶段。', 'query.action')
      : new WebError(409, '没有正在进行的阶段', '现在没有可以结束的阶段。', 'query.action');
  return previewPhaseChange(c.plan, org, c.status.phases, c.now, action, phaseKey);
}
