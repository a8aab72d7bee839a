/**
 * The compressed campaign of the crash tests (test/helpers/compressed-campaign.ts) runs on a wall
 * clock, a plan day in 800 ms, and is compared message for message with a rehearsal of the same
 * plan on the time-skipping server. There a request and a timer of the same deadline can never
 * race; on the wall clock a request that lags by more than the plan time between it and the
 * deadline's next step lets that step fire first (a reminder the rehearsal does not send). This
 * test keeps every request of that behaviour at least half a plan day from every instant its own
 * deadline has (all of them: a unit that never submits shows the whole ladder).
 */
import { BehaviourSchema, planSimulation } from '../../rehearsal/behaviour';
import { runSimulation } from '../../rehearsal/simulate';
import { createTimeSkippingEnv } from '../../worker/servers';
import { openLedger } from '../../ledger';
import { behaviour, compressedPlan, DAY, ENGINE, miniOrg } from '../helpers/compressed-campaign';

/** A deadline as a request names it: a review's cycle names the branch whose report it answers. */
function deadlineOfEvent(e: { obligationKey?: string; cycleKey?: string; unitId?: string }): string | undefined {
  if (e.obligationKey === undefined || e.cycleKey === undefined) return undefined;
  const [cycle, reviewed] = e.cycleKey.split(':');
  return `${e.obligationKey}/${cycle}/${reviewed ?? e.unitId}`;
}

it('keeps every request of the compressed behaviour half a plan day from its deadline’s steps', async () => {
  const plan = await compressedPlan();
  const org = await miniOrg();
  // Every submission step sent: nobody submits. Every review step sent: the reports come in as
  // the behaviour has them, and nobody reviews.
  const variants = {
    never: BehaviourSchema.parse({ default: { submit: 'never', review: 'never' }, actions: behaviour.actions }),
    unreviewed: BehaviourSchema.parse({
      ...behaviour,
      default: { ...behaviour.default, review: 'never' },
      rules: behaviour.rules.map(({ review: _review, ...rule }) => rule),
    }),
  };
  const steps = new Map<string, { at: number; step: string }[]>();
  const env = await createTimeSkippingEnv();
  try {
    for (const [name, b] of Object.entries(variants)) {
      const run = await runSimulation({
        plan,
        org,
        behaviour: b,
        env,
        engine: { ...ENGINE, searchAttributes: false },
        campaignIdSuffix: `-${name}`,
      });
      const ledger = await openLedger(run.ledgerUrl);
      try {
        for (const e of await ledger.events({ campaignId: `${plan.id}-${name}`, kinds: ['message-sent'] })) {
          const key = deadlineOfEvent(e);
          if (key) steps.set(key, [...(steps.get(key) ?? []), { at: Date.parse(e.at), step: e.step! }]);
        }
      } finally {
        await ledger.close();
      }
    }
  } finally {
    await env.teardown();
  }

  const tooClose: string[] = [];
  let checked = 0;
  for (const r of planSimulation(plan, org, behaviour).requests) {
    if (r.type !== 'submit') continue;
    const key = `${r.obligationKey}/${r.cycleKey}/${r.unitId}`;
    const own = steps.get(key) ?? [];
    expect(own.length).toBeGreaterThan(0);
    checked++;
    for (const s of own) {
      const gapDays = Math.abs(s.at - Date.parse(r.at)) / DAY;
      if (gapDays < 0.5) tooClose.push(`${key} at ${r.at}: ${s.step} ${(gapDays * 24).toFixed(1)} h away`);
    }
  }
  expect(checked).toBeGreaterThanOrEqual(10);
  expect(tooClose).toEqual([]);
});
