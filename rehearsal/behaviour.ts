/**
 * The behaviour file of a rehearsal (`simulate`): what the units and the committee do. Rules
 * say when each unit submits each obligation's cycle (on time, late by an offset, at a given
 * instant, or never) and how reviewers answer; actions say when the committee triggers or
 * ends a phase, and when the office extends or waives a deadline. The last matching rule wins.
 *
 * `planSimulation` turns a plan, an organisation and a behaviour into a time-ordered list of
 * requests, with the same calendar the engine uses, so the rehearsal and the engine agree.
 * Pure (no I/O, like domain/), but only rehearsals use it, so it lives with them.
 */
import { z } from 'zod';
import { DateTime } from 'luxon';
import type { Plan } from '../domain/plan-schema';
import { GradeSchema, OffsetSchema, type GradingStep } from '../domain/plan-schema';
import type { Org } from '../domain/org-schema';
import type { CycleSchedule, PhaseWindow } from '../domain/calendar-types';
import { cyclesOf, phaseWindows, reviewSchedule } from '../domain/calendar';
import { applyOffset } from '../domain/offsets';
import { responsibleUnits } from '../domain/org-slice';
import { localDateTimeProblem } from '../domain/dates';
import { realLocalDateTime } from '../domain/field-schemas';
import { eventCycles } from '../domain/engine/events';
import type { CampaignEvent } from '../domain/engine/requests';
import { gradingPolicyOf } from '../domain/grading-policy';

/** A real local date-time; whether the plan's zone has it is checked by `behaviourInstantIssues`. */
const localDateTime = realLocalDateTime();

/** on-time: a day before the due instant; late: the offset after it; at: a local instant; never. */
const SubmitSchema = z.union([
  z.literal('on-time'),
  z.literal('never'),
  z.object({ late: OffsetSchema }).strict(),
  z.object({ at: localDateTime }).strict(),
]);
export type SubmitBehaviour = z.infer<typeof SubmitSchema>;

const RuleSchema = z
  .object({
    unit: z.string().optional(),
    committee: z.string().optional(),
    kind: z.string().optional(),
    obligation: z.string().optional(),
    cycle: z.string().optional(),
    submit: SubmitSchema.optional(),
    /** How the reviewer answers this unit's report, if the obligation has a leader review. */
    review: SubmitSchema.optional(),
    /**
     * The grade these branches get at each step of the grading (分类定级): their self-evaluation,
     * the committee's preliminary grade, the university's. Recorded at the instants of `grading`.
     */
    grade: z
      .object({ self: GradeSchema.optional(), preliminary: GradeSchema.optional(), final: GradeSchema.optional() })
      .strict()
      .optional(),
  })
  .strict();

/** When each step's grades are recorded, for which year, and by whom (each step's secretary by default). */
const GradingSchema = z
  .object({
    year: z.number().int().min(1900).max(2999),
    at: z
      .object({
        self: localDateTime.optional(),
        preliminary: localDateTime.optional(),
        final: localDateTime.optional(),
      })
      .strict(),
    by: z
      .object({
        self: z.string().min(1).optional(),
        preliminary: z.string().min(1).optional(),
        final: z.string().min(1).optional(),
      })
      .strict()
      .default({}),
    /**
     * The office's override of the A share (原则上…一般不能超过20%) for one scope of one step: a
     * committee's preliminary grades (the office then enters them) or the university's final ones.
     * `quota` is the reason, recorded with each A over the share.
     */
    overrides: z
      .array(
        z
          .object({
            step: z.enum(['preliminary', 'final']),
            committee: z.string().min(1).optional(),
            quota: z.string().trim().min(1),
            by: z.string().min(1),
          })
          .strict(),
      )
      .default([]),
  })
  .strict();

const ActorSchema = { by: z.string().min(1), reason: z.string().min(1) };

const ActionSchema = z.union([
  z.object({ advance: z.string().min(1), at: localDateTime, ...ActorSchema }).strict(),
  z.object({ endPhase: z.string().min(1), at: localDateTime, ...ActorSchema }).strict(),
  z
    .object({
      extend: z.object({ unit: z.string(), obligation: z.string(), cycle: z.string() }).strict(),
      at: localDateTime,
      newDue: localDateTime,
      ...ActorSchema,
    })
    .strict(),
  z
    .object({
      waive: z.object({ unit: z.string(), obligation: z.string(), cycle: z.string() }).strict(),
      at: localDateTime,
      ...ActorSchema,
    })
    .strict(),
  /** A new branch secretary appointed (which may open her training: the plan's openedBy). */
  z
    .object({
      appoint: z.object({ unit: z.string(), secretary: z.string().min(1) }).strict(),
      at: localDateTime,
      by: z.string().min(1),
    })
    .strict(),
]);

