/**
 * A rehearsal of the four-phase seed plan (003, 长春医专) for the sample organisation on the
 * time-skipping server, with the real workflows and activities; the audit must agree with the
 * behaviour it was given: who was late and by how much, who never submitted, how far each
 * escalation climbed.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { loadOrgFile, loadPlanFile, SAMPLE_ORG, PLANS_DIR } from '../../plans/load';
import { BehaviourSchema, planSimulation } from '../../rehearsal/behaviour';
import { stepsForDue } from '../../domain/calendar';
import { createTimeSkippingEnv } from '../../worker/servers';
import { bundleWorkflows } from '../../worker/worker';
import { runSimulation, type SimulationRun } from '../../rehearsal/simulate';
import { openLedger } from '../../ledger';
import { deadlineRows, laggingUnits } from '../../ledger/audit';
import type { Plan } from '../../domain/plan-schema';
import type { Org } from '../../domain/org-schema';
import { RECTIFICATION_RANK } from '../../ledger/schema';
import { outboxFiles } from '../../mail/outbox';

const behaviour = BehaviourSchema.parse({
  rules: [
    { unit: 'b-mech-02', obligation: 'branch-plan', submit: { late: '+3d' } },
    { committee: 'c-info', obligation: 'nominations-2011', submit: 'never' },
    { unit: 'b-med-01', obligation: 'branch-summary', submit: { late: '+20d' } },
    { unit: 'b-marx-02', submit: 'never' },
  ],
  actions: [
    {
      waive: { unit: 'b-admin-01', obligation: 'branch-plan', cycle: 'once' },
      at: '2010-06-05T10:00',
      by: '组织部',
      reason: '支部合并',
    },
    {
      extend: { unit: 'b-logi-01', obligation: 'branch-plan', cycle: 'once' },
      at: '2010-06-08T10:00',
      newDue: '2010-06-20T17:00',
      by: '组织部',
      reason: '书记出差',
    },
    { advance: 'exemplars', at: '2011-06-20T09:00', by: '校党委', reason: '提前进入典型带动阶段' },
    { endPhase: 'summary', at: '2012-11-08T09:00', by: '校党委', reason: '党的十八大召开' },
  ],
});

/** The escalation rank a deadline must reach: the highest step sent before it was answered. */
function expectedRank(
  plan: Plan,
  key: string,
  opensAt: string,
  dueAt: string,
  answeredAt: string | undefined,
  extended: boolean,
): number {
  const ob = plan.obligations.find((o) => o.key === key)!;
  const steps = stepsForDue(plan, ob, opensAt, dueAt);
  let rank = 0;
  for (const s of steps) {
    if (answeredAt !== undefined && Date.parse(s.at) >= Date.parse(answeredAt)) continue;
    if (s.kind === 'rectification') rank = Math.max(rank, RECTIFICATION_RANK);
    const m = /^escalation-(\d+)/.exec(s.step);
    if (m) rank = Math.max(rank, Number(m[1]));
  }
  void extended;
  return rank;
}

