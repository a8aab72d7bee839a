/**
 * Issue 14, the engine's side, without a server: the deadlines the workflows open go through
 * the calendar's holiday rule as preview shows them (reviews and rectification orders); review
 * mail names the branch and the cycle and goes to the reviewing secretary, the liaison in copy;
 * phase changes by hand name who made them; a rehearsal's request takes effect at the instant it
 * names; and a rehearsal plans its units' submissions from the phases the engine ran.
 */
import { computeCalendar, cyclesOf, phaseWindows } from '../../domain/calendar';
import { loadOrgFile, loadPlanFile, PLANS_DIR, SAMPLE_ORG } from '../../plans/load';
import { orgSlice } from '../../domain/org-slice';
import { campaignContext, DEFAULT_ENGINE_OPTIONS } from '../../domain/engine/context';
import { initialSteps, reportDeadlineInput, reviewDeadlineInput } from '../../domain/engine/deadline-opening';
import type { BatchInput, DeadlineInput } from '../../domain/engine/inputs';
import type { Plan } from '../../domain/plan-schema';
import type { Org } from '../../domain/org-schema';
import type { ClockSpec } from '../../domain/clock';
import { DeadlineTimeline } from '../../workflows/deadline-timeline';
import { DeadlineLadder } from '../../workflows/deadline-ladder';
import { CampaignPhases, freshCampaignState } from '../../workflows/campaign-phases';
import { renderMessage } from '../../mail/render';
import { BehaviourSchema, planSimulation } from '../../rehearsal/behaviour';
import { loadMini, TestClock, type Mini } from './mini';

const REHEARSAL_CLOCK: ClockSpec = { originPlanMs: Date.parse('2010-05-31T00:00:00Z'), originServerMs: 0, scale: 1 };

/** The report deadline of one unit in one cycle of a plan, as the starter builds it. */
function reportInput(plan: Plan, org: Org, obligationKey: string, cycleKey: string, unitId: string): DeadlineInput {
  const obligation = plan.obligations.find((o) => o.key === obligationKey)!;
  const cycle = cyclesOf(plan, obligation, phaseWindows(plan), {}).find((c) => c.cycleKey === cycleKey)!;
  const ctx = campaignContext(plan, REHEARSAL_CLOCK, DEFAULT_ENGINE_OPTIONS, `campaign/${plan.id}`);
  const batch: BatchInput = {
    ctx,
    batchId: `${plan.id}/${obligationKey}/${cycleKey}#0`,
    obligation,
    cycle,
    unitIds: [unitId],
    org: orgSlice(org, [unitId]),
  };
  return reportDeadlineInput(batch, unitId);
}

