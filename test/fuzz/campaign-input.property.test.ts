/**
 * The campaign workflow's own check of its input (domain/engine/input-check.ts) against the
 * calendar it guards: a valid campaign input, mutated (a field removed or retyped, a reference
 * pointed elsewhere), is either refused by `campaignInputProblems`, or its calendar and the
 * campaign's other computations over the input run without throwing. An input that passed the
 * check and then threw wedged its campaign: the workflow task failed on every attempt.
 *
 * Fixed seed and bounded runs (arbitraries.ts); `FUZZ_RUNS=20000 FUZZ_SEED=<n>` runs longer.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { parsePlan } from '../../domain/plan-loader';
import { parseOrg } from '../../domain/org-loader';
import { computeCalendar } from '../../domain/calendar';
import { campaignInputProblems } from '../../domain/engine/input-check';
import { announcementTargets, ledgerUnitsOf, orgFactsOf } from '../../domain/engine/org-by-reference';
import { CampaignPhases, freshCampaignState } from '../../workflows/campaign-phases';
import type { Plan } from '../../domain/plan-schema';
import type { Org } from '../../domain/org-schema';
import { fieldValue, fuzzParameters, mutate } from './arbitraries';

const FIXTURES = path.resolve(__dirname, '..', 'fixtures');
const read = (name: string): string => readFileSync(path.join(FIXTURES, name), 'utf8');
// As the workflow receives it: parsed, defaults filled, JSON-plain.
const INPUT = {
  plan: parsePlan(read('mini-plan.yaml'), 'mini-plan.yaml'),
  org: parseOrg(read('mini-org.yaml'), 'mini-org.yaml'),
};

/** References the input makes, pointed at other things it names, or at nothing. */
const reference = fc.constantFrom(
  ...INPUT.plan.phases.map((p) => p.key),
  ...INPUT.plan.obligations.map((o) => o.key),
  ...INPUT.org.order.slice(0, 6),
  'nowhere',
  'office',
  'branch',
  'unit',
  'parent',
  'once',
  'next-working-day',
  [],
  {},
);

/** Mutations of the input: a field removed, or set to any value, or to another reference. */
const inputMutations = fc.array(
  fc.record({ pick: fc.nat(), remove: fc.boolean(), value: fc.oneof(fieldValue, reference) }),
  { minLength: 1, maxLength: 3 },
);

/** What a campaign computes from its input: its calendar, units, announcement targets and batch counts. */
function campaignComputes(plan: Plan, org: Org): void {
  computeCalendar(plan, org);
  ledgerUnitsOf(plan.id, org);
  announcementTargets(org);
  orgFactsOf(org, plan.obligations);
  new CampaignPhases(plan, org, freshCampaignState(), () => Date.parse('2010-06-15T02:00:00Z')).nextAt();
}

describe('the campaign input check', () => {
  it('the valid input passes and computes', () => {
    expect(campaignInputProblems(INPUT.plan, INPUT.org)).toEqual([]);
    expect(() => campaignComputes(INPUT.plan, INPUT.org)).not.toThrow();
  });

  it('a mutated input is refused by the check, or its calendar computes', () => {
    let refused = 0;
    let accepted = 0;
    fc.assert(
      fc.property(inputMutations, (muts) => {
        const input = mutate(INPUT, muts) as { plan?: unknown; org?: unknown } | undefined;
        const plan = input?.plan;
        const org = input?.org;
        if (campaignInputProblems(plan, org).length > 0) return void refused++;
        accepted++;
        try {
          campaignComputes(plan as Plan, org as Org);
        } catch (err) {
          throw new Error(`passed the check, then threw: ${String(err)}\n${JSON.stringify(muts)}`);
        }
      }),
      fuzzParameters,
    );
    // Both sides are exercised: mutations that leave a usable input, and ones the check refuses.
    expect(refused).toBeGreaterThan(0);
    expect(accepted).toBeGreaterThan(0);
  });
});