export const BehaviourSchema = z
  .object({
    /** What every unit does unless a rule says otherwise. */
    default: z
      .object({ submit: SubmitSchema.default('on-time'), review: SubmitSchema.default('on-time') })
      .strict()
      .default({
        submit: 'on-time',
        review: 'on-time',
      }),
    rules: z.array(RuleSchema).default([]),
    actions: z.array(ActionSchema).default([]),
    grading: GradingSchema.optional(),
  })
  .strict();
export type Behaviour = z.infer<typeof BehaviourSchema>;

export type SimRequest =
  | { type: 'advance'; at: string; phaseKey: string; by: string; reason: string }
  | { type: 'end-phase'; at: string; phaseKey: string; by: string; reason: string }
  | { type: 'submit'; at: string; obligationKey: string; cycleKey: string; unitId: string; by: string; text: string }
  | {
      type: 'extend';
      at: string;
      obligationKey: string;
      cycleKey: string;
      unitId: string;
      newDueAt: string;
      by: string;
      reason: string;
    }
  | { type: 'waive'; at: string; obligationKey: string; cycleKey: string; unitId: string; by: string; reason: string }
  | {
      type: 'grade';
      at: string;
      unitId: string;
      year: number;
      step: GradingStep;
      grade: 'A' | 'B' | 'C' | 'D';
      by: string;
      /** The office's reason for going over the A share of this grade's scope (the office enters the batch). */
      quotaOverride?: string;
    }
  | { type: 'appoint'; at: string; unitId: string; secretary: string; by: string };

/** What the rehearsal is told to expect of one deadline, for checking the audit against it. */
export interface ExpectedDeadline {
  obligationKey: string;
  cycleKey: string;
  unitId: string;
  dueAt: string;
  submittedAt?: string;
  waived: boolean;
}

export interface SimulationPlan {
  windows: PhaseWindow[];
  /** The calendar's cycles (each for every responsible unit). */
  cycles: CycleSchedule[];
  /** The cycles the behaviour's events open (the plan's openedBy), each for its one unit. */
  eventDeadlines: { cycle: CycleSchedule; unitId: string }[];
  requests: SimRequest[];
  expected: ExpectedDeadline[];
  /** The plan instant at which the rehearsal has seen everything (the last phase's end). */
  endAt: string;
}

/**
 * "on-time" submits 32 hours before the due instant: for the usual 23:59:59 deadline, 16:00 the
 * day before — in the afternoon, as people do, and far from midnight, so that a review due "10
 * days after the report arrives" falls on the same day however late a timer fires.
 */
const ON_TIME_LEAD_MS = 32 * 3600 * 1000;

/** A behaviour's local date-time in the plan's zone, as a UTC instant. */
export function localInstant(iso: string, zone: string): string {
  const dt = DateTime.fromISO(iso, { zone });
  if (!dt.isValid) throw new Error(`not a valid local instant: ${iso}`);
  return dt.toUTC().toISO();
}

type Path = (string | number)[];

/**
 * Every local date-time of a behaviour that the plan's zone does not have (the schema checks the
 * calendar; the zone comes with the plan), with the path of its field.
 */
export function behaviourInstantIssues(b: Behaviour, zone: string): { path: Path; message: string }[] {
  const found: { path: Path; value: string }[] = [];
  const submitAt = (s: SubmitBehaviour | undefined, path: Path): void => {
    if (s !== undefined && typeof s === 'object' && 'at' in s) found.push({ path: [...path, 'at'], value: s.at });
  };
  submitAt(b.default.submit, ['default', 'submit']);
  submitAt(b.default.review, ['default', 'review']);
  b.rules.forEach((r, i) => {
    submitAt(r.submit, ['rules', i, 'submit']);
    submitAt(r.review, ['rules', i, 'review']);
  });
  b.actions.forEach((a, i) => {
    found.push({ path: ['actions', i, 'at'], value: a.at });
    if ('newDue' in a) found.push({ path: ['actions', i, 'newDue'], value: a.newDue });
  });
  for (const step of GRADING_STEP_ORDER) {
    const at = b.grading?.at[step];
    if (at !== undefined) found.push({ path: ['grading', 'at', step], value: at });
  }
  return found.flatMap(({ path, value }) => {
    const problem = localDateTimeProblem(value, zone);
    return problem ? [{ path, message: problem }] : [];
  });
}

