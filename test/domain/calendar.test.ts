import { DateTime } from 'luxon';
import { readFileSync } from 'node:fs';
import { PlanSchema, type Plan } from '../../domain/plan-schema';
import {
  computeCalendar,
  cycleLabelOfKey,
  cyclesOf,
  phaseWindows,
  stepsForDue,
  reviewDueAt,
} from '../../domain/calendar';
import { addWorkingDays, isWorkingDay, FIRST_KNOWN_YEAR, LAST_KNOWN_YEAR } from '../../domain/workdays';
import { holidayName } from '../../domain/holiday-names';
import { isWorkday } from 'chinese-days/dist/index.min.js';
import { applyOffset, parseOffset } from '../../domain/offsets';
import { formatDay, formatDuration, formatInstant } from '../../domain/format';
import { parsePlan } from '../../domain/plan-loader';
import { parseOrg } from '../../domain/org-loader';
import { SHIPPED_PLANS } from '../../plans/load';
import { execFileSync } from 'node:child_process';

const ZONE = 'Asia/Shanghai';
const local = (iso: string): DateTime => DateTime.fromISO(iso, { zone: ZONE });
const mini = parsePlan(readFileSync(`${__dirname}/../fixtures/mini-plan.yaml`, 'utf8'), 'mini-plan.yaml');
const miniOrg = parseOrg(readFileSync(`${__dirname}/../fixtures/mini-org.yaml`, 'utf8'), 'mini-org.yaml');

/** The command line, as a person runs it. */
const cli = (...args: string[]): string =>
  execFileSync('npx', ['tsx', 'client/cli/main.ts', ...args], {
    cwd: `${__dirname}/../..`,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024, // plan 000 with the sample organisation: some 3 MB of JSON
  });

function plan(extra: Record<string, unknown>): Plan {
  return PlanSchema.parse({
    id: 't',
    title: 'T',
    phases: [{ key: 'p', name: '阶段', label: 'P', start: '2010-01-01', end: '2012-12-31' }],
    ...extra,
  });
}

describe('the working-day calendar of China', () => {
  it('knows make-up working days and holidays', () => {
    expect(isWorkingDay('2010-09-19')).toBe(true); // a Sunday, 调休 for the Mid-Autumn holiday
    expect(isWorkingDay('2012-04-02')).toBe(false); // a Monday, 清明
    expect(isWorkingDay('2010-07-31')).toBe(false); // a plain Saturday
    expect(isWorkingDay('2010-07-30')).toBe(true);
  });

  it('agrees with chinese-days on every day of the years it knows (the table is up to date)', () => {
    const disagree: string[] = [];
    let days = 0;
    for (let d = DateTime.utc(FIRST_KNOWN_YEAR, 1, 1); d.year <= LAST_KNOWN_YEAR; d = d.plus({ days: 1 })) {
      const iso = d.toISODate()!;
      if (isWorkingDay(iso) !== isWorkday(iso)) disagree.push(iso);
      days++;
    }
    expect(days).toBeGreaterThan(8000);
    expect(disagree).toEqual([]);
    // Beyond them: Monday to Friday.
    expect([isWorkingDay('2027-01-01'), isWorkingDay('2027-01-02'), isWorkingDay('2003-12-31')]).toEqual([
      true,
      false,
      true,
    ]);
  });

  it('names the public holidays, for notices', () => {
    expect(holidayName('2012-04-02')).toBe('清明');
    expect(holidayName('2012-04-07')).toBeUndefined(); // a plain Saturday
    expect(holidayName('2010-09-19')).toBeUndefined(); // a working Sunday
  });

  it('counts make-up working days as working days in -Nwd offsets', () => {
    // Monday 2010-09-20: back three working days counts Sunday the 19th (调休), then Fri 17, Thu 16.
    expect(addWorkingDays('2010-09-20', -3)).toBe('2010-09-16');
    // Forward from Tue 2010-09-21 over the Mid-Autumn holiday (22–24): Sat 25 was a working day.
    expect(addWorkingDays('2010-09-21', 1)).toBe('2010-09-25');
    expect(applyOffset(local('2010-09-20T10:00'), '-3wd').toISO()).toBe(local('2010-09-16T10:00').toISO());
  });

  it('parses combined offsets and rejects nonsense', () => {
    expect(parseOffset('+6M-1d')).toEqual([
      { amount: 6, unit: 'M' },
      { amount: -1, unit: 'd' },
    ]);
    expect(applyOffset(local('2011-01-01T00:00'), '+6M-1d').toISODate()).toBe('2011-06-30');
    expect(() => parseOffset('3 days')).toThrow(/not an offset/);
  });
});

