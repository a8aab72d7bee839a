/**
 * The zod forms of the field checks in dates.ts and ids.ts, for the schemas of plans,
 * organisations and behaviour files. Kept apart so that workflows, which check their input with
 * the plain functions, do not bundle zod.
 */
import { z } from 'zod';
import { dateProblem, InstantInputError, localDateTimeProblem, requestInstant } from './dates';
import { idProblem, type IdKind } from './ids';
import { clip } from './errors';

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

/**
 * A request's ISO instant with its offset (`2010-10-08T17:00:00+08:00`), checked as the command
 * line checks `--as-of` and `--until` (`requestInstant`): a real day and time of day, in the years
 * 1970 to 2100. The ISO shape alone let `9999-01-01T00:00:00Z` and `2010-02-30T…` through.
 */
export const requestInstantSchema = (): z.ZodType<string, string> =>
  z
    .string()
    .superRefine((s, ctx) => {
      // With its offset, as the API has always asked: a local time would need the campaign's zone.
      if (!/(Z|[+-]\d{2}:?\d{2})$/.test(s))
        return ctx.addIssue({
          code: 'custom',
          message: `"${clip(s)}" is not an instant with its offset (e.g. 2010-10-08T17:00:00+08:00)`,
        });
      try {
        requestInstant(s, 'UTC', 'instant');
      } catch (err) {
        if (!(err instanceof InstantInputError)) throw err;
        ctx.addIssue({ code: 'custom', message: err.problem });
      }
    })
    .meta({ format: 'date-time' });

/** The zod form, for schemas. */
export const idSchema = (kind: IdKind): z.ZodType<string, string> =>
  z.string().superRefine((s, ctx) => {
    const problem = idProblem(kind, s);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
