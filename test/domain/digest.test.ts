/**
 * The weekly digest's instants and contents (domain/digest.ts): 08:30 on the first working day
 * of each week, China's holidays and the weekend days worked in exchange included; each
 * committee's own deadlines and its branches', the office's everyone's, overdue the latest first
 * and due within the week the soonest first, cut to a length with the rest counted.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DateTime } from 'luxon';
import { DIGEST_MAX_LINES, digestsOf, digestWeekKey, nextDigestAt, type OpenDeadlineRow } from '../../domain/digest';
import { parseOrg } from '../../domain/org-loader';

const ZONE = 'Asia/Shanghai';
const local = (s: string): number => DateTime.fromISO(s, { zone: ZONE }).toMillis();
const shown = (ms: number): string => DateTime.fromMillis(ms, { zone: ZONE }).toFormat('yyyy-LL-dd ccc HH:mm');
const org = parseOrg(readFileSync(path.join(__dirname, '../fixtures/mini-org.yaml'), 'utf8'), 'mini-org.yaml');

describe('when the weekly digest goes out', () => {
  it('is 08:30 on a week’s first working day, after the instant given', () => {
    expect(shown(nextDigestAt(local('2010-09-10T10:00'), ZONE))).toBe('2010-09-13 Mon 08:30');
    // The instant itself is not after itself: the next week's.
    expect(shown(nextDigestAt(local('2010-09-13T08:30'), ZONE))).toBe('2010-09-20 Mon 08:30');
    expect(shown(nextDigestAt(local('2010-09-13T08:29'), ZONE))).toBe('2010-09-13 Mon 08:30');
    // 国庆 2010: 1–7 October off; that week's first working day is Friday the 8th.
    expect(shown(nextDigestAt(local('2010-09-27T09:00'), ZONE))).toBe('2010-10-08 Fri 08:30');
    // 春节 2011: 2–8 February off; the week of Monday the 7th starts work on Wednesday the 9th.
    expect(shown(nextDigestAt(local('2011-02-01T09:00'), ZONE))).toBe('2011-02-09 Wed 08:30');
    // 清明 2011: 3–5 April off; the week of Monday the 4th starts work on Wednesday the 6th.
    expect(shown(nextDigestAt(local('2011-03-29T09:00'), ZONE))).toBe('2011-04-06 Wed 08:30');
    // A Sunday worked in exchange (26 September 2010, for 国庆) is not a week's first working day.
    expect(shown(nextDigestAt(local('2010-09-20T09:00'), ZONE))).toBe('2010-09-27 Mon 08:30');
  });

  it('names its week as ISO does, in China time', () => {
    expect(digestWeekKey(local('2010-09-27T08:30'), ZONE)).toBe('2010-W39');
    expect(digestWeekKey(local('2011-01-03T08:30'), ZONE)).toBe('2011-W01');
  });
});

describe('what the weekly digest says', () => {
  const at = local('2010-09-27T08:30');
  const row = (unitId: string, due: string, over: Partial<OpenDeadlineRow> = {}): OpenDeadlineRow => ({
    obligationKey: 'quarterly-report',
    cycleKey: '2010-Q3',
    unitId,
    dueAt: new Date(local(due)).toISOString(),
    highestEscalation: 0,
    rectificationDeadline: null,
    ...over,
  });

  it('tells each committee of its own and its branches’ deadlines, and the office of everyone’s', () => {
    const rows = [
      row('b-mech-s1', '2010-09-25T23:59', { highestEscalation: 1 }),
      row('b-mech-t1', '2010-09-20T23:59'),
      row('b-info-t1', '2010-09-30T17:00'),
      // The committee's own (a leader's review, under the reviewer).
      row('c-mech', '2010-10-03T17:00', { obligationKey: 'quarterly-report.review', cycleKey: '2010-Q3:b-mech-t1' }),
      // Beyond the week, and without a due instant: in nobody's digest.
      row('b-info-s1', '2010-10-20T17:00'),
      row('b-info-s1', '2010-09-01T17:00', { dueAt: null }),
    ];
    const digests = digestsOf(rows, org, at);
    expect(digests.map((d) => d.unitId)).toEqual(['c-mech', 'c-info', 'office']);
    const [mech, info, office] = digests;
    // Overdue the latest first; due the soonest first.
    expect(mech!.overdue.map((l) => l.unitId)).toEqual(['b-mech-t1', 'b-mech-s1']);
    expect(mech!.overdue[1]).toMatchObject({
      escalation: 1,
      rectification: false,
      lateMs: at - local('2010-09-25T23:59'),
    });
    expect(mech!.dueSoon.map((l) => l.obligationKey)).toEqual(['quarterly-report.review']);
    expect(info).toMatchObject({ overdue: [], overdueCount: 0, dueSoonCount: 1 });
    expect(office).toMatchObject({ overdueCount: 2, dueSoonCount: 2 });
    // Nothing owed: no digest at all.
    expect(digestsOf([row('b-info-s1', '2010-10-20T17:00')], org, at)).toEqual([]);
  });

  it('lists at most DIGEST_MAX_LINES of each part and counts the rest', () => {
    const rows = Array.from({ length: DIGEST_MAX_LINES + 5 }, (_, i) =>
      row('b-mech-t1', '2010-09-20T17:00', { cycleKey: `c${String(i).padStart(2, '0')}` }),
    );
    const [mech] = digestsOf(rows, org, at);
    expect(mech!.overdue).toHaveLength(DIGEST_MAX_LINES);
    expect(mech!.overdueCount).toBe(DIGEST_MAX_LINES + 5);
  });
});
