/**
 * Entering grades, as the CLI, the console and the API do it: the grades go into the ledger
 * (checked there, all or nothing), then the campaign hears of each one (the engine opens a C/D
 * branch's rectification report when the plan says so) and the step's deadline is closed through
 * the ordinary submit path: a branch's self-evaluation when it grades itself, a committee's
 * preliminary (or final) grade deadline when all its branches have one. The ledger is the truth;
 * a deadline that cannot be closed (not open yet, already closed) is reported, not fatal.
 */
import type { GradeStore, EnterGradesRequest, EnterGradesResult, GradeRecord } from '../ledger/grades';
import {
  STEP_NAMES,
  GRADE_LETTERS,
  type GradeEntry,
  type GradeLetter,
  type Grader,
  type GradingPolicy,
  type GradingStep,
} from '../domain/grading';
import { gradingPolicyOf } from '../domain/grading-policy';
import { CampaignRequestError, type CampaignClient } from './campaigns';
import type { Receipt } from '../workflows/messages';
import type { CampaignEvent, EventOpening } from '../domain/engine/requests';

/**
 * Tells the campaign of a recorded grade (events' `openForEvent`), so that it opens what the plan
 * opens on it: a C/D branch's rectification report. Idempotent: the same grade told twice opens
 * one deadline.
 */
export function notifyGradeRecorded(cc: CampaignClient, campaignId: string, event: GradedEvent): Promise<EventOpening> {
  return cc.openForEvent(campaignId, event);
}

/** The `graded` event of events' CampaignEvent. */
export type GradedEvent = Extract<CampaignEvent, { event: 'graded' }>;

/** The plan's grading rules, from the campaign's input (the seed's defaults when it has none). */
export async function campaignGradingPolicy(cc: CampaignClient, campaignId: string): Promise<GradingPolicy> {
  return gradingPolicyOf((await cc.startInput(campaignId))?.plan);
}

export interface DeadlineClosing {
  obligationKey: string;
  cycleKey?: string;
  unitId: string;
  receipt?: Receipt;
  /** Why it was not closed (not open, already closed, …). */
  problem?: string;
}

export interface GradeNotice {
  unitId: string;
  grade: GradeLetter;
  opened: EventOpening['opened'];
  /** Set when the campaign could not be told (the grade stays recorded; enter it again to retry). */
  problem?: string;
}

export interface EnterOutcome extends EnterGradesResult {
  /** The rules the batch was checked by (the plan's). */
  policy: GradingPolicy;
  closings: DeadlineClosing[];
  notices: GradeNotice[];
}

export interface EnterRequest {
  campaignId: string;
  year: number;
  step: GradingStep;
  entries: (GradeEntry & { riseReason?: string })[];
  grader: Grader;
  by: string;
  source: EnterGradesRequest['source'];
  sourceName: string;
  fields?: EnterGradesRequest['fields'];
  quotaOverride?: string;
  /**
   * The plan instant of the entry, when the caller knows it better than the wall clock: a
   * rehearsal on the time-skipping server, whose clock is not this process's. Else: now, in plan time.
   */
  at?: string;
}

/** A grade count in words, for the submission that closes a committee's deadline: "A 2，B 7，C 1". */
export function gradeCounts(grades: GradeLetter[]): string {
  return GRADE_LETTERS.map((g) => `${g} ${grades.filter((x) => x === g).length}`).join('，');
}

/** The cycle of a one-off or yearly obligation that the campaign has opened, if any. */
async function openCycle(cc: CampaignClient, campaignId: string, key: string, year: number) {
  const dir = await cc.directory(campaignId);
  return [String(year), 'once'].find((c) => dir.launched.includes(`${key}/${c}`));
}

async function close(
  cc: CampaignClient,
  campaignId: string,
  obligationKey: string,
  year: number,
  unitId: string,
  by: string,
  text: string,
  at: string | undefined,
): Promise<DeadlineClosing> {
  const cycleKey = await openCycle(cc, campaignId, obligationKey, year);
  if (!cycleKey)
    return { obligationKey, unitId, problem: `${obligationKey} has not opened (no cycle ${year} or once)` };
  try {
    const receipt = await cc.submit(campaignId, obligationKey, cycleKey, unitId, { by, text, ...(at ? { at } : {}) });
    return { obligationKey, cycleKey, unitId, receipt };
  } catch (err) {
    if (err instanceof CampaignRequestError && (err.code === 'CYCLE_NOT_OPEN' || err.code === 'REJECTED'))
      return { obligationKey, cycleKey, unitId, problem: err.message };
    throw err;
  }
}

/**
 * Records a batch of grades and then does what entering them entails. `at`: the campaign's plan
 * time (a rehearsal's dates), so the ledger and the deadlines agree on when.
 */
export async function enterGrades(grades: GradeStore, cc: CampaignClient, req: EnterRequest): Promise<EnterOutcome> {
  const policy = await campaignGradingPolicy(cc, req.campaignId);
  const at = req.at ?? (await cc.planNow(req.campaignId));
  const riseOverrides = Object.fromEntries(
    req.entries.filter((e) => e.riseReason).map((e) => [e.unitId, e.riseReason!]),
  );
  const result = await grades.enter({
    ...req,
    entries: req.entries,
    at,
    policy,
    ...(Object.keys(riseOverrides).length > 0 ? { riseOverrides } : {}),
  });
  const inForce = await grades.grades(req.campaignId, { year: req.year, step: req.step });
  const byUnit = new Map(inForce.map((g) => [g.unitId, g]));
  // A rehearsal's instant travels with the requests; a live campaign's clock ignores it.
  const planAt = at;

  const notices: GradeNotice[] = [];
  for (const unitId of [...result.recorded.map((r) => r.unitId), ...result.unchanged]) {
    const g = byUnit.get(unitId)!;
    const event: GradedEvent = {
      event: 'graded',
      unitId,
      year: req.year,
      step: req.step,
      grade: g.grade,
      actor: req.by,
      at: planAt,
    };
    try {
      const o = await notifyGradeRecorded(cc, req.campaignId, event);
      notices.push({
        unitId,
        grade: g.grade,
        opened: o?.opened ?? [],
        ...(o === undefined
          ? { problem: 'this engine opens no obligation on a grade (event obligations absent)' }
          : {}),
      });
    } catch (err) {
      notices.push({ unitId, grade: g.grade, opened: [], problem: (err as Error).message });
    }
  }

  const closings: DeadlineClosing[] = [];
  const key = policy.obligations[req.step];
  if (key !== undefined) {
    const step = STEP_NAMES[req.step].zh;
    if (req.step === 'self') {
      for (const r of result.recorded)
        closings.push(await close(cc, req.campaignId, key, req.year, r.unitId, req.by, `${step}：${r.grade}`, planAt));
    } else {
      for (const committeeId of result.completeCommittees) {
        const mine = inForce.filter((g: GradeRecord) => g.committeeId === committeeId).map((g) => g.grade);
        const text = `${step}已全部录入（${req.year}年，${mine.length} 个党支部）：${gradeCounts(mine)}`;
        closings.push(await close(cc, req.campaignId, key, req.year, committeeId, req.by, text, planAt));
      }
    }
  }
  return { ...result, policy, closings, notices };
}
