/**
 * Every deadline the engine opens goes through one holiday rule: for each seed plan, every
 * cycle's due date, every review's (for a report handed in on its due day, and for one handed
 * in on any day of its cycle: reviews are opened by the report's arrival) and every
 * rectification order's deadline is on a working day of the table, or flagged as kept on a day
 * off, or moved from one (and then lands on a working day). So is every deadline an event opens
 * (plan 002's grade rectification and secretary training, and their orders), for an event on
 * any day of its phases.
 */
import { readFileSync } from 'node:fs';
import { DateTime } from 'luxon';
import { computeCalendar, eventCycle, phaseWindows, reviewSchedule } from '../../domain/calendar';
import { parsePlan } from '../../domain/plan-loader';
import { isWorkingDay } from '../../domain/workdays';
import { loadOrgFile, SAMPLE_ORG, SHIPPED_PLANS } from '../../plans/load';
import { PlanSchema, type Plan } from '../../domain/plan-schema';
import type { DueDate, ScheduledStep } from '../../domain/calendar-types';
import type { Org } from '../../domain/org-schema';

const ZONE = 'Asia/Shanghai';
const day = (iso: string): string => DateTime.fromISO(iso, { zone: ZONE }).toISODate()!;

/** What is wrong with one deadline, or undefined. */
function holidayProblem(what: string, d: DueDate): string | undefined {
  if (d.movedFrom !== undefined) {
    if (isWorkingDay(day(d.movedFrom))) return `${what}: moved from a working day ${d.movedFrom}`;
    if (!isWorkingDay(day(d.dueAt))) return `${what}: moved to a day off ${d.dueAt}`;
    return undefined;
  }
  const off = !isWorkingDay(day(d.dueAt));
  if (off && !d.dueOnHoliday) return `${what}: ${day(d.dueAt)} is a day off, not flagged`;
  if (!off && d.dueOnHoliday) return `${what}: ${day(d.dueAt)} is a working day, flagged`;
  return undefined;
}

describe('every deadline of every seed plan goes through the holiday rule', () => {
  let org: Org;
  beforeAll(async () => {
    org = await loadOrgFile(SAMPLE_ORG);
  });

  for (const file of SHIPPED_PLANS) {
    const name = file.split('/').at(-1)!;
    it(name, () => {
      const plan = parsePlan(readFileSync(file, 'utf8'), name);
      const cal = computeCalendar(plan, org);
      const problems: string[] = [];
      let checked = 0;
      const check = (what: string, d: DueDate): void => {
        checked++;
        const p = holidayProblem(what, d);
        if (p) problems.push(p);
      };
      /** A deadline's due date and its rectification order's deadline. */
      const checkCycle = (what: string, d: DueDate & { steps: ScheduledStep[] }): void => {
        check(what, d);
        for (const s of d.steps)
          if (s.deadline)
            check(`${what} ${s.step}`, {
              dueAt: s.deadline,
              dueOnHoliday: s.deadlineOnHoliday === true,
              movedFrom: s.deadlineMovedFrom,
            });
      };
      for (const d of cal.deadlines) checkCycle(d.id, d);
      for (const r of cal.reviewDeadlines) check(r.id, r);
      // A review opened by the report's arrival, on each day the report may come in.
      for (const c of cal.cycles) {
        const ob = plan.obligations.find((o) => o.key === c.obligationKey)!;
        if (!ob.review) continue;
        for (let t = DateTime.fromISO(c.opensAt); t.toMillis() <= Date.parse(c.dueAt) + 30 * 86_400_000;) {
          check(
            `${c.obligationKey}/${c.cycleKey} review of a report in on ${t.toISO()}`,
            reviewSchedule(plan, ob, c.dueAt, t.toISO()!),
          );
          t = t.plus({ hours: 23 });
        }
      }
      // An obligation opened by an event (a grade, an appointment): on every day its phases may
      // hold the event (every 23 hours, so the event's hour walks round the clock too), its due
      // date and its rectification order's deadline.
      const windows = phaseWindows(plan);
      for (const ob of plan.obligations.filter((o) => o.openedBy !== undefined)) {
        const mine = windows.filter((w) => ob.phases.includes(w.key));
        const from = DateTime.fromISO(mine[0]!.startAt);
        const to = Date.parse(mine.at(-1)!.endAt ?? from.plus({ years: 2 }).toISO()!);
        let opened = 0;
        for (let t = from; t.toMillis() < to; t = t.plus({ hours: 23 })) {
          const c = eventCycle(plan, ob, windows, t.toISO()!, { key: 'k', label: 'k', labelEn: 'k' });
          if (typeof c === 'string') throw new Error(`${ob.key} not opened on ${t.toISO()}: ${c}`);
          opened++;
          checkCycle(`${ob.key} opened on ${t.toISO()}`, c);
        }
        expect(opened).toBeGreaterThan(300);
      }
      expect(problems).toEqual([]);
      expect(cal.deadlines.length).toBeGreaterThan(0);
      expect(checked).toBeGreaterThan(cal.deadlines.length);
    });
  }

  it('plan 002 has event-opened obligations to walk (grade rectification, secretary training)', () => {
    const file = SHIPPED_PLANS.find((f) => f.endsWith('002-harbin.yaml'))!;
    const plan = parsePlan(readFileSync(file, 'utf8'), file);
    const byEvent = plan.obligations.filter((o) => o.openedBy !== undefined);
    expect(byEvent.map((o) => o.key).sort()).toEqual(['grade-rectification', 'secretary-training']);
    expect(byEvent.find((o) => o.key === 'grade-rectification')!.rectification).toBeDefined();
  });

  it('the plans with leader reviews have review deadlines to walk', async () => {
    const reviewed = SHIPPED_PLANS.map((f) => parsePlan(readFileSync(f, 'utf8'), f)).filter((p) =>
      p.obligations.some((o) => o.review),
    );
    expect(reviewed.map((p) => p.id)).toEqual(expect.arrayContaining(['hnust-2010', 'template-2010']));
    for (const p of reviewed)
      expect(computeCalendar(p, await loadOrgFile(SAMPLE_ORG)).reviewDeadlines.length).toBeGreaterThan(0);
  });
});