describe('rehearsing the four-phase seed plan for the sample organisation', () => {
  let env: TestWorkflowEnvironment;
  let bundle: WorkflowBundleWithSourceMap;
  let plan: Plan;
  let org: Org;
  let run: SimulationRun;
  beforeAll(async () => {
    env = await createTimeSkippingEnv();
    bundle = await bundleWorkflows();
    plan = await loadPlanFile(`${PLANS_DIR}/003-changchun.yaml`);
    org = await loadOrgFile(SAMPLE_ORG);
    run = await runSimulation({ plan, org, behaviour, env, workflowBundle: bundle });
  });
  afterAll(async () => {
    await env?.teardown();
  });

  it('records every deadline with the lateness and escalation the behaviour implies', async () => {
    const sim = planSimulation(plan, org, behaviour);
    expect(sim.expected.length).toBe(5 * 40);
    const ledger = await openLedger(run.ledgerUrl);
    try {
      const rows = await deadlineRows(ledger, { campaignId: plan.id });
      expect(rows).toHaveLength(sim.expected.length);
      const byKey = new Map(rows.map((r) => [`${r.obligationKey}/${r.cycleKey}/${r.unitId}`, r]));
      for (const e of sim.expected) {
        const row = byKey.get(`${e.obligationKey}/${e.cycleKey}/${e.unitId}`)!;
        expect(row).toBeDefined();
        expect(row.dueAt).toBe(e.dueAt);
        const cycle = sim.cycles.find((c) => c.obligationKey === e.obligationKey && c.cycleKey === e.cycleKey)!;
        if (e.waived) {
          expect(row.waivedAt).not.toBeNull();
          expect(row.submittedAt).toBeNull();
        } else if (e.submittedAt === undefined) {
          expect(row.submittedAt).toBeNull();
          expect(row.closedOutcome).toBe('missing');
        } else {
          const late = Math.max(0, Date.parse(e.submittedAt) - Date.parse(e.dueAt));
          expect(Math.abs(row.lateMs! - late)).toBeLessThan(1000);
        }
        const answered = e.waived ? undefined : e.submittedAt;
        if (!e.waived)
          expect(row.highestEscalation).toBe(
            expectedRank(plan, e.obligationKey, cycle.opensAt, e.dueAt, answered, row.extensions > 0),
          );
      }
    } finally {
      await ledger.close();
    }
  });

  it('the audit names who lagged, by how much, and how far it was escalated', async () => {
    const ledger = await openLedger(run.ledgerUrl);
    try {
      const lag = Object.fromEntries(
        (await laggingUnits(ledger, { campaignId: plan.id, asOf: run.sim.endAt })).map((l) => [l.unitId, l]),
      );
      // b-mech-02: its plan three days late (due Thu 10 June 23:59; the first escalation would
      // have gone out on the next working day, Fri 11 June, before it arrived on the 13th).
      expect(lag['b-mech-02']).toMatchObject({ late: 1, missing: 0, highestEscalation: 1 });
      expect(Math.round(lag['b-mech-02']!.longestLateMs / 86_400_000)).toBe(3);
      // b-med-01: the summary twenty days late climbs the whole ladder.
      expect(lag['b-med-01']).toMatchObject({ late: 1, missing: 0 });
      expect(Math.round(lag['b-med-01']!.longestLateMs / 86_400_000)).toBe(20);
      // b-marx-02 never submitted anything: five missing; an open order for each obligation
      // whose ladder ends in a rectification order.
      const withOrder = plan.obligations.filter((o) => o.rectification).length;
      expect(withOrder).toBeGreaterThan(0);
      expect(lag['b-marx-02']).toMatchObject({
        late: 0,
        missing: 5,
        highestEscalation: RECTIFICATION_RANK,
        openRectifications: withOrder,
      });
      // Every c-info branch missed the 2011 nominations.
      const info = Object.values(lag).filter((l) => l.committeeId === 'c-info');
      expect(info.map((l) => l.missing)).toEqual(info.map(() => 1));
      // The waived and the extended branches are not lagging.
      expect(lag['b-admin-01']).toBeUndefined();
      expect(lag['b-logi-01']).toBeUndefined();
    } finally {
      await ledger.close();
    }
  });

  it('sends each notice once and announces each phase to every unit', () => {
    expect(run.mailByKind.notice).toBe(5 * 40);
    expect(run.mailByKind['phase-started']).toBe(4 * 46);
    // One order for every deadline whose rectification step came before it was answered.
    const orders = run.sim.expected.filter((e) => {
      const cycle = run.sim.cycles.find((c) => c.obligationKey === e.obligationKey && c.cycleKey === e.cycleKey)!;
      return (
        !e.waived &&
        expectedRank(plan, e.obligationKey, cycle.opensAt, e.dueAt, e.submittedAt, false) === RECTIFICATION_RANK
      );
    }).length;
    expect(orders).toBeGreaterThanOrEqual(3);
    expect(run.mailByKind.rectification).toBe(orders);
  });

  it('delivers every message the ledger records as sent: one outbox file each', async () => {
    const recorded = Object.values(run.mailByKind).reduce((a, b) => a + b, 0);
    expect(await outboxFiles(run.outboxDir)).toHaveLength(recorded);
  });
});