const local = localInstant;

/** When a behaviour submits, for a deadline due at `dueAt` that opened at `opensAt`. */
export function submissionInstant(
  b: SubmitBehaviour,
  opensAt: string,
  dueAt: string,
  zone: string,
): string | undefined {
  if (b === 'never') return undefined;
  if (b === 'on-time')
    return new Date(Math.max(Date.parse(opensAt) + 1, Date.parse(dueAt) - ON_TIME_LEAD_MS)).toISOString();
  if ('late' in b) return applyOffset(DateTime.fromISO(dueAt, { zone }), b.late).toUTC().toISO()!;
  return local(b.at, zone);
}

export type Rule = z.infer<typeof RuleSchema>;

const GRADING_STEP_ORDER: GradingStep[] = ['self', 'preliminary', 'final'];

/** A branch's grade at one step: the last matching rule with one wins (`rule`: its index). */
export function behaviourGrade(
  b: Behaviour,
  org: Org,
  unitId: string,
  step: GradingStep,
): { grade: 'A' | 'B' | 'C' | 'D'; rule: number } | undefined {
  let found: { grade: 'A' | 'B' | 'C' | 'D'; rule: number } | undefined;
  b.rules.forEach((rule, i) => {
    const grade = rule.grade?.[step];
    if (grade !== undefined && ruleMatches(rule, org, unitId, '', '')) found = { grade, rule: i };
  });
  return found;
}

/** The office's quota override of the scope a branch's grade counts in at `step`, if the behaviour has one. */
export function quotaOverrideOf(b: Behaviour, org: Org, unitId: string, step: GradingStep) {
  const committeeId = org.units[unitId]?.committeeId;
  return b.grading?.overrides.find(
    (o) => o.step === step && (step === 'final' ? o.committee === undefined : o.committee === committeeId),
  );
}

/**
 * The grades the behaviour records: for each step with an instant, each branch's grade at that
 * step, by the step's own person unless `grading.by` names one, or by the office when it
 * overrides the A share of the branch's scope.
 */
export function gradeRequests(b: Behaviour, org: Org, zone: string): SimRequest[] {
  const g = b.grading;
  if (!g) return [];
  const out: SimRequest[] = [];
  for (const step of GRADING_STEP_ORDER) {
    const atLocal = g.at[step];
    if (atLocal === undefined) continue;
    for (const unitId of org.order.filter((id) => org.units[id]?.level === 'branch')) {
      const grade = behaviourGrade(b, org, unitId, step)?.grade;
      if (grade === undefined) continue;
      const u = org.units[unitId]!;
      const who = step === 'self' ? u : step === 'preliminary' ? org.units[u.parentId ?? ''] : org.units[org.officeId];
      const override = quotaOverrideOf(b, org, unitId, step);
      out.push({
        type: 'grade',
        at: local(atLocal, zone),
        unitId,
        year: g.year,
        step,
        grade,
        by: override?.by ?? g.by[step] ?? who?.secretary?.name ?? who?.id ?? unitId,
        ...(override ? { quotaOverride: override.quota } : {}),
      });
    }
  }
  return out;
}

/**
 * The deadlines that entering the grades closes (client/grading.ts, the plan's `grading.obligations`),
 * by `obligation/unit`, with the instant: a branch's self-evaluation when it is graded, a committee's
 * preliminary or final deadline when all its branches are. The units do not submit these themselves.
 */
export function closedByGrades(plan: Plan, org: Org, grades: SimRequest[]): Map<string, string> {
  const closed = new Map<string, string>();
  const keys = gradingPolicyOf(plan).obligations;
  const branches = org.order.filter((id) => org.units[id]?.level === 'branch');
  for (const r of grades) {
    if (r.type !== 'grade') continue;
    const key = keys[r.step];
    if (key === undefined) continue;
    if (r.step === 'self') {
      closed.set(`${key}/${r.unitId}`, r.at);
      continue;
    }
    const committeeId = org.units[r.unitId]?.committeeId ?? '';
    const mine = branches.filter((id) => org.units[id]?.committeeId === committeeId);
    const graded = grades.filter((x) => x.type === 'grade' && x.step === r.step && mine.includes(x.unitId));
    if (graded.length === mine.length)
      closed.set(
        `${key}/${committeeId}`,
        graded
          .map((x) => x.at)
          .sort()
          .at(-1)!,
      );
  }
  return closed;
}

