/**
 * Obligations opened by events (the plan's `openedBy`): the schema's rules by field, the one cycle
 * an event opens (due after it, through the holiday rule like every deadline), which events open
 * which obligations, and the campaign's state opening each deadline once.
 */
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { parsePlan } from '../../domain/plan-loader';
import { computeCalendar, eventCycle, phaseWindows } from '../../domain/calendar';
import { campaignEventProblem, eventCycleKey, eventCycles, opensOn } from '../../domain/engine/events';
import { campaignContext, DEFAULT_ENGINE_OPTIONS } from '../../domain/engine/context';
import type { CampaignEvent } from '../../domain/engine/requests';
import { loadOrgFile } from '../../plans/load';
import type { Org } from '../../domain/org-schema';
import type { Plan } from '../../domain/plan-schema';
import type { PlanValidationError } from '../../domain/errors';
import { CampaignPhases, freshCampaignState } from '../../workflows/campaign-phases';
import { orgSlice } from '../../domain/org-slice';

const ROOT = path.join(__dirname, '..', '..');
const HARBIN = readFileSync(path.join(ROOT, 'plans', '002-harbin.yaml'), 'utf8');

function issuesOf(text: string): string[] {
  try {
    parsePlan(text, 'plans/bad.yaml');
  } catch (err) {
    expect((err as Error).name).toBe('PlanValidationError');
    return (err as PlanValidationError).issues.map((i) => `${i.path}: ${i.message}`);
  }
  throw new Error('the plan was accepted');
}

const graded = (unitId: string, grade: 'A' | 'B' | 'C' | 'D', step: 'self' | 'preliminary' | 'final' = 'final') =>
  ({ event: 'graded', unitId, year: 2012, step, grade, actor: '周部长' }) as const satisfies CampaignEvent;
const appointed = (unitId: string): CampaignEvent => ({
  event: 'secretary-appointed',
  unitId,
  secretary: '林新',
  actor: '孙书记',
});