describe('the engine opens every deadline as preview shows it (plan 000)', () => {
  let plan: Plan;
  let org: Org;
  beforeAll(async () => {
    plan = await loadPlanFile(`${PLANS_DIR}/000-hnust.yaml`);
    org = await loadOrgFile(SAMPLE_ORG);
  });

  it("opens each review at preview's instants, due on preview's day and flagged when it is a day off", () => {
    const preview = computeCalendar(plan, org);
    expect(preview.reviewDeadlines.filter((r) => r.dueOnHoliday).length).toBeGreaterThan(0);
    for (const r of preview.reviewDeadlines) {
      const report = reportInput(plan, org, r.obligationKey.replace(/\.review$/, ''), r.cycleKey, r.reviewedUnitId);
      // A report handed in at its due instant: preview's review is of such a report.
      const review = reviewDeadlineInput(report, report.dueAt, undefined, { holidayRule: true })!;
      expect({ id: r.id, opensAt: review.opensAt, dueAt: review.dueAt, flag: review.dueOnHoliday }).toEqual({
        id: r.id,
        opensAt: r.opensAt,
        dueAt: r.dueAt,
        flag: r.dueOnHoliday,
      });
      expect(review.unitId).toBe(r.unitId);
      expect(initialSteps(review, { holidayRule: true })).toEqual(r.steps);
    }
  });

  it("sends a rectification order's deadline through the holiday rule, as preview does", async () => {
    // The seed plans count their orders' deadlines in working days; the mini plan in days, some of
    // which (for one offset or another) end on a weekend.
    const mini = await loadMini();
    let checked = 0;
    for (let days = 8; days <= 14; days++) {
      const variant: Plan = {
        ...mini.plan,
        obligations: mini.plan.obligations.map((o) =>
          o.rectification ? { ...o, rectification: { ...o.rectification, deadline: `+${days}d` } } : o,
        ),
      };
      const preview = computeCalendar(variant, mini.org);
      const onDayOff = preview.deadlines.filter((d) => d.steps.some((s) => s.deadlineOnHoliday === true));
      for (const d of onDayOff) {
        const input = reportInput(variant, mini.org, d.obligationKey, d.cycleKey, d.unitId);
        const t = new DeadlineTimeline(input, () => Date.parse(input.opensAt), { holidayRule: true });
        expect(t.steps).toEqual(d.steps);
        // Runs started before the patch keep the old steps on replay: not flagged.
        const legacy = new DeadlineTimeline(input, () => Date.parse(input.opensAt));
        expect(legacy.steps.find((s) => s.kind === 'rectification')!.deadlineOnHoliday).toBeUndefined();
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(0);
  });

  it('records a due instant on a day off as flagged in the opening event', () => {
    const r = computeCalendar(plan, org).reviewDeadlines.find((x) => x.dueOnHoliday)!;
    const report = reportInput(plan, org, r.obligationKey.replace(/\.review$/, ''), r.cycleKey, r.reviewedUnitId);
    const review = reviewDeadlineInput(report, report.dueAt, undefined, { holidayRule: true })!;
    const t = new DeadlineTimeline(review, () => Date.parse(review.opensAt), { holidayRule: true });
    expect(t.status().dueOnHoliday).toBe(true);
  });
});

describe('review mail', () => {
  let mini: Mini;
  let org: Org;
  beforeAll(async () => {
    mini = await loadMini();
    // The committee has a liaison as well as a secretary: the secretary comments.
    const cMech = mini.org.units['c-mech']!;
    org = {
      ...mini.org,
      units: { ...mini.org.units, 'c-mech': { ...cMech, liaison: { name: '周联络', email: 'zhou@example.org' } } },
    };
  });

  const reviewsOf = (unitIds: string[]): DeadlineInput[] =>
    unitIds.map((u) => {
      const report = reportInput(mini.plan, org, 'quarterly-report', '2010-Q3', u);
      return reviewDeadlineInput(report, report.dueAt, undefined, { holidayRule: true })!;
    });

  it('names the branch and the cycle in every subject, distinct per branch, to the secretary with the liaison in copy', () => {
    const reviews = reviewsOf(['b-mech-t1', 'b-mech-s1']);
    const subjects: string[] = [];
    for (const review of reviews) {
      const branch = org.units[review.reviewedUnitId!]!.name;
      for (const step of initialSteps(review, { holidayRule: true })) {
        const { built } = new DeadlineLadder(review).mailFor(step, review.dueAt, review.opensAt) as {
          built: { message: Parameters<typeof renderMessage>[0] };
        };
        const m = built.message;
        expect(m.to.map((r) => [r.email, r.role])).toEqual([['li.mech@example.org', 'reviewer']]);
        expect(m.cc?.map((r) => [r.email, r.role])).toEqual([['zhou@example.org', 'liaison']]);
        const mail = renderMessage(m, 'https://x.example.org', undefined, 'secret-for-links');
        expect(mail.subject).toContain(branch);
        expect(mail.subject).toContain('2010年第三季度');
        expect(mail.text).toContain(branch);
        // The link is the web's signed one, for this branch's report.
        expect(mail.text).toMatch(/https:\/\/x\.example\.org\/s\/\S+/);
        subjects.push(mail.subject);
      }
    }
    expect(new Set(subjects).size).toBe(subjects.length);
  });

  it('goes to the liaison when the secretary has no address', () => {
    const cMech = org.units['c-mech']!;
    const noSecretary = { ...org, units: { ...org.units, 'c-mech': { ...cMech, secretary: undefined } } };
    const report = reportInput(mini.plan, noSecretary, 'quarterly-report', '2010-Q3', 'b-mech-t1');
    const review = reviewDeadlineInput(report, report.dueAt, undefined, { holidayRule: true })!;
    const step = initialSteps(review)[0]!;
    const mail = new DeadlineLadder(review).mailFor(step, review.dueAt, review.opensAt);
    expect(mail.by === 'deadline' && mail.built.message.to.map((r) => r.email)).toEqual(['zhou@example.org']);
  });
});

describe('phase changes and requests by hand', () => {
  let mini: Mini;
  beforeAll(async () => {
    mini = await loadMini();
  });

  it('names who started a phase early in its ledger event and its announcement', () => {
    const clock = new TestClock(Date.parse('2010-06-20T02:00:00Z'));
    const p = new CampaignPhases(mini.plan, mini.org, freshCampaignState(), clock.now);
    const { event } = p.advance({ toPhase: 'engage', by: '校党委', reason: '提前进入' });
    expect(event.actor).toBe('校党委');
    const engage = p.windows().find((w) => w.key === 'engage')!;
    expect(p.phaseStartedEvent(engage).actor).toBe('校党委');
    expect(p.phaseStartedEvent(p.windows()[0]!).actor).toBe('plan');
    const { message, targets } = p.announcement(engage, engage.startAt);
    const t = targets[0]!;
    const mail = renderMessage({ ...message, unitId: t.unitId, unitName: t.unitName, to: t.to }, 'https://x');
    expect(mail.text).toContain('经校党委决定提前开始');
  });

  it("takes a rehearsal's submission at the instant it names: lateness is exact", () => {
    const report = reportInput(mini.plan, mini.org, 'branch-plan', 'once', 'b-mech-t1');
    const meant = Date.parse(report.dueAt) + 9 * 24 * 3600 * 1000;
    const clock = new TestClock(meant + 4); // the request reached the workflow 4 ms after
    const t = new DeadlineTimeline(report, clock.now);
    const req = { by: '张伟', text: '方案', at: new Date(meant).toISOString() };
    t.validateSubmit(req);
    expect(t.submit(req).receipt).toMatchObject({ lateMs: 777_600_000, receivedAt: new Date(meant).toISOString() });

    // Not an instant in the workflow's future, nor long past.
    const future = new DeadlineTimeline(report, clock.now);
    expect(() => future.validateSubmit({ ...req, at: new Date(meant + 10).toISOString() })).toThrow(/"at"/);
    expect(() => future.validateSubmit({ ...req, at: new Date(meant - 3_600_000).toISOString() })).toThrow(/"at"/);

    // A live campaign's request takes effect when it arrives, whatever it says.
    const live = { ...report, ctx: { ...report.ctx, clock: { originPlanMs: 0, originServerMs: 0, scale: 1 } } };
    const l = new DeadlineTimeline(live, clock.now);
    expect(l.submit(req).receipt.lateMs).toBe(777_600_004);
  });

  it("takes a rehearsal's phase change at the instant it names", () => {
    const meant = Date.parse('2010-06-20T01:00:00Z');
    const clock = new TestClock(meant + 7);
    const p = new CampaignPhases(mini.plan, mini.org, freshCampaignState(), clock.now, REHEARSAL_CLOCK);
    const req = { toPhase: 'engage', by: '校党委', reason: '提前', at: new Date(meant).toISOString() };
    p.validateAdvance(req);
    expect(p.advance(req).change.at).toBe(new Date(meant).toISOString());
    expect(p.windows().find((w) => w.key === 'engage')!.startAt).toBe(new Date(meant).toISOString());
  });
});

describe('a rehearsal plans from the phases the engine ran', () => {
  let mini: Mini;
  beforeAll(async () => {
    mini = await loadMini();
  });

  it("submits a phase-bound obligation's cycles as the engine's phases open them, not as the behaviour assumed", () => {
    const behaviour = BehaviourSchema.parse({});
    const assumed = planSimulation(mini.plan, mini.org, behaviour);
    // The engine ran the summary phase from 1 December 2010 (say, an advance the file did not hold).
    const early = '2010-11-30T16:00:00.000Z';
    const ran = phaseWindows(mini.plan, { started: { summary: early } });
    const replanned = planSimulation(mini.plan, mini.org, behaviour, { windows: ran, asOf: early });
    const asIfAdvanced = planSimulation(
      mini.plan,
      mini.org,
      BehaviourSchema.parse({
        actions: [{ advance: 'summary', at: '2010-12-01T00:00', by: '校党委', reason: '提前' }],
      }),
    );
    const submissions = (s: typeof assumed): string[] =>
      s.requests.filter((r) => r.type === 'submit').map((r) => JSON.stringify(r));
    expect(submissions(replanned)).toEqual(submissions(asIfAdvanced));
    expect(submissions(replanned)).not.toEqual(submissions(assumed));
    expect(replanned.windows).toEqual(asIfAdvanced.windows);
  });
});