/** The engine's event for a grade or an appointment of the rehearsal. */
export function eventOf(r: SimRequest): CampaignEvent | undefined {
  if (r.type === 'grade')
    return { event: 'graded', unitId: r.unitId, year: r.year, step: r.step, grade: r.grade, actor: r.by, at: r.at };
  if (r.type === 'appoint')
    return { event: 'secretary-appointed', unitId: r.unitId, secretary: r.secretary, actor: r.by, at: r.at };
  return undefined;
}

export function ruleMatches(rule: Rule, org: Org, unitId: string, obligationKey: string, cycleKey: string): boolean {
  const u = org.units[unitId];
  if (rule.unit !== undefined && rule.unit !== unitId) return false;
  if (rule.committee !== undefined && rule.committee !== u?.committeeId) return false;
  if (rule.kind !== undefined && rule.kind !== u?.kind) return false;
  if (rule.obligation !== undefined && rule.obligation !== obligationKey) return false;
  if (rule.cycle !== undefined && rule.cycle !== cycleKey) return false;
  return true;
}

/** The phases the engine ran up to `asOf` (its status), from which a rehearsal plans again. */
export interface EnginePhases {
  windows: PhaseWindow[];
  asOf: string;
}

/**
 * The rehearsal's requests. Before it starts, the phases are those the behaviour's actions
 * imply; during it (`engine`), the phases up to `asOf` are those the engine actually ran, and
 * only the actions after `asOf` are the behaviour's: what the units submit for a phase-bound
 * obligation follows the engine's cycles, not an assumption about them.
 */
