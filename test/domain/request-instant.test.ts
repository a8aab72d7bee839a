/**
 * The instant a rehearsal's request names (domain/clock.ts `requestInstant`): taken when it is
 * not in the workflow's future and not further behind than the rehearsal may lag, which on the
 * time-skipping server covers the minutes that one instant's thousands of requests take to
 * arrive, and on a compressed clock stays a minute of server time (days of plan time).
 */
import { requestInstant, type ClockSpec } from '../../domain/clock';

const MIN = 60_000;
const now = Date.parse('2010-06-09T08:00:00Z');
const at = (msBefore: number): string => new Date(now - msBefore).toISOString();

describe('the instant a rehearsal request names', () => {
  const skipping: ClockSpec = { originPlanMs: Date.parse('2010-06-01T00:00:00Z'), originServerMs: 1e12, scale: 1 };
  const compressed: ClockSpec = { ...skipping, scale: 5_400 };
  const live: ClockSpec = { originPlanMs: 1e12, originServerMs: 1e12, scale: 1 };

  it('on the time-skipping server: taken up to ten minutes after it, refused beyond and in the future', () => {
    expect(requestInstant(skipping, now, at(0))).toBe(now);
    // 5,000 submissions of one instant took over a minute to arrive: still theirs.
    expect(requestInstant(skipping, now, at(2 * MIN))).toBe(now - 2 * MIN);
    expect(requestInstant(skipping, now, at(10 * MIN))).toBe(now - 10 * MIN);
    expect(() => requestInstant(skipping, now, at(10 * MIN + 1))).toThrow(
      /is not within the last 600 s of the campaign's clock/,
    );
    expect(() => requestInstant(skipping, now, at(-1))).toThrow(/is not within the last 600 s/);
  });

  it('on a compressed clock: a minute of server time, which is days of plan time', () => {
    expect(requestInstant(compressed, now, at(MIN * 5_400))).toBe(now - MIN * 5_400);
    expect(() => requestInstant(compressed, now, at(MIN * 5_400 + 1))).toThrow(/is not within the last 60 s/);
  });

  it('in a live campaign: the request takes effect when it arrives, whatever it says', () => {
    expect(requestInstant(live, now, at(2 * MIN))).toBe(now);
    expect(requestInstant(live, now, at(-MIN))).toBe(now);
  });
});
