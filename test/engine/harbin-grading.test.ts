/**
 * A rehearsal of plan 002 (哈理工大学, the grading year) for an organisation of our own
 * (test/fixtures/harbin-org.yaml) on the time-skipping server, with the real workflows and
 * activities: the branches are graded at three steps from the behaviour file's grade rules, the
 * university's C and D grades open those branches' rectification reports (one answered on
 * time, one late, one never), and a secretary appointed in May has her training fall due in
 * November. The engine gets each grade and the appointment as an event (openForEvent); the
 * same event again opens nothing more.
 */
import path from 'node:path';
import { readFileSync } from 'node:fs';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { loadOrgFile, loadPlanFile, PLANS_DIR } from '../../plans/load';
import { parseBehaviour } from '../../rehearsal/behaviour-file';
import { createTimeSkippingEnv } from '../../worker/servers';
import { runSimulation, type SimulationRun } from '../../rehearsal/simulate';
import { CampaignClient } from '../../client/campaigns';
import { openLedger } from '../../ledger';
import { deadlineRows, laggingUnits, openRectifications } from '../../ledger/audit';
import { RECTIFICATION_RANK } from '../../ledger/schema';
import type { EventOpening } from '../../domain/engine/requests';
import type { Plan } from '../../domain/plan-schema';
import type { Org } from '../../domain/org-schema';

const FIXTURES = path.join(__dirname, '..', 'fixtures');
const DAY = 86_400_000;

