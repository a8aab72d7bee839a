/**
 * A rehearsal plans again from the phases the engine actually ran (replanFromEngine): what the
 * simulated units do after a phase change follows the engine's windows, not the behaviour file's
 * assumption about them; where the engine's phases would have changed requests already made, the
 * rehearsal stops with both calendars.
 */
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { parsePlan } from '../../domain/plan-loader';
import { loadOrgFile } from '../../plans/load';
import { parseBehaviour } from '../../rehearsal/behaviour-file';
import { planSimulation, type SimulationPlan } from '../../rehearsal/behaviour';
import { replanFromEngine } from '../../rehearsal/simulate';
import type { PhaseWindow } from '../../domain/calendar-types';
import type { CampaignStatus } from '../../workflows/messages';
import type { Org } from '../../domain/org-schema';
import type { Plan } from '../../domain/plan-schema';

const FIXTURES = path.join(__dirname, '..', 'fixtures');

/** The mini plan with one obligation whose date hangs on its phase's start: ten days after it. */
function planWithPhaseBoundDue(): Plan {
  const raw = parse(readFileSync(path.join(FIXTURES, 'mini-plan.yaml'), 'utf8')) as { obligations: unknown[] };
  raw.obligations.push({
    key: 'engage-plan',
    title: '全面争创阶段工作安排',
    submitters: { level: 'branch' },
    cadence: 'once',
    due: { from: 'phase-start', offset: '+10d' },
    opens: '-5d',
    phases: ['engage'],
  });
  return parsePlan(JSON.stringify(raw), 'mini-plan+engage-plan.json');
}

/** The engine's status, of which replanFromEngine reads only the phases it ran. */
const engineRan = (phases: PhaseWindow[]) => ({
  status: (): Promise<CampaignStatus> => Promise.resolve({ phases } as CampaignStatus),
});

const submissionOf = (sim: SimulationPlan, unitId: string) =>
  sim.requests.find((r) => r.type === 'submit' && r.obligationKey === 'engage-plan' && r.unitId === unitId);

describe('replanning a rehearsal from the phases the engine ran', () => {
  let plan: Plan;
  let org: Org;
  const ADVANCE_AT = '2010-06-20T01:00:00.000Z'; // 09:00 China time
  const behaviourText = `actions:\n  - { advance: engage, at: '2010-06-20T09:00', by: 校党委, reason: 提前进入全面争创阶段 }\n`;

  beforeAll(async () => {
    plan = planWithPhaseBoundDue();
    org = await loadOrgFile(path.join(FIXTURES, 'mini-org.yaml'));
  });

  const setUp = () => {
    const behaviour = parseBehaviour(behaviourText, 'b.yaml', { plan, org });
    const before = planSimulation(plan, org, behaviour);
    const assumed = before.windows.find((w) => w.key === 'engage')!;
    expect(assumed.startAt).toBe(ADVANCE_AT);
    return { behaviour, before };
  };

  /** The assumed windows with the engine's start of `engage` (and the end of `mobilise` with it). */
  const ranWith = (before: SimulationPlan, engageStart: string): PhaseWindow[] =>
    before.windows.map((w) =>
      w.key === 'engage' ? { ...w, startAt: engageStart } : w.key === 'mobilise' ? { ...w, endAt: engageStart } : w,
    );

  it('follows the engine’s start of a phase for what the units hand in after it', async () => {
    const { behaviour, before } = setUp();
    // The engine started the phase a day before the behaviour's advance assumed.
    const ran = ranWith(before, '2010-06-19T01:00:00.000Z');
    const after = await replanFromEngine(engineRan(ran), plan.id, plan, org, behaviour, before, ADVANCE_AT);
    expect(after.windows.find((w) => w.key === 'engage')!.startAt).toBe('2010-06-19T01:00:00.000Z');
    const dueOf = (sim: SimulationPlan) =>
      sim.expected.find((e) => e.obligationKey === 'engage-plan' && e.unitId === 'b-mech-t1')!.dueAt;
    // Ten days after the phase's start, at the end of that day: 29 June by the engine, 30 by the assumption.
    expect(dueOf(before)).toBe('2010-06-30T15:59:59.000Z');
    expect(dueOf(after)).toBe('2010-06-29T15:59:59.000Z');
    // "on-time" hands it in 32 hours before the engine's due instant, not the assumed one.
    expect(submissionOf(after, 'b-mech-t1')!.at).toBe('2010-06-28T07:59:59.000Z');
    expect(submissionOf(before, 'b-mech-t1')!.at).toBe('2010-06-29T07:59:59.000Z');
  });

  it('keeps the plan when the engine ran the phases as assumed', async () => {
    const { behaviour, before } = setUp();
    const after = await replanFromEngine(engineRan(before.windows), plan.id, plan, org, behaviour, before, ADVANCE_AT);
    expect(after.requests).toEqual(before.requests);
    expect(after.windows).toEqual(before.windows);
  });

  it('stops with both calendars when the engine’s phases would have changed requests already made', async () => {
    const { behaviour, before } = setUp();
    // Started on 5 June: engage-plan fell due on the 15th and was handed in before the advance.
    const ran = ranWith(before, '2010-06-05T01:00:00.000Z');
    await expect(replanFromEngine(engineRan(ran), plan.id, plan, org, behaviour, before, ADVANCE_AT)).rejects.toThrow(
      'the engine ran the phases mobilise 2010-05-31T16:00:00.000Z→2010-06-05T01:00:00.000Z, ' +
        'engage 2010-06-05T01:00:00.000Z→2010-12-31T16:00:00.000Z, summary 2010-12-31T16:00:00.000Z→2012-12-31T16:00:00.000Z; ' +
        'the rehearsal had planned mobilise 2010-05-31T16:00:00.000Z→2010-06-20T01:00:00.000Z, ' +
        'engage 2010-06-20T01:00:00.000Z→2010-12-31T16:00:00.000Z, summary 2010-12-31T16:00:00.000Z→2012-12-31T16:00:00.000Z',
    );
  });
});
