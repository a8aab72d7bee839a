/**
 * The plan file schema: what a campaign asks of whom, and when.
 *
 * A plan is data written by an organisation department, so every field is validated here and
 * every error names the path of the field (see `plan-loader.ts` for file, line and column).
 * Cross-field rules (phases in order, obligations naming existing phases, reminders before
 * the deadline) are checked in `superRefine` so that they report the same way.
 *
 * Offsets are short strings parsed by `offsets.ts`: `+3d`, `-1w`, `+2M`, `-3wd` (working days,
 * counting make-up working days 调休 as working days), `+11h`, combined left to right: `+6M-1d`.
 */
import { z } from 'zod';
import { realDate, realDateOrLocalDateTime, idSchema } from './field-schemas';
import { MAX_OFFSET_YEARS, offsetWithin } from './offsets';
import { GradingPolicySchema } from './grading-policy';
import { GRADE_LETTERS, GRADING_STEPS } from './grading';

export const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;
export const OFFSET = /^([+-]\d+(wd|[ywMdhm]))+$/;

export const BRANCH_KINDS = ['教工', '学生', '机关', '教辅后勤'] as const;
export const BranchKindSchema = z.enum(BRANCH_KINDS);
export type BranchKind = z.infer<typeof BranchKindSchema>;

export const LEVELS = ['office', 'committee', 'branch', 'member'] as const;
export const LevelSchema = z.enum(LEVELS);
export type Level = z.infer<typeof LevelSchema>;

/** Whom a step notifies: the unit itself, its parent's secretary, or the campaign office. */
export const AudienceSchema = z.enum(['unit', 'parent', 'office']);
export type Audience = z.infer<typeof AudienceSchema>;

const key = idSchema('key');
/** A real calendar date (2010-02-30 is refused, not only a bad shape): see dates.ts. */
const isoDate = realDate();
const hhmm = z.string().regex(HH_MM, 'a time HH:mm');
export const OffsetSchema = z
  .string()
  .regex(OFFSET, 'an offset such as +3d, -2wd, +1M-1d')
  .refine((o) => offsetWithin(o, MAX_OFFSET_YEARS), `an offset of at most ${MAX_OFFSET_YEARS} years in all`);

export const PhaseSchema = z.object({
  key,
  /** The Chinese name as the seed gives it, e.g. 广泛发动、安排部署. */
  name: z.string().min(1),
  /** An English label for the console and English mail. */
  label: z.string().min(1),
  start: isoDate,
  /** The last day of the phase, or `by-committee` when only the committee can end it. */
  end: z.union([isoDate, z.literal('by-committee')]),
});
export type Phase = z.infer<typeof PhaseSchema>;

/**
 * Where a cycle's due instant falls. Either a fixed local date-time (one-off obligations,
 * `at: '2012-04-09T11:00'` or `at: '2010-07-31'` meaning the end of that day), or an anchor of
 * the cycle (its first or last day, or the phase's) moved by an offset, at a time of day
 * (`end-of-day` by default).
 */
export const DueRuleSchema = z.union([
  z
    .object({
      at: realDateOrLocalDateTime(),
    })
    .strict(),
  z
    .object({
      from: z.enum(['cycle-start', 'cycle-end', 'phase-start', 'phase-end']),
      offset: OffsetSchema.default('+0d'),
      time: z.union([hhmm, z.literal('end-of-day')]).default('end-of-day'),
    })
    .strict(),
  z
    .object({
      /** Only for an obligation opened by an event (`openedBy`): this long after the event, e.g. +6M. */
      afterEvent: OffsetSchema,
      time: z.union([hhmm, z.literal('end-of-day')]).default('end-of-day'),
    })
    .strict(),
]);
export type DueRule = z.infer<typeof DueRuleSchema>;

export const EscalationStepSchema = z
  .object({
    /** How long after the due instant (or the previous step) this step fires. */
    after: OffsetSchema,
    notify: z.array(AudienceSchema).min(1),
  })
  .strict();
export type EscalationStep = z.infer<typeof EscalationStepSchema>;

export const RectificationSchema = z
  .object({
    /** How long after the due instant the order is issued (must follow the last escalation step). */
    after: OffsetSchema,
    /** The order's own deadline, counted from the order. */
    deadline: OffsetSchema,
    notify: z.array(AudienceSchema).min(1).default(['unit', 'parent', 'office']),
  })
  .strict();

/** A due date on a day off: keep it and flag it, or move it to the next working day. */
export const HolidayRuleSchema = z.enum(['flag', 'next-working-day']);
export type HolidayRule = z.infer<typeof HolidayRuleSchema>;

export const ReviewSchema = z
  .object({
    /** The reviewer's comment (领导点评) is due this long after the report arrives, or after its due instant. */
    due: OffsetSchema,
    title: z.string().min(1),
    titleEn: z.string().optional(),
    reminders: z.array(OffsetSchema).default([]),
    /** A late reviewer is reminded up this ladder (the reviewer is the unit; its parent is above it). */
    escalation: z.array(EscalationStepSchema).default([]),
    /** A review due on a day off; the obligation's own `onHoliday` when absent. */
    onHoliday: HolidayRuleSchema.optional(),
  })
  .strict();