describe('rehearsing plan 002: grades and an appointment open obligations', () => {
  let env: TestWorkflowEnvironment;
  let plan: Plan;
  let org: Org;
  let run: SimulationRun;
  /** What the engine answered when the final grades and the appointment came again. */
  const again: Record<string, EventOpening> = {};

  beforeAll(async () => {
    env = await createTimeSkippingEnv();
    plan = await loadPlanFile(`${PLANS_DIR}/002-harbin.yaml`);
    org = await loadOrgFile(path.join(FIXTURES, 'harbin-org.yaml'));
    const file = path.join(FIXTURES, 'harbin-behaviour.yaml');
    const behaviour = parseBehaviour(readFileSync(file, 'utf8'), file, { plan, org });
    const cc = new CampaignClient(env.client);
    run = await runSimulation({
      plan,
      org,
      behaviour,
      env,
      // Right after the university's grades and after the appointment: the same events again.
      onProgress: async (at) => {
        if (at === '2012-04-06T07:00:00.000Z') {
          const final = { event: 'graded', year: 2012, step: 'final', actor: '周部长' } as const;
          const [c, d, b] = await Promise.all([
            cc.openForEvent(plan.id, { ...final, unitId: 'b-cs-t1', grade: 'C' }),
            cc.openForEvent(plan.id, { ...final, unitId: 'b-cs-l1', grade: 'D' }),
            cc.openForEvent(plan.id, { ...final, unitId: 'b-cs-s1', grade: 'B' }),
          ]);
          Object.assign(again, { c, d, b });
        }
        if (at === '2012-05-14T01:30:00.000Z')
          again.appointed = await cc.openForEvent(plan.id, {
            event: 'secretary-appointed',
            unitId: 'b-mat-t2',
            secretary: '林新',
            actor: '孙书记',
          });
      },
    });
  });
  afterAll(async () => {
    await env?.teardown();
  });

  it('opens a rectification report for each C and D branch and the new secretary’s training, once each', () => {
    expect(
      run.sim.eventDeadlines.map((d) => [d.cycle.obligationKey, d.cycle.cycleKey, d.unitId, d.cycle.dueAt]),
    ).toEqual([
      // Graded on Friday 6 April: a month later is Sunday 6 May, moved to Monday 7 May (onHoliday).
      ['grade-rectification', '2012', 'b-mat-s2', '2012-05-07T15:59:59.000Z'],
      ['grade-rectification', '2012', 'b-cs-t1', '2012-05-07T15:59:59.000Z'],
      ['grade-rectification', '2012', 'b-cs-l1', '2012-05-07T15:59:59.000Z'],
      // Appointed on Monday 14 May: six months later, Wednesday 14 November.
      ['secretary-training', '2012-05-14', 'b-mat-t2', '2012-11-14T15:59:59.000Z'],
    ]);
    // The same grades again (the engine's own answer): nothing more opens; a B opens nothing.
    expect(again.c!.opened).toEqual([]);
    expect(again.c!.alreadyOpen.map((d) => d.deadlineId)).toEqual(['harbin-2012/grade-rectification/2012/b-cs-t1']);
    expect(again.d!.alreadyOpen.map((d) => d.dueAt)).toEqual(['2012-05-07T15:59:59.000Z']);
    expect(again.b).toEqual({ opened: [], alreadyOpen: [], notOpened: [] });
    expect(again.appointed!.opened).toEqual([]);
    expect(again.appointed!.alreadyOpen.map((d) => d.deadlineId)).toEqual([
      'harbin-2012/secretary-training/2012-05-14/b-mat-t2',
    ]);
  });

  it('the ledger has each event-opened deadline with its due date and what the branch did', async () => {
    const ledger = await openLedger(run.ledgerUrl);
    try {
      const rows = await deadlineRows(ledger, { campaignId: plan.id });
      // The calendar's deadlines (one for each of 11 branches, four for each of 2 committees)
      // and the four the events opened, nothing more: the repeated events opened none.
      expect(rows).toHaveLength(11 + 4 * 2 + 4);
      expect(rows).toHaveLength(run.sim.expected.length);
      const row = (o: string, c: string, u: string) =>
        rows.find((r) => r.obligationKey === o && r.cycleKey === c && r.unitId === u)!;
      const onTime = row('grade-rectification', '2012', 'b-cs-t1');
      expect(onTime).toMatchObject({ dueAt: '2012-05-07T15:59:59.000Z', lateMs: 0, highestEscalation: 0 });
      const late = row('grade-rectification', '2012', 'b-mat-s2');
      expect(Math.round(late.lateMs! / DAY)).toBe(5);
      // Due Mon 7 May; the ladder's +1wd (Tue 8) and +3wd (Thu 10) steps went out before it came on Sat 12.
      expect(late.highestEscalation).toBe(2);
      const never = row('grade-rectification', '2012', 'b-cs-l1');
      expect(never).toMatchObject({
        submittedAt: null,
        closedOutcome: 'missing',
        highestEscalation: RECTIFICATION_RANK,
      });
      const training = row('secretary-training', '2012-05-14', 'b-mat-t2');
      expect(training).toMatchObject({ dueAt: '2012-11-14T15:59:59.000Z', lateMs: 0, phaseKey: 'improve' });
      expect(
        rows
          .filter((r) => r.obligationKey === 'grade-rectification')
          .map((r) => r.unitId)
          .sort(),
      ).toEqual(['b-cs-l1', 'b-cs-t1', 'b-mat-s2']);
      const appointed = await ledger.events({ campaignId: plan.id, kinds: ['secretary-appointed'] });
      expect(appointed.map((e) => [e.unitId, e.at, e.actor, e.data])).toEqual([
        ['b-mat-t2', '2012-05-14T01:30:00.000Z', '孙书记', { secretary: '林新' }],
      ]);
    } finally {
      await ledger.close();
    }
  });

  it('the audit names the late and the missing rectification reports and the open order', async () => {
    const ledger = await openLedger(run.ledgerUrl);
    try {
      const lag = Object.fromEntries(
        (await laggingUnits(ledger, { campaignId: plan.id, asOf: run.sim.endAt })).map((l) => [l.unitId, l]),
      );
      expect(Object.keys(lag).sort()).toEqual(['b-cs-l1', 'b-mat-s2']);
      expect(lag['b-mat-s2']).toMatchObject({ late: 1, missing: 0 });
      expect(Math.round(lag['b-mat-s2']!.longestLateMs / DAY)).toBe(5);
      expect(lag['b-cs-l1']).toMatchObject({
        late: 0,
        missing: 1,
        highestEscalation: RECTIFICATION_RANK,
        openRectifications: 1,
      });
      const orders = await openRectifications(ledger, { campaignId: plan.id, asOf: run.sim.endAt });
      expect(orders.map((o) => [o.unitId, o.obligationKey, o.cycleKey])).toEqual([
        ['b-cs-l1', 'grade-rectification', '2012'],
      ]);
    } finally {
      await ledger.close();
    }
  });

  it('sends the new deadlines’ notices, and the order to the branch that never reported', () => {
    // 11 self-evaluations, 2 × 4 committee deadlines, and the four the events opened.
    expect(run.mailByKind.notice).toBe(11 + 4 * 2 + 4);
    expect(run.mailByKind.rectification).toBe(1);
  });
});
