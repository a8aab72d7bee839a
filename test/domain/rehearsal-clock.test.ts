/** The clock of a campaign run on its plan's own calendar (`start --rehearse-speed`, the API's `rehearseSpeed`). */
import { planTime, rehearsalClock } from '../../domain/clock';

const plan = { timeZone: 'Asia/Shanghai', phases: [{ start: '2010-06-01' }, { start: '2010-07-01' }] };

describe('rehearsalClock', () => {
  it('starts at midnight of the day before the first phase, in the plan’s zone', () => {
    const clock = rehearsalClock(plan, 60, 1_000_000);
    expect(new Date(planTime(clock, 1_000_000)).toISOString()).toBe('2010-05-30T16:00:00.000Z');
    // A server second is a plan minute.
    expect(planTime(clock, 1_001_000) - planTime(clock, 1_000_000)).toBe(60_000);
  });

  it('starts at the instant given, and refuses a speed that is none', () => {
    expect(rehearsalClock(plan, 1, 5, Date.parse('2010-06-15T01:00:00Z'))).toEqual({
      originPlanMs: Date.parse('2010-06-15T01:00:00Z'),
      originServerMs: 5,
      scale: 1,
    });
    expect(() => rehearsalClock(plan, 0, 5)).toThrow(/positive number/);
    expect(() => rehearsalClock(plan, Number.NaN, 5)).toThrow(/positive number/);
    expect(() => rehearsalClock({ ...plan, phases: [] }, 2, 5)).toThrow(/no phase/);
  });
});