describe('the holiday rule on each kind of deadline', () => {
  const plan = (onHoliday: 'flag' | 'next-working-day', extra: Record<string, unknown> = {}): Plan =>
    PlanSchema.parse({
      id: 't',
      title: 'T',
      phases: [{ key: 'p', name: '阶段', label: 'P', start: '2012-01-01', end: '2012-12-31' }],
      obligations: [
        {
          key: 'report',
          title: '季度汇报',
          submitters: { level: 'branch' },
          cadence: 'once',
          // Friday 13 January 2012; its review, 11 days later, falls on Tuesday 24 January, in
          // the Spring Festival (23–27 January); the next working day is Sunday 29 January (调休).
          due: { at: '2012-01-13' },
          phases: ['p'],
          onHoliday,
          rectification: { after: '+2d', deadline: '+8d' },
          review: { due: '+11d', title: '点评' },
          ...extra,
        },
      ],
    });

  it('flags a review due in the Spring Festival (2012-01-24) when the plan keeps days off', () => {
    const p = plan('flag');
    const r = reviewSchedule(p, p.obligations[0]!, '2012-01-13T15:59:59.000Z');
    expect(r).toMatchObject({ dueAt: '2012-01-24T15:59:59.000Z', dueOnHoliday: true });
    expect(r.movedFrom).toBeUndefined();
  });

  it('moves it to the next working day (Sunday 29 January 2012, a make-up working day) when the plan says so', () => {
    const p = plan('next-working-day');
    const r = reviewSchedule(p, p.obligations[0]!, '2012-01-13T15:59:59.000Z');
    expect(r).toMatchObject({
      dueAt: '2012-01-29T15:59:59.000Z',
      dueOnHoliday: false,
      movedFrom: '2012-01-24T15:59:59.000Z',
    });
  });

  it('lets the review keep its own rule', () => {
    const p = plan('next-working-day', { review: { due: '+11d', title: '点评', onHoliday: 'flag' } });
    expect(reviewSchedule(p, p.obligations[0]!, '2012-01-13T15:59:59.000Z').dueOnHoliday).toBe(true);
  });

  it('counts an on-time report from its arrival, a late one from its arrival but opens at its due instant', () => {
    const p = plan('flag');
    const early = reviewSchedule(p, p.obligations[0]!, '2012-01-13T15:59:59.000Z', '2012-01-10T02:00:00.000Z');
    expect(early).toMatchObject({ opensAt: '2012-01-10T02:00:00.000Z', dueAt: '2012-01-21T15:59:59.000Z' });
    expect(early.dueOnHoliday).toBe(false); // Saturday 21 January 2012: a make-up working day
    const late = reviewSchedule(p, p.obligations[0]!, '2012-01-13T15:59:59.000Z', '2012-01-16T02:00:00.000Z');
    expect(late).toMatchObject({ opensAt: '2012-01-13T15:59:59.000Z', dueAt: '2012-01-27T15:59:59.000Z' });
    expect(late.dueOnHoliday).toBe(true);
  });

  it("moves or flags a rectification order's own deadline", () => {
    // Due Fri 13 Jan; the order when the office opens on Mon 16 Jan; its deadline 8 days later
    // is Tue 24 Jan (春节).
    const flagged = computeCalendar(plan('flag'), { officeId: 'o', units: {}, order: [] }).cycles[0]!;
    const order = flagged.steps.find((s) => s.kind === 'rectification')!;
    expect(order).toMatchObject({ deadline: '2012-01-24T15:59:59.000Z', deadlineOnHoliday: true });
    const moved = computeCalendar(plan('next-working-day'), { officeId: 'o', units: {}, order: [] }).cycles[0]!;
    expect(moved.steps.find((s) => s.kind === 'rectification')).toMatchObject({
      deadline: '2012-01-29T15:59:59.000Z',
      deadlineMovedFrom: '2012-01-24T15:59:59.000Z',
    });
  });
});