/** A branch's grade in the grading year (分类定级). */
export const GRADES = GRADE_LETTERS;
export const GradeSchema = z.enum(GRADES);
export type Grade = z.infer<typeof GradeSchema>;

/** The three steps of a grading: the branch's self-evaluation, the committee's preliminary grade, the university's. */
export { GRADING_STEPS };
export const GradingStepSchema = z.enum(GRADING_STEPS);
export type GradingStep = z.infer<typeof GradingStepSchema>;

/**
 * What opens an obligation for one unit, instead of the calendar: a grade of one of `grades` at
 * `step` (the university's, by default), or the appointment of a new branch secretary.
 */
export const OpenedBySchema = z.discriminatedUnion('event', [
  z
    .object({
      event: z.literal('graded'),
      grades: z.array(GradeSchema).min(1),
      step: GradingStepSchema.default('final'),
    })
    .strict(),
  z.object({ event: z.literal('secretary-appointed') }).strict(),
]);
export type OpenedBy = z.infer<typeof OpenedBySchema>;
export type CampaignEventKind = OpenedBy['event'];

/** Cycle keys by cadence: 2011 (yearly), 2011-H1 (half-yearly), 2011-Q3 (quarterly). */
export const CYCLE_KEY = {
  yearly: /^\d{4}$/,
  'half-yearly': /^\d{4}-H[12]$/,
  quarterly: /^\d{4}-Q[1-4]$/,
} as const;

export const ObligationSchema = z
  .object({
    key,
    title: z.string().min(1),
    titleEn: z.string().optional(),
    /** Who must hand it in: a level, narrowed to some branch kinds if given. */
    submitters: z
      .object({ level: z.enum(['committee', 'branch', 'member']), kinds: z.array(BranchKindSchema).optional() })
      .strict(),
    /** Who receives it: the submitter's parent (branch → committee) or the office directly. */
    receiver: z.enum(['parent', 'office']).default('parent'),
    cadence: z.enum(['once', 'quarterly', 'half-yearly', 'yearly']),
    /**
     * Opened for one unit when something happens (a grade, an appointment), not by the calendar:
     * then `cadence: once`, `due: { afterEvent: … }`, and `phases` are those the event may fall in.
     */
    openedBy: OpenedBySchema.optional(),
    /**
     * Its submissions nominate branches as advanced (先进基层党组织): each nominee is named with the
     * submission and must be A in its latest final grading ("必须从A级党支部中产生", client/nomination.ts).
     */
    nominates: z.literal('advanced-branch').optional(),
    due: DueRuleSchema,
    /** When the cycle opens (the notice goes out), counted back from the due instant. */
    opens: OffsetSchema.default('-14d'),
    /** Phases in which cycles of this obligation fall (by due instant). */
    phases: z.array(key).min(1),
    /** Reminders before the due instant, e.g. ['-7d', '-3wd', '-1d']. */
    reminders: z.array(OffsetSchema).default([]),
    /**
     * A due date on a day off (a public holiday or a weekend that is not a make-up working day):
     * keep it and flag it, or move it to the next working day. Every deadline of the obligation
     * follows it: its cycles' due dates, its rectification orders' deadlines and, unless the
     * review says otherwise, its reviews.
     */
    onHoliday: HolidayRuleSchema.default('flag'),
    escalation: z.array(EscalationStepSchema).default([]),
    rectification: RectificationSchema.optional(),
    review: ReviewSchema.optional(),
    /**
     * Only these cycles (keys such as 2011, 2010-Q3), when the seed names fewer than the cadence
     * gives: a cycle not listed is not opened. Each listed cycle must fall in the obligation's phases.
     */
    cycles: z.array(z.string()).min(1).optional(),
    /**
     * Why the date is what it is when the seed gives none (quoting the seed), for `preview` to
     * show beside each cycle: the office can then tell the plan's choices from the seed's dates.
     */
    dateNote: z.string().min(1).optional(),
    /** The date note in English, for `--lang en`. */
    dateNoteEn: z.string().min(1).optional(),
    /** The seed sentence this obligation comes from. */
    source: z.string().optional(),
  })
  .strict();
export type Obligation = z.infer<typeof ObligationSchema>;

export const OfficeHoursSchema = z
  .object({
    start: hhmm.default('08:30'),
    end: hhmm.default('17:30'),
    /** Send only on working days of the Chinese calendar (调休 included). */
    workingDaysOnly: z.boolean().default(true),
  })
  .strict();

export const PlanSchema = z
  .object({
    id: key,
    title: z.string().min(1),
    titleEn: z.string().optional(),
    institution: z.string().optional(),
    timeZone: z.string().default('Asia/Shanghai'),
    locale: z.enum(['zh', 'en']).default('zh'),
    officeHours: OfficeHoursSchema.default({ start: '08:30', end: '17:30', workingDaysOnly: true }),
    /** How far ahead to generate cycles inside a phase that only the committee can end. */
    openEndedHorizon: OffsetSchema.default('+2y'),
    phases: z.array(PhaseSchema).min(1),
    obligations: z.array(ObligationSchema).default([]),
    source: z.string().optional(),
    /** The grading year's rules (seed 002): the A share, the step that orders rectification, the steps' obligations. */
    grading: GradingPolicySchema.optional(),
  })
  .strict();
export type Plan = z.infer<typeof PlanSchema>;
export type PlanInput = z.input<typeof PlanSchema>;
