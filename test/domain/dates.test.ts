/**
 * Dates and date-times must be real instants of the plan's zone: leap days yes, 30 February and
 * month 13 no, and no local time that the clocks skip. Requests are held to the same rule.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { DateTime, IANAZone } from 'luxon';
import {
  dateProblem,
  FIRST_YEAR,
  isEngineInstant,
  isTimeZone,
  LAST_YEAR,
  localDateTimeProblem,
  requestInstant,
} from '../../domain/dates';
import { parsePlan } from '../../domain/plan-loader';
import { computeCalendar } from '../../domain/calendar';

const MINI = readFileSync(`${__dirname}/../fixtures/mini-plan.yaml`, 'utf8');

describe('real dates', () => {
  it('knows leap years, month lengths and the calendar', () => {
    expect(dateProblem('2012-02-29')).toBeUndefined();
    expect(dateProblem('2000-02-29')).toBeUndefined();
    expect(dateProblem('2100-02-29')).toContain('2100-02 has 28 days');
    expect(dateProblem('2010-02-29')).toContain('2010-02 has 28 days');
    expect(dateProblem('2010-04-31')).toContain('2010-04 has 30 days');
    expect(dateProblem('2010-13-45')).toContain('no month 13');
    expect(dateProblem('2010-00-10')).toContain('no month 0');
    expect(dateProblem('2010-7-1')).toContain('not a date YYYY-MM-DD');
  });

  it('refuses a local time the zone skips, and keeps one it repeats', () => {
    // China kept summer time from 1986 to 1991: on 4 May 1986 the clocks went from 02:00 to 03:00.
    expect(localDateTimeProblem('1986-05-04T02:30', 'Asia/Shanghai')).toContain('does not exist in Asia/Shanghai');
    expect(localDateTimeProblem('2010-05-04T02:30', 'Asia/Shanghai')).toBeUndefined();
    expect(localDateTimeProblem('2010-03-14T02:30', 'America/New_York')).toContain('does not exist');
    // The hour the clocks go back happens twice: it exists.
    expect(localDateTimeProblem('2010-11-07T01:30', 'America/New_York')).toBeUndefined();
    expect(localDateTimeProblem('2010-06-01T23:60', 'Asia/Shanghai')).toContain('no such time of day');
  });

  it('reads request instants in the campaign zone, or with their own offset, and names the field', () => {
    expect(requestInstant('2010-08-15T17:00', 'Asia/Shanghai', '--until')).toBe('2010-08-15T09:00:00.000Z');
    expect(requestInstant('2010-08-15', 'Asia/Shanghai', '--as-of')).toBe('2010-08-14T16:00:00.000Z');
    expect(requestInstant('2010-08-15T09:00Z', 'Asia/Shanghai', '--until')).toBe('2010-08-15T09:00:00.000Z');
    expect(() => requestInstant('2010-02-30T10:00', 'Asia/Shanghai', '--until')).toThrow(
      /--until: "2010-02-30" is not a day of the calendar/,
    );
    expect(() => requestInstant('2010-02-30T10:00Z', 'Asia/Shanghai', '--until')).toThrow(/not a day of the calendar/);
    expect(() => requestInstant('1986-05-04T02:30', 'Asia/Shanghai', 'newDueAt')).toThrow(
      /newDueAt: .* does not exist in Asia\/Shanghai/,
    );
    expect(() => requestInstant('next friday', 'Asia/Shanghai', '--as-of')).toThrow(/--as-of: "next friday" is not/);
  });
});

describe("the engine's own instants, read the quick way", () => {
  /** The slow way, luxon's: what the quick answer must agree with whenever it says yes. */
  const luxonSaysInstant = (text: string): boolean => {
    const dt = DateTime.fromISO(text, { setZone: true });
    return dt.isValid && dt.year >= FIRST_YEAR && dt.year <= LAST_YEAR;
  };

  it('takes every instant the engine writes, of the years the calendar knows', () => {
    const inYears = fc.integer({ min: Date.UTC(FIRST_YEAR, 0, 1), max: Date.UTC(LAST_YEAR, 11, 31, 23, 59, 59, 999) });
    fc.assert(
      fc.property(inYears, (ms) => {
        const text = new Date(ms).toISOString();
        expect(isEngineInstant(text)).toBe(true);
        expect(isEngineInstant(DateTime.fromMillis(ms).toUTC().toISO()!)).toBe(true);
        expect(luxonSaysInstant(text)).toBe(true);
      }),
    );
  });

  it('says yes only where luxon does, and leaves every other form to it', () => {
    const cases: Array<[string, boolean]> = [
      ['2012-02-29T00:00:00.000Z', true],
      ['2010-02-29T00:00:00.000Z', false], // Date.parse rolls it into March
      ['2010-02-30T15:59:59.000Z', false],
      ['2010-04-31T00:00:00.000Z', false],
      ['2010-06-15T24:00:00.000Z', false],
      ['2010-13-01T00:00:00.000Z', false],
      ['1969-12-31T23:59:59.999Z', false], // before the calendar's years
      ['2101-01-01T00:00:00.000Z', false],
      ['2010-06-15T10:00:00.000+08:00', false], // an offset: luxon reads it
      ['2010-06-15T02:00:00Z', false],
      ['2010-06-15', false],
      [' 2010-06-15T02:00:00.000Z', false],
    ];
    for (const [text, quick] of cases) {
      expect([text, isEngineInstant(text)]).toEqual([text, quick]);
      if (quick) expect(luxonSaysInstant(text)).toBe(true);
    }
    fc.assert(fc.property(fc.string(), (text) => !isEngineInstant(text) || luxonSaysInstant(text)));
  });

  it('knows a time zone as luxon does, however often it is asked', () => {
    for (const zone of [
      'Asia/Shanghai',
      'UTC',
      'America/New_York',
      'Asia/Shanghai',
      'Mars/Olympus',
      '',
      'asia/shanghai',
    ])
      for (let i = 0; i < 2; i++) expect([zone, isTimeZone(zone)]).toEqual([zone, IANAZone.isValidZone(zone)]);
  });
});

describe('a plan with an impossible date', () => {
  it('is refused at the edge with file, line and field, and never reaches the calendar', () => {
    const text = MINI.replace("due: { at: '2010-06-25' }", "due: { at: '2010-02-30' }");
    const line = text.split('\n').findIndex((l) => l.includes("'2010-02-30'")) + 1;
    expect(() => parsePlan(text, 'plans/bad.yaml')).toThrow(
      `plans/bad.yaml:${line}:16 obligations[0].due.at: "2010-02-30" is not a day of the calendar`,
    );
  });

  it('leap days pass and the calendar places them', () => {
    const text = MINI.replace("due: { at: '2010-06-25' }", "due: { at: '2012-02-29T11:00' }")
      .replace("start: '2010-06-01'", "start: '2012-02-01'")
      .replace("end: '2010-06-30'", "end: '2012-03-31'")
      .replace("start: '2010-07-01'", "start: '2012-04-01'")
      .replace("end: '2010-12-31'", "end: '2012-12-31'")
      .replace("start: '2011-01-01'", "start: '2013-01-01'")
      .replace("due: { at: '2011-01-20' }", "due: { at: '2013-01-20' }");
    const plan = parsePlan(text, 'leap.yaml');
    const cal = computeCalendar(plan, { officeId: 'office', units: {}, order: [] });
    expect(cal.cycles.find((c) => c.obligationKey === 'branch-plan')!.dueAt).toBe('2012-02-29T03:00:00.000Z');
  });
});
