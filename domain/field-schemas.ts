/**
 * The zod forms of the field checks in dates.ts and ids.ts, for the schemas of plans,
 * organisations and behaviour files. Kept apart so that workflows, which check their input with
 * the plain functions, do not bundle zod.
 */
import { z } from 'zod';
import { dateProblem, localDateTimeProblem } from './dates';
import { idProblem, type IdKind } from './ids';

/** A zod string that must be a real calendar date. */
export const realDate = (): z.ZodType<string, string> =>
  z.string().superRefine((s, ctx) => {
    const problem = dateProblem(s);
    if (problem) ctx.addIssue({ code: 'custom', message: `${problem} (expected a real date YYYY-MM-DD)` });
  });

/** A zod string that must be a real local date-time (the zone's clocks are checked where the zone is known). */
export const realLocalDateTime = (): z.ZodType<string, string> =>
  z.string().superRefine((s, ctx) => {
    const problem = localDateTimeProblem(s);
    if (problem) ctx.addIssue({ code: 'custom', message: `${problem} (expected YYYY-MM-DDTHH:mm)` });
  });

/** A date or a local date-time (`due.at` of a plan: `2010-07-31` or `2012-04-09T11:00`). */
export const realDateOrLocalDateTime = (): z.ZodType<string, string> =>
  z.string().superRefine((s, ctx) => {
    const problem = s.includes('T') ? localDateTimeProblem(s) : dateProblem(s);
    if (problem) ctx.addIssue({ code: 'custom', message: `${problem} (expected YYYY-MM-DD or YYYY-MM-DDTHH:mm)` });
  });

/** The zod form, for schemas. */
export const idSchema = (kind: IdKind): z.ZodType<string, string> =>
  z.string().superRefine((s, ctx) => {
    const problem = idProblem(kind, s);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