describe('the campaign calendar', () => {
  it('places a by-date deadline at the end of that day, China time', () => {
    const p = plan({
      obligations: [
        {
          key: 'o',
          title: '支部实施方案',
          submitters: { level: 'branch' },
          cadence: 'once',
          due: { at: '2010-07-31' },
          phases: ['p'],
        },
      ],
    });
    const [c] = cyclesOf(p, p.obligations[0]!, phaseWindows(p));
    expect(c!.dueAt).toBe('2010-07-31T15:59:59.000Z');
    expect(c!.dueOnHoliday).toBe(true); // a Saturday: flagged, kept
  });

  it('moves a holiday due date to the next working day when the plan says so', () => {
    const p = plan({
      obligations: [
        {
          key: 'o',
          title: 'x',
          submitters: { level: 'branch' },
          cadence: 'once',
          due: { at: '2012-04-02T11:00' },
          phases: ['p'],
          onHoliday: 'next-working-day',
        },
      ],
    });
    const [c] = cyclesOf(p, p.obligations[0]!, phaseWindows(p));
    expect(c!.dueAt).toBe(local('2012-04-05T11:00').toUTC().toISO()); // 清明 2–4 April 2012
    expect(c!.movedFrom).toBe(local('2012-04-02T11:00').toUTC().toISO());
    expect(c!.dueOnHoliday).toBe(false);
  });

  it('labels a calendar cycle from its key alone, as its cycle is labelled, and no other key', () => {
    expect(cycleLabelOfKey('2010-Q3', 'zh')).toBe('2010年第三季度');
    expect(cycleLabelOfKey('2010-Q3', 'en')).toBe('Q3 2010');
    expect(cycleLabelOfKey('2011-H2', 'zh')).toBe('2011年下半年');
    expect(cycleLabelOfKey('2012', 'zh')).toBe('2012年度');
    for (const key of ['once', '2010-H3', '2010-Q5', '2010-Q3:b-mech-t1', 'party-congress'])
      expect([key, cycleLabelOfKey(key, 'zh')]).toEqual([key, undefined]);
  });

  it('gives quarterly, half-yearly and yearly cycles their keys and Chinese labels', () => {
    const ob = (key: string, cadence: string) => ({
      key,
      title: key,
      submitters: { level: 'branch' },
      cadence,
      due: { from: 'cycle-end', offset: '-5d' },
      phases: ['p'],
    });
    const p = plan({ obligations: [ob('q', 'quarterly'), ob('h', 'half-yearly'), ob('y', 'yearly')] });
    const w = phaseWindows(p);
    const q = cyclesOf(p, p.obligations[0]!, w);
    expect(q).toHaveLength(12);
    expect(q[2]).toMatchObject({ cycleKey: '2010-Q3', cycleLabel: '2010年第三季度', cycleLabelEn: 'Q3 2010' });
    expect(q[2]!.dueAt).toBe(local('2010-09-25T23:59:59').toUTC().toISO());
    expect(
      cyclesOf(p, p.obligations[1]!, w)
        .map((c) => c.cycleLabel)
        .slice(0, 2),
    ).toEqual(['2010年上半年', '2010年下半年']);
    expect(cyclesOf(p, p.obligations[2]!, w).map((c) => `${c.cycleKey} ${c.cycleLabel}`)).toEqual([
      '2010 2010年度',
      '2011 2011年度',
      '2012 2012年度',
    ]);
  });

  it('never schedules a step outside office hours or on a non-working day', () => {
    const cal = computeCalendar(mini, miniOrg, {}, { horizon: '2011-12-31T00:00:00Z' });
    const steps = cal.cycles.flatMap((c) => c.steps);
    expect(steps.length).toBeGreaterThan(20);
    for (const s of steps) {
      const t = local(s.at);
      expect(isWorkingDay(t.toISODate()!)).toBe(true);
      const minutes = t.hour * 60 + t.minute;
      expect(minutes).toBeGreaterThanOrEqual(8 * 60 + 30);
      expect(minutes).toBeLessThan(17 * 60 + 30);
    }
  });

  it('keeps reminders before the due instant even when office hours would push them past it', () => {
    // Due on a Sunday: the due-day notice cannot wait for Monday's office hours, and the
    // reminder "3 days before" (Thursday 23:59) goes out that afternoon.
    const p = plan({
      obligations: [
        {
          key: 'o',
          title: 'x',
          submitters: { level: 'branch' },
          cadence: 'once',
          due: { at: '2010-08-01' },
          phases: ['p'],
          reminders: ['-3d'],
          opens: '-10d',
        },
      ],
    });
    const steps = stepsForDue(
      p,
      p.obligations[0]!,
      local('2010-07-22T00:00').toUTC().toISO()!,
      local('2010-08-01T23:59:59').toUTC().toISO()!,
    );
    const reminder = steps.find((s) => s.kind === 'reminder')!;
    expect(formatInstant(reminder.at, ZONE, 'zh')).toBe('2010年7月29日（星期四）17:29');
    expect(formatInstant(steps.find((s) => s.kind === 'due')!.at, ZONE, 'zh')).toBe('2010年7月30日（星期五）17:29');
    expect(steps.find((s) => s.kind === 'notice')!.at).toBe(local('2010-07-22T08:30').toUTC().toISO());
  });

  it('says a plan’s own day with its weekday, whatever the zone of the machine', () => {
    expect(formatDay('2012-03-21', 'zh')).toBe('2012年3月21日（星期三）');
    expect(formatDay('2010-07-31', 'zh')).toBe('2010年7月31日（星期六）');
    expect(formatDay('2012-04-10', 'en')).toBe('Tue 10 Apr 2012');
  });

  it('climbs the escalation ladder and ends in a rectification order with a deadline of its own', () => {
    const c = computeCalendar(mini, miniOrg).cycles.find((x) => x.obligationKey === 'branch-plan')!;
    expect(c.steps.map((s) => s.step)).toEqual([
      'notice',
      'reminder-1',
      'reminder-2',
      'due',
      'escalation-1',
      'escalation-2',
      'escalation-3',
      'rectification',
    ]);
    const t = (step: string): string => formatInstant(c.steps.find((s) => s.step === step)!.at, ZONE, 'zh');
    expect(t('notice')).toBe('2010年6月12日（星期六）08:30'); // opens 11 June 23:59; 12 June 2010 was a make-up working day
    expect(t('due')).toBe('2010年6月25日（星期五）08:30');
    expect(t('escalation-1')).toBe('2010年6月28日（星期一）08:30'); // due+1d is a Saturday
    expect(t('escalation-3')).toBe('2010年7月5日（星期一）08:30');
    const order = c.steps.find((s) => s.step === 'rectification')!;
    expect(order.notify).toEqual(['unit', 'parent', 'office']);
    expect(formatInstant(order.deadline!, ZONE, 'zh')).toBe('2010年7月16日（星期五）23:59');
  });

  it('works out the steps of equal deadlines once, and hands each caller an array of its own', () => {
    const c = computeCalendar(mini, miniOrg).cycles.find((x) => x.obligationKey === 'branch-plan')!;
    const ob = mini.obligations.find((o) => o.key === 'branch-plan')!;
    const first = stepsForDue(mini, ob, c.opensAt, c.dueAt);
    const second = stepsForDue(mini, structuredClone(ob), c.opensAt, c.dueAt);
    expect(second).toEqual(first);
    expect(second).not.toBe(first);
    expect(second[0]).toBe(first[0]); // the same frozen step, not worked out again
    expect(Object.isFrozen(first[0])).toBe(true);
    first.splice(0, first.length);
    expect(stepsForDue(mini, ob, c.opensAt, c.dueAt)).toEqual(second);
    // Anything the steps depend on makes other steps: the obligation, the instants, the office hours.
    const fewer = stepsForDue(mini, { ...ob, reminders: ['-1d'] }, c.opensAt, c.dueAt);
    expect(fewer.filter((s) => s.kind === 'reminder')).toHaveLength(1);
    const later = stepsForDue(mini, ob, c.opensAt, new Date(Date.parse(c.dueAt) + 7 * 86_400_000).toISOString());
    expect(later.find((s) => s.step === 'due')!.at > second.find((s) => s.step === 'due')!.at).toBe(true);
    const afternoons = { ...mini, officeHours: { ...mini.officeHours, start: '14:00' } };
    expect(stepsForDue(afternoons, ob, c.opensAt, c.dueAt)[0]!.at).not.toBe(second[0]!.at);
  });

  it("applies the committee's phase changes: an early start ends the previous phase", () => {
    const started = local('2010-12-01T09:00').toUTC().toISO()!;
    const w = phaseWindows(mini, { started: { summary: started } });
    expect(w.find((x) => x.key === 'engage')!.endAt).toBe(started);
    const q = cyclesOf(mini, mini.obligations[1]!, w).map((c) => c.cycleKey);
    expect(q).toEqual(['2010-Q3']); // Q4's due (26 Dec) now falls after the engagement phase
    const ended = local('2011-03-01T10:00').toUTC().toISO()!;
    expect(phaseWindows(mini, { ended: { summary: ended } }).at(-1)!.endAt).toBe(ended);
    expect(phaseWindows(mini).at(-1)!.endAt).toBeUndefined();
  });

  it('places a review after the report, or after its due instant if it never came', () => {
    const ob = mini.obligations[1]!;
    expect(reviewDueAt(mini, ob, '2010-09-25T15:59:59.000Z')).toBe('2010-10-05T15:59:59.000Z');
    expect(reviewDueAt(mini, ob, '2010-09-25T15:59:59.000Z', '2010-09-20T02:00:00.000Z')).toBe(
      '2010-09-30T15:59:59.000Z',
    );
  });

  it('formats instants and durations as people read them', () => {
    expect(formatInstant('2012-04-09T03:00:00.000Z', ZONE, 'zh')).toBe('2012年4月9日（星期一）11:00');
    expect(formatInstant('2012-04-09T03:00:00.000Z', ZONE, 'en')).toBe('Mon 9 Apr 2012 11:00');
    expect(formatDuration((3 * 24 + 5) * 3600_000, 'zh')).toBe('3天5小时');
    expect(formatDuration(2 * 3600_000, 'en')).toBe('2 h');
  });
});

