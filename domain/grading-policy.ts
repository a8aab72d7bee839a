/**
 * The plan's optional `grading` section (zod; kept apart from grading.ts so that workflows, which
 * import the rules, do not bundle zod). Absent, the seed's rules apply: 20 % A, rectification
 * ordered by the university's grade.
 */
import { z } from 'zod';
import { idSchema } from './field-schemas';
import { DEFAULT_GRADING_POLICY, GRADING_STEPS, type GradingPolicy } from './grading';

const key = idSchema('key');

export const GradingPolicySchema = z
  .object({
    /** The most A a scope may have, in percent of its graded branches ("原则上…一般不能超过20%"). */
    aSharePercent: z.number().gt(0).max(100).default(DEFAULT_GRADING_POLICY.aSharePercent),
    /** The step whose C or D orders rectification. */
    rectifyStep: z.enum(GRADING_STEPS).default(DEFAULT_GRADING_POLICY.rectifyStep),
    /** The obligation that entering each step's grades closes. */
    obligations: z.object({ self: key, preliminary: key, final: key }).partial().strict().default({}),
    /** The obligation the engine opens for a C/D branch. */
    rectificationObligation: key.default(DEFAULT_GRADING_POLICY.rectificationObligation),
  })
  .strict();

/** The policy of a plan (its `grading` field, possibly absent). */
export function gradingPolicyOf(plan: { grading?: z.output<typeof GradingPolicySchema> } | undefined): GradingPolicy {
  return plan?.grading ?? DEFAULT_GRADING_POLICY;
}