describe('obligations opened by events', () => {
  let plan: Plan;
  let org: Org;
  beforeAll(async () => {
    plan = parsePlan(HARBIN, 'plans/002-harbin.yaml');
    org = await loadOrgFile(path.join(ROOT, 'test', 'fixtures', 'harbin-org.yaml'));
  });
  const ob = (key: string) => plan.obligations.find((o) => o.key === key)!;

  it('plan 002 declares the C/D rectification report and the new secretary’s training, and no longer says it cannot', () => {
    expect(ob('grade-rectification').openedBy).toEqual({ event: 'graded', grades: ['C', 'D'], step: 'final' });
    expect(ob('grade-rectification').due).toEqual({ afterEvent: '+1M', time: 'end-of-day' });
    expect(ob('secretary-training').openedBy).toEqual({ event: 'secretary-appointed' });
    expect(ob('secretary-training').due).toEqual({ afterEvent: '+6M', time: 'end-of-day' });
    expect(HARBIN).not.toContain('cannot aim an obligation');
    // The calendar opens neither: only an event does.
    const cal = computeCalendar(plan, org);
    expect(cal.cycles.map((c) => c.obligationKey)).not.toContain('grade-rectification');
    expect(cal.deadlines.filter((d) => d.obligationKey === 'secretary-training')).toEqual([]);
  });

  it('refuses, by field, what an event-opened obligation cannot be', () => {
    const at = (needle: string, replacement: string): string => {
      expect(HARBIN).toContain(needle);
      return HARBIN.replace(needle, replacement);
    };
    const i = plan.obligations.findIndex((o) => o.key === 'grade-rectification');
    expect(issuesOf(at("due: { afterEvent: '+1M' }", "due: { at: '2012-05-08' }"))).toEqual([
      `obligations[${i}].due: an obligation opened by an event is due a set time after it, e.g. due: { afterEvent: '+6M' }`,
    ]);
    expect(issuesOf(at("due: { afterEvent: '+1M' }", "due: { afterEvent: '-1M' }"))).toEqual([
      `obligations[${i}].due.afterEvent: due after the event (a positive offset), got -1M`,
    ]);
    expect(issuesOf(at('grades: [C, D]', 'grades: [C, E]'))[0]).toMatch(
      new RegExp(`^obligations\\[${i}\\]\\.openedBy\\.grades\\[1\\]: `),
    );
    expect(issuesOf(at('openedBy: { event: secretary-appointed }', 'openedBy: { event: retired }'))[0]).toMatch(
      /^obligations\[\d+\]\.openedBy\.event: /,
    );
    const sections = HARBIN.split('  - key: ');
    const rect = sections.find((s) => s.startsWith('grade-rectification'))!;
    expect(
      issuesOf(
        HARBIN.replace(
          rect,
          rect.replace('cadence: once', 'cadence: yearly').replace('level: branch', 'level: committee'),
        ),
      ),
    ).toEqual([
      `obligations[${i}].cadence: an obligation opened by an event opens once per event: cadence "once", not "yearly"`,
      `obligations[${i}].submitters.level: a grade is a branch's: submitters level "branch", not "committee"`,
    ]);
    // A due date counted from an event, on an obligation the calendar opens.
    expect(issuesOf(at("due: { at: '2012-03-26' }", "due: { afterEvent: '+3d' }"))).toContain(
      'obligations[0].due.afterEvent: a due date counted from an event fits only an obligation with openedBy',
    );
  });

  it('opens on the event it names: a grade of its letters at its step, or an appointment', () => {
    const rect = ob('grade-rectification');
    expect(opensOn(rect, graded('b-cs-t1', 'C'))).toBe(true);
    expect(opensOn(rect, graded('b-cs-t1', 'D'))).toBe(true);
    expect(opensOn(rect, graded('b-cs-t1', 'B'))).toBe(false);
    expect(opensOn(rect, graded('b-cs-t1', 'D', 'preliminary'))).toBe(false);
    expect(opensOn(rect, appointed('b-cs-t1'))).toBe(false);
    expect(opensOn(ob('secretary-training'), appointed('b-cs-t1'))).toBe(true);
    expect(opensOn(ob('branch-self-evaluation'), graded('b-cs-t1', 'C'))).toBe(false);
  });

  it('is due the set time after the event, through the holiday rule, in the phase that holds the event', () => {
    const windows = phaseWindows(plan);
    // Graded D on Sunday 1 April 2012 (a make-up working day): a month later is 1 May, Labour Day,
    // and the plan moves it to the next working day.
    const key = eventCycleKey(graded('b-cs-t1', 'D'), '2012-04-01T02:00:00Z', plan.timeZone);
    expect(key).toEqual({ key: '2012', label: '2012年度分类定级', labelEn: 'grading 2012' });
    const c = eventCycle(plan, ob('grade-rectification'), windows, '2012-04-01T02:00:00Z', key);
    expect(c).toMatchObject({
      cycleKey: '2012',
      phaseKey: 'survey-grade',
      opensAt: '2012-04-01T02:00:00.000Z',
      dueAt: '2012-05-02T15:59:59.000Z',
      movedFrom: '2012-05-01T15:59:59.000Z',
      dueOnHoliday: false,
    });
    // The same with onHoliday: flag keeps 1 May and flags it.
    const flagged = eventCycle(
      plan,
      { ...ob('grade-rectification'), onHoliday: 'flag' },
      windows,
      '2012-04-01T02:00:00Z',
      key,
    );
    expect(flagged).toMatchObject({ dueAt: '2012-05-01T15:59:59.000Z', dueOnHoliday: true });
    // A secretary appointed on Monday 14 May 2012: trained by the end of Wednesday 14 November.
    const may = eventCycleKey(appointed('b-mat-t2'), '2012-05-14T01:30:00Z', plan.timeZone);
    expect(may).toEqual({ key: '2012-05-14', label: '2012年5月14日任职', labelEn: 'appointed 2012-05-14' });
    const training = eventCycle(plan, ob('secretary-training'), windows, '2012-05-14T01:30:00Z', may);
    expect(training).toMatchObject({ phaseKey: 'improve', dueAt: '2012-11-14T15:59:59.000Z', dueOnHoliday: false });
    if (typeof training === 'string') throw new Error(training);
    expect(training.steps.map((s) => s.step)).toEqual([
      'notice',
      'reminder-1',
      'reminder-2',
      'due',
      'escalation-1',
      'escalation-2',
    ]);
    // An event before the phases it may fall in opens nothing, and says why.
    expect(eventCycle(plan, ob('secretary-training'), windows, '2012-03-01T01:30:00Z', may)).toBe(
      'the event (2012-03-01T01:30:00Z) falls in none of its phases (survey-grade, improve)',
    );
  });

  it('says what an event opens for its unit and why not', () => {
    const windows = phaseWindows(plan);
    const r = eventCycles(plan, org, windows, graded('b-cs-t1', 'C'), '2012-04-06T07:00:00.000Z');
    expect(r.cycles.map((c) => [c.obligationKey, c.cycleKey, c.dueAt])).toEqual([
      ['grade-rectification', '2012', '2012-05-07T15:59:59.000Z'], // Sunday 6 May moved to Monday
    ]);
    expect(eventCycles(plan, org, windows, graded('b-cs-t1', 'A'), '2012-04-06T07:00:00.000Z')).toEqual({
      cycles: [],
      notOpened: [],
    });
    const onlyStaff = {
      ...plan,
      obligations: [
        { ...ob('secretary-training'), submitters: { level: 'branch' as const, kinds: ['教工' as const] } },
      ],
    };
    expect(eventCycles(onlyStaff, org, windows, appointed('b-cs-s1'), '2012-05-14T01:30:00.000Z')).toEqual({
      cycles: [],
      notOpened: [{ obligationKey: 'secretary-training', reason: 'b-cs-s1 is not one of its submitters' }],
    });
  });

  it('refuses an event by the field that is wrong', () => {
    expect(campaignEventProblem(graded('b-cs-t1', 'C'), org)).toBeUndefined();
    expect(campaignEventProblem(appointed('b-cs-t1'), org)).toBeUndefined();
    const bad = (e: object): string | undefined => campaignEventProblem(e as CampaignEvent, org);
    expect(bad({ ...graded('b-cs-t1', 'C'), grade: 'E' })).toBe('grade: one of A, B, C, D, got "E"');
    expect(bad({ ...graded('b-cs-t1', 'C'), step: 'second' })).toBe(
      'step: one of self, preliminary, final, got "second"',
    );
    expect(bad({ ...graded('b-cs-t1', 'C'), year: 12.5 })).toBe('year: a grading year such as 2012, got 12.5');
    expect(bad({ ...graded('b-nowhere', 'C') })).toBe('unitId: no unit "b-nowhere" in this campaign\'s organisation');
    expect(bad({ ...graded('c-cs', 'C') })).toBe('unitId: "c-cs" is not a branch');
    expect(bad({ ...appointed('b-cs-t1'), secretary: ' ' })).toBe('secretary: the new secretary’s name is required');
    expect(bad({ ...appointed('b-cs-t1'), actor: '' })).toBe('actor: who records the event is required');
    expect(bad({ ...appointed('b-cs-t1'), event: 'promoted' })).toBe(
      'event: "graded" or "secretary-appointed", got "promoted"',
    );
  });

  it('the campaign opens each deadline once, as a batch of one unit, however often the event comes', () => {
    const now = Date.parse('2012-04-06T07:00:00.000Z');
    const p = new CampaignPhases(plan, org, freshCampaignState(), () => now);
    const ctx = campaignContext(
      plan,
      { originPlanMs: 0, originServerMs: 0, scale: 1 },
      DEFAULT_ENGINE_OPTIONS,
      'campaign/harbin-2012',
    );
    // The unit, its parents and the office, as the workflow gives it (sliced from the input, or read by reference).
    const open = (q: CampaignPhases, e: CampaignEvent) => {
      const r = q.openForEvent(e, ctx, orgSlice(org, [e.unitId]));
      if ('problem' in r) throw new Error(r.problem);
      return r;
    };
    const first = open(p, graded('b-cs-t1', 'C'));
    expect(first.batches.map((b) => [b.batchId, b.unitIds, Object.keys(b.org!.units)])).toEqual([
      ['harbin-2012/grade-rectification/2012#b-cs-t1', ['b-cs-t1'], ['b-cs-t1', 'c-cs', 'office']],
    ]);
    expect(first.reply.opened.map((d) => d.deadlineId)).toEqual(['harbin-2012/grade-rectification/2012/b-cs-t1']);
    p.unitBatchesLaunched(first.batches);
    // Graded again (the same, or D after C): the year's report is already open.
    for (const again of [graded('b-cs-t1', 'C'), graded('b-cs-t1', 'D')]) {
      const second = open(p, again);
      expect(second.batches).toEqual([]);
      expect(second.reply.opened).toEqual([]);
      expect(second.reply.alreadyOpen).toEqual(first.reply.opened);
    }
    expect(p.directory().launched).toContain('grade-rectification/2012');
    expect(Object.keys(p.state.batches)).toEqual(['harbin-2012/grade-rectification/2012#b-cs-t1']);
    // The state, carried as JSON into the next run, still knows.
    const next = new CampaignPhases(plan, org, JSON.parse(JSON.stringify(p.state)) as typeof p.state, () => now);
    expect(open(next, graded('b-cs-t1', 'C')).batches).toEqual([]);
    expect(() => next.validateEvent({ ...graded('b-cs-t1', 'C'), grade: 'X' } as never)).toThrow(
      'event: grade: one of A, B, C, D, got "X"',
    );
    // A unit the slice does not hold (by reference the validator cannot know it): refused when opened.
    expect(next.openForEvent(graded('b-gone', 'C'), ctx, orgSlice(org, ['b-gone']))).toEqual({
      problem: 'event: unitId: no unit "b-gone" in this campaign\'s organisation',
    });
    // By reference: the batch names the stored organisation instead of carrying a slice.
    const ref = { hash: 'f'.repeat(64), version: 1 };
    const byRef = new CampaignPhases(
      plan,
      { ref, facts: { units: 14, responsible: {} } },
      freshCampaignState(),
      () => now,
    );
    expect(() => byRef.validateEvent(graded('b-gone', 'C'))).not.toThrow();
    const r = byRef.openForEvent(graded('b-cs-l1', 'D'), ctx, orgSlice(org, ['b-cs-l1']));
    if ('problem' in r) throw new Error(r.problem);
    expect(r.batches.map((b) => [b.batchId, b.unitIds, b.orgRef, b.org])).toEqual([
      ['harbin-2012/grade-rectification/2012#b-cs-l1', ['b-cs-l1'], ref, undefined],
    ]);
    expect(p.appointmentEvent(appointed('b-mat-t2'), orgSlice(org, ['b-mat-t2']))).toMatchObject({
      kind: 'secretary-appointed',
      unitId: 'b-mat-t2',
      committeeId: 'c-mat',
      actor: '孙书记',
      data: { secretary: '林新' },
    });
  });
});