describe('the seed plans', () => {
  const load = (name: string): Plan =>
    parsePlan(
      readFileSync(
        SHIPPED_PLANS.find((f) => f.includes(name))!,
        'utf8',
      ),
      name,
    );

  it('all five parse and schedule', () => {
    for (const f of SHIPPED_PLANS) {
      const p = parsePlan(readFileSync(f, 'utf8'), f);
      expect(p.obligations.length).toBeGreaterThan(0);
      expect(computeCalendar(p, miniOrg).cycles.length).toBeGreaterThan(0);
    }
  });

  it('000: nominations leave working days before 七一, and only the cycles the seed names open', () => {
    const p = load('000-hnust');
    const cycles = computeCalendar(p, miniOrg).cycles;
    const of = (key: string): string[] => cycles.filter((c) => c.obligationKey === key).map((c) => c.cycleKey);
    const day = (iso: string): string => DateTime.fromISO(iso, { zone: ZONE }).toISODate()!;
    for (const key of ['committee-nominations', 'branch-nominations']) {
      expect(of(key)).toEqual(['2011', '2012']); // "2011年“七一”前…2012年“七一”前", no 2010
      for (const c of cycles.filter((x) => x.obligationKey === key)) {
        const workingDaysLeft = [];
        for (
          let d = DateTime.fromISO(c.dueAt, { zone: ZONE }).plus({ days: 1 });
          d.toISODate()! < `${c.cycleKey}-07-01`;
          d = d.plus({ days: 1 })
        )
          if (isWorkingDay(d.toISODate()!)) workingDaysLeft.push(d.toISODate());
        expect(workingDaysLeft.length).toBeGreaterThanOrEqual(key === 'committee-nominations' ? 10 : 15);
        expect(isWorkingDay(day(c.dueAt))).toBe(true);
      }
    }
    expect(cycles.find((c) => c.obligationKey === 'committee-nominations')!.dueAt).toBe('2011-06-16T15:59:59.000Z');
    expect(of('branch-quarterly-report')[0]).toBe('2010-Q3'); // not the June-only 2010-Q2
    expect(of('committee-quarterly-report')).toHaveLength(8);
    expect(of('mass-evaluation')).toEqual(['2010-H2', '2011-H1', '2011-H2', '2012-H1']);
  });

  it('004: segment 2 runs into July and has a cycle; nothing of the segments falls due after the 18th Congress', () => {
    const p = load('004-template');
    const cal = computeCalendar(p, miniOrg);
    const w = Object.fromEntries(cal.windows.map((x) => [x.key, x]));
    // "第二时段:从2023年1月开始至2023年7月" / "第三时段:从2023年7月开始": 1 July is segment 2's.
    expect(w['segment-2']!.endAt).toBe(local('2011-07-02T00:00').toUTC().toISO());
    expect(w['segment-3']!.startAt).toBe(w['segment-2']!.endAt);
    expect(cal.cycles.filter((c) => c.phaseKey === 'segment-2').length).toBeGreaterThan(0);
    const congress = Date.parse(local('2012-11-08T00:00').toUTC().toISO()!);
    const segments = cal.cycles.filter((c) => c.phaseKey.startsWith('segment-'));
    expect(segments.filter((c) => Date.parse(c.dueAt) >= congress)).toEqual([]);
    // The summaries ("2023年底前全面回忆总结", i.e. 2012) fall in the summary phase, before 2013.
    const summary = cal.cycles.filter((c) => c.phaseKey === 'summary').map((c) => c.obligationKey);
    expect(summary.sort()).toEqual(['branch-summary', 'committee-summary']);
    for (const r of cal.reviews.filter((x) => x.obligationKey === 'branch-summary'))
      expect(r.review.dueAt < '2012-12-31T16:00:00.000Z').toBe(true);
  });

  it('001: the leader reviews, the evaluation and the commendation "2012年底前" are scheduled, and preview says how', () => {
    const p = load('001-changzhou');
    const cal = computeCalendar(p, miniOrg);
    expect(cal.reviews.map((r) => r.review.obligationKey).sort()).toEqual([
      'branch-commitment.review',
      'branch-summary.review',
      'member-commitment.review',
    ]);
    const endOf2012 = '2012-12-31T16:00:00.000Z';
    for (const key of ['mass-evaluation', 'nominations']) {
      const c = cal.cycles.find((x) => x.obligationKey === key)!;
      expect(c.phaseKey).toBe('exemplars');
      expect(c.dueAt < endOf2012).toBe(true);
      expect(p.obligations.find((o) => o.key === key)!.dateNote).toContain('种子');
    }
    const table = cli('preview', 'plans/001-changzhou.yaml');
    expect(table).toContain('日期说明：种子只说“2012年底前”专项表彰');
    expect(table).toContain('领导点评：学校党委成员点评（党支部总结）');
  });

  it('001: branch implementation plans are due at the end of 31 July 2010, China time', () => {
    const p = load('001-changzhou');
    const c = computeCalendar(p, miniOrg).cycles.find((x) => x.dueAt === '2010-07-31T15:59:59.000Z');
    expect(c).toBeDefined();
    expect(p.obligations.find((o) => o.key === c!.obligationKey)!.submitters.level).toBe('branch');
  });

  it('002: the two summary tables are due 9 April 2012 11:00 China time', () => {
    const p = load('002-harbin');
    const due = computeCalendar(p, miniOrg).cycles.filter((x) => x.dueAt === '2012-04-09T03:00:00.000Z');
    expect(due).toHaveLength(2);
  });

  it('003: four phases, the last ended by the committee', () => {
    const p = load('003-changchun');
    expect(p.phases).toHaveLength(4);
    expect(p.phases[3]!.end).toBe('by-committee');
  });
});

