/**
 * A rehearsal of plan 002 (哈理工大学, the grading year) for an organisation of our own
 * (test/fixtures/harbin-org.yaml) on the time-skipping server, with the real workflows and
 * activities: the branches are graded at three steps from the behaviour file's grade rules, the
 * university's C and D grades open those branches' rectification reports (one answered on
 * time, one late, one never), and a secretary appointed in May has her training fall due in
 * November. Each grade is entered as the CLI enters it (client/grading.ts): the ledger records
 * it (材料学院's preliminary A over its share, with the office's reason), the engine hears of it
 * once (openForEvent), the step's deadline closes; the same event again opens nothing more.
 * Tables 4 and 5 are checked cell by cell.
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
import { gradingTables } from '../../ledger/grade-reports';
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

  it('records the grades in the ledger, 材料学院’s preliminary A over its share with the office’s reason', async () => {
    const ledger = await openLedger(run.ledgerUrl);
    try {
      const grades = ledger.grades();
      const prelim = await grades.grades(plan.id, { year: 2012, step: 'preliminary' });
      expect(prelim).toHaveLength(11);
      const overridden = prelim.filter((g) => g.overrides.length > 0);
      expect(overridden.map((g) => [g.unitId, g.grade, g.overrides, g.overrideReason, g.setBy, g.setAt])).toEqual([
        ['b-mat-t1', 'A', ['quota'], '两个党支部均获评省级先进基层党组织', '周部长', '2012-03-29T08:00:00.000Z'],
        ['b-mat-t2', 'A', ['quota'], '两个党支部均获评省级先进基层党组织', '周部长', '2012-03-29T08:00:00.000Z'],
      ]);
      // The other committee entered its own, within its share; each grade once (revision 1), from the rehearsal.
      expect(prelim.find((g) => g.unitId === 'b-cs-t1')).toMatchObject({ grade: 'C', setBy: '钱书记', revision: 1 });
      const all = await grades.history(plan.id, { year: 2012 });
      expect(all).toHaveLength(3 * 11);
      expect(new Set(all.map((g) => `${g.source} ${g.revision}`))).toEqual(new Set(['rehearsal 1']));
      // The final grades: two A of eleven is within the university's share, no override.
      const final = await grades.grades(plan.id, { year: 2012, step: 'final' });
      expect(final.filter((g) => g.grade === 'A').map((g) => [g.unitId, g.overrides])).toEqual([
        ['b-mat-t1', []],
        ['b-mat-t2', []],
      ]);
      // Entering each step's grades closed its deadlines, at the instant of the entry.
      const rows = await deadlineRows(ledger, { campaignId: plan.id });
      const submitted = (o: string, u: string) =>
        rows.find((r) => r.obligationKey === o && r.unitId === u)?.submittedAt;
      expect(submitted('branch-self-evaluation', 'b-cs-l1')).toBe('2012-03-23T08:00:00.000Z');
      expect(submitted('committee-preliminary-grade', 'c-mat')).toBe('2012-03-29T08:00:00.000Z');
      expect(submitted('university-grade', 'c-cs')).toBe('2012-04-06T07:00:00.000Z');
    } finally {
      await ledger.close();
    }
  });

  it('tables 4 and 5 of the university, cell by cell; a committee’s tables hold its own branches', async () => {
    const ledger = await openLedger(run.ledgerUrl);
    try {
      const asOf = run.sim.endAt;
      const [t4, t5] = await gradingTables(ledger, { campaignId: plan.id, year: 2012, asOf, timeZone: plan.timeZone });
      expect(t4.title).toBe('附表4 高等学校基层党支部分类定级汇总表（2012）');
      // The headers are those of ledger/grade-reports.ts, checked by the grading CLI's end-to-end test.
      const cs = '计算机科学与技术学院党总支';
      const mat = '材料科学与工程学院党委';
      const reason = '超比例经批准：两个党支部均获评省级先进基层党组织';
      // No grades of 2011 in this ledger: every branch is graded for the first time.
      expect(t4.rows).toEqual([
        [1, cs, '计算机学院研究生党支部', 'b-cs-g1', '学生', '', 'B', 'B', 'B', '首次定级', ''],
        [2, cs, '计算机学院教辅后勤党支部', 'b-cs-l1', '教辅后勤', '', 'C', 'D', 'D', '首次定级', ''],
        [3, cs, '计算机学院本科生党支部', 'b-cs-s1', '学生', '', 'B', 'B', 'B', '首次定级', ''],
        [4, cs, '计算机学院教工第一党支部', 'b-cs-t1', '教工', '', 'B', 'C', 'C', '首次定级', ''],
        [5, cs, '计算机学院教工第二党支部', 'b-cs-t2', '教工', '', 'B', 'B', 'B', '首次定级', ''],
        [6, mat, '材料学院机关党支部', 'b-mat-a1', '机关', '', 'B', 'B', 'B', '首次定级', ''],
        [7, mat, '材料学院研究生党支部', 'b-mat-g1', '学生', '', 'B', 'B', 'B', '首次定级', ''],
        [8, mat, '材料学院本科生第一党支部', 'b-mat-s1', '学生', '', 'B', 'B', 'B', '首次定级', ''],
        [9, mat, '材料学院本科生第二党支部', 'b-mat-s2', '学生', '', 'B', 'C', 'C', '首次定级', ''],
        [10, mat, '材料学院教工第一党支部', 'b-mat-t1', '教工', '', 'A', 'A', 'A', '首次定级', reason],
        [11, mat, '材料学院教工第二党支部', 'b-mat-t2', '教工', '', 'A', 'A', 'A', '首次定级', reason],
      ]);
      expect(t5.title).toBe('附表5 高等学校基层党支部整改汇总表（2012）');
      const graded = '2012年4月6日（星期五）15:00';
      const due = '2012年5月7日（星期一）23:59';
      expect(t5.rows).toEqual([
        // The D branch never reports; a D also bars its members' awards and its secretary's promotion.
        [
          1,
          cs,
          '计算机学院教辅后勤党支部',
          'b-cs-l1',
          'D',
          graded,
          due,
          '',
          '逾期未交',
          '班子成员不得享受绩效等奖励；党支部书记下一年度内不能提拔使用',
        ],
        // On time: 32 hours before it is due. Late: five days after.
        [2, cs, '计算机学院教工第一党支部', 'b-cs-t1', 'C', graded, due, '2012年5月6日（星期日）15:59', '按时提交', ''],
        [
          3,
          mat,
          '材料学院本科生第二党支部',
          'b-mat-s2',
          'C',
          graded,
          due,
          '2012年5月12日（星期六）23:59',
          '逾期5天提交',
          '',
        ],
      ]);
      const [m4, m5] = await gradingTables(ledger, {
        campaignId: plan.id,
        committeeId: 'c-mat',
        year: 2012,
        asOf,
        timeZone: plan.timeZone,
      });
      expect(m4.rows.map((r) => r[3])).toEqual([
        'b-mat-a1',
        'b-mat-g1',
        'b-mat-s1',
        'b-mat-s2',
        'b-mat-t1',
        'b-mat-t2',
      ]);
      expect(m5.rows.map((r) => [r[0], r[3], r[8]])).toEqual([[1, 'b-mat-s2', '逾期5天提交']]);
    } finally {
      await ledger.close();
    }
  });
});