export function planSimulation(plan: Plan, org: Org, behaviour: Behaviour, engine?: EnginePhases): SimulationPlan {
  const zone = plan.timeZone;
  const started: Record<string, string> = {};
  const ended: Record<string, string> = {};
  const requests: SimRequest[] = [];
  const asOf = engine ? Date.parse(engine.asOf) : -Infinity;
  for (const w of engine?.windows ?? []) {
    if (Date.parse(w.startAt) <= asOf) started[w.key] = w.startAt;
    if (w.endAt !== undefined && Date.parse(w.endAt) <= asOf) ended[w.key] = w.endAt;
  }
  for (const a of behaviour.actions) {
    if ('advance' in a) {
      const at = local(a.at, zone);
      if (Date.parse(at) > asOf) started[a.advance] = at;
      requests.push({ type: 'advance', at, phaseKey: a.advance, by: a.by, reason: a.reason });
    } else if ('endPhase' in a) {
      const at = local(a.at, zone);
      if (Date.parse(at) > asOf) ended[a.endPhase] = at;
      requests.push({ type: 'end-phase', at, phaseKey: a.endPhase, by: a.by, reason: a.reason });
    }
  }
  const windows = phaseWindows(plan, { started, ended });
  const last = windows.at(-1)!;
  if (last.endAt === undefined) {
    // An open-ended last phase that the behaviour does not end: the rehearsal ends it at its horizon.
    const endAt = applyOffset(DateTime.fromISO(last.startAt, { zone }), plan.openEndedHorizon).toUTC().toISO()!;
    ended[last.key] = endAt;
    requests.push({
      type: 'end-phase',
      at: endAt,
      phaseKey: last.key,
      by: 'rehearsal',
      reason: 'horizon of the rehearsal',
    });
  }
  const finalWindows = phaseWindows(plan, { started, ended });
  const cycles = plan.obligations.flatMap((o) => cyclesOf(plan, o, finalWindows, {}));

  const waived = new Set<string>();
  for (const a of behaviour.actions) {
    if ('extend' in a) {
      requests.push({
        type: 'extend',
        at: local(a.at, zone),
        obligationKey: a.extend.obligation,
        cycleKey: a.extend.cycle,
        unitId: a.extend.unit,
        newDueAt: local(a.newDue, zone),
        by: a.by,
        reason: a.reason,
      });
    } else if ('waive' in a) {
      waived.add(`${a.waive.obligation}/${a.waive.cycle}/${a.waive.unit}`);
      requests.push({
        type: 'waive',
        at: local(a.at, zone),
        obligationKey: a.waive.obligation,
        cycleKey: a.waive.cycle,
        unitId: a.waive.unit,
        by: a.by,
        reason: a.reason,
      });
    }
  }
  for (const a of behaviour.actions)
    if ('appoint' in a)
      requests.push({
        type: 'appoint',
        at: local(a.at, zone),
        unitId: a.appoint.unit,
        secretary: a.appoint.secretary,
        by: a.by,
      });
  const grades = gradeRequests(behaviour, org, zone);
  requests.push(...grades);
  const gradeClosings = closedByGrades(plan, org, grades);
  // What the events open, as the engine will: once per obligation, cycle and unit.
  const eventDeadlines: SimulationPlan['eventDeadlines'] = [];
  const seen = new Set<string>();
  for (const r of [...requests].sort((a, b) => Date.parse(a.at) - Date.parse(b.at))) {
    const event = eventOf(r);
    if (!event) continue;
    for (const cycle of eventCycles(plan, org, finalWindows, event, r.at).cycles) {
      const key = `${cycle.obligationKey}/${cycle.cycleKey}/${event.unitId}`;
      if (!seen.has(key)) eventDeadlines.push({ cycle, unitId: event.unitId });
      seen.add(key);
    }
  }
  const extendedDue = new Map<string, string>();
  for (const r of requests)
    if (r.type === 'extend') extendedDue.set(`${r.obligationKey}/${r.cycleKey}/${r.unitId}`, r.newDueAt);

  const expected: ExpectedDeadline[] = [];
  const obligationOf = (c: CycleSchedule) => plan.obligations.find((o) => o.key === c.obligationKey)!;
  const deadlines = [
    ...cycles.flatMap((cycle) => responsibleUnits(org, obligationOf(cycle)).map((unitId) => ({ cycle, unitId }))),
    ...eventDeadlines,
  ];
  for (const { cycle: c, unitId } of deadlines) {
    const obligation = obligationOf(c);
    const key = `${c.obligationKey}/${c.cycleKey}/${unitId}`;
    let submit = behaviour.default.submit;
    let review = behaviour.default.review;
    for (const rule of behaviour.rules) {
      if (!ruleMatches(rule, org, unitId, c.obligationKey, c.cycleKey)) continue;
      if (rule.submit !== undefined) submit = rule.submit;
      if (rule.review !== undefined) review = rule.review;
    }
    const dueAt = extendedDue.get(key) ?? c.dueAt;
    const isWaived = waived.has(key);
    const closedAt = gradeClosings.get(`${c.obligationKey}/${unitId}`);
    const at = isWaived ? undefined : (closedAt ?? submissionInstant(submit, c.opensAt, dueAt, zone));
    const who = org.units[unitId]?.secretary?.name ?? unitId;
    if (at !== undefined && closedAt === undefined) {
      requests.push({
        type: 'submit',
        at,
        obligationKey: c.obligationKey,
        cycleKey: c.cycleKey,
        unitId,
        by: who,
        text: `${c.cycleLabel} ${obligation.title}`,
      });
    }
    expected.push({
      obligationKey: c.obligationKey,
      cycleKey: c.cycleKey,
      unitId,
      dueAt,
      submittedAt: at,
      waived: isWaived,
    });
    if (obligation.review && !isWaived) {
      const arrived = at !== undefined && Date.parse(at) <= Date.parse(dueAt) ? at : undefined;
      // The engine's own rule for the review (HOLIDAY_RULE_EVERY_DEADLINE): its due date moved when the plan says so.
      const { opensAt: reviewOpens, dueAt: reviewDue } = reviewSchedule(plan, obligation, dueAt, arrived);
      const reviewAt = submissionInstant(review, reviewOpens, reviewDue, zone);
      const reviewer = org.units[unitId]?.parentId ?? org.officeId;
      const reviewKey = `${c.obligationKey}.review`;
      if (reviewAt !== undefined) {
        requests.push({
          type: 'submit',
          at: reviewAt,
          obligationKey: reviewKey,
          cycleKey: c.cycleKey,
          unitId,
          by: org.units[reviewer]?.secretary?.name ?? reviewer,
          text: `点评：${org.units[unitId]?.name ?? unitId} ${c.cycleLabel}`,
        });
      }
      expected.push({
        obligationKey: reviewKey,
        cycleKey: `${c.cycleKey}:${unitId}`,
        unitId: reviewer,
        dueAt: reviewDue,
        submittedAt: reviewAt,
        waived: false,
      });
    }
  }
  requests.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  return { windows: finalWindows, cycles, eventDeadlines, requests, expected, endAt: ended[last.key] ?? last.endAt! };
}