describe('the preview command', () => {
  it('prints every instant as a table, and as JSON for machines', () => {
    const table = cli('preview', 'plans/001-changzhou.yaml');
    expect(table).toContain('2010年7月31日（星期六）23:59');
    const json = JSON.parse(
      cli('preview', 'plans/002-harbin.yaml', '--org', 'plans/orgs/sample-university.yaml', '--json'),
    ) as { cycles: { dueAt: string }[]; deadlines: unknown[] };
    expect(json.cycles.some((c) => c.dueAt === '2012-04-09T03:00:00.000Z')).toBe(true);
    expect(json.deadlines.length).toBeGreaterThan(40);
  });

  it('shows the leader reviews: each cycle with its review, each report with its reviewer (--json)', () => {
    type Step = { step: string; kind: string; at: string };
    type Review = { obligationKey: string; opensAt: string; dueAt: string; dueOnHoliday: boolean; steps: Step[] };
    const json = JSON.parse(
      cli('preview', 'plans/000-hnust.yaml', '--org', 'plans/orgs/sample-university.yaml', '--json'),
    ) as {
      cycles: { obligationKey: string; cycleKey: string; dueAt: string; review?: Review & { title: string } }[];
      deadlines: ({ role: string; id: string; unitId: string; reviewedUnitId?: string } & Review)[];
    };
    const cycle = json.cycles.find((c) => c.obligationKey === 'branch-quarterly-report' && c.cycleKey === '2011-Q4')!;
    // The report is due Tue 10 Jan 2012; the committee leader's comment 15 days later, Wed 25
    // January, in the Spring Festival: flagged, as the plan keeps days off for this obligation.
    expect(cycle.review).toMatchObject({
      obligationKey: 'branch-quarterly-report.review',
      title: '直属党委（总支）负责人点评',
      opensAt: cycle.dueAt,
      dueAt: '2012-01-25T15:59:59.000Z',
      dueOnHoliday: true,
    });
    expect(cycle.review!.steps.map((s) => s.kind)).toEqual(expect.arrayContaining(['notice', 'reminder', 'due']));
    const reviews = json.deadlines.filter(
      (d) => d.role === 'review' && d.id.startsWith('hnust-2010/branch-quarterly-report.review/2011-Q4/'),
    );
    const reports = json.deadlines.filter(
      (d) => d.role === 'report' && d.id.startsWith('hnust-2010/branch-quarterly-report/2011-Q4/'),
    );
    expect(reviews).toHaveLength(reports.length);
    expect(reviews.find((r) => r.reviewedUnitId === 'b-mech-01')).toMatchObject({
      unitId: 'c-mech',
      dueAt: '2012-01-25T15:59:59.000Z',
    });
    // The table shows the review with its flag.
    const table = cli('preview', 'plans/000-hnust.yaml');
    expect(table).toContain('领导点评：直属党委（总支）负责人点评');
    expect(table).toContain('2012年1月25日（星期三）23:59（注意：节假日）');
  });

  it('names the file, the line and the field of a bad plan, and exits non-zero', () => {
    let out = '';
    try {
      cli('preview', 'test/fixtures/mini-org.yaml');
    } catch (err) {
      out = String((err as { stderr: string }).stderr);
    }
    expect(out).toMatch(/error \[PLAN_INVALID\]: plan test\/fixtures\/mini-org.yaml is invalid/);
    expect(out).toMatch(/test\/fixtures\/mini-org.yaml:\d+:\d+ /);
  });
});
