/**
 * The console's pure parts, without a server: a deadline's 督办 colour (cellOf) for every state
 * the heatmap shows, a unit's rectification orders open and closed (unitOrders), and the size of
 * the heatmap page at 1,000 branches × 12 cycles (issue 17: under 1 MB).
 */
import { consolePage } from '../../web/console/frame';
import { cellOf, unitOrders, type CampaignContext, type Cell, type Heatmap } from '../../web/console/model';
import { cellText, eventText, heatmapBody, startedLine, stepText } from '../../web/console/pages';
import type { CampaignStart } from '../../ledger/campaign-starts';
import type { DeadlineRow, LedgerEvent } from '../../ledger/types';
import { RECTIFICATION_RANK } from '../../ledger/schema';

const DAY = 86_400_000;
const DUE = '2010-09-25T15:59:59.000Z';
const dueMs = Date.parse(DUE);
/** The ladder step from which the office is told (the mini plan's quarterly report: escalation-2). */
const OFFICE_RANK = 2;
const SOON = 3 * DAY;

function row(over: Partial<DeadlineRow> = {}): DeadlineRow {
  return {
    obligationKey: 'quarterly-report',
    cycleKey: '2010-Q3',
    unitId: 'b-mech-t1',
    committeeId: 'c-mech',
    phaseKey: 'engage',
    dueAt: DUE,
    submittedAt: null,
    lateMs: null,
    waivedAt: null,
    extensions: 0,
    highestEscalation: 0,
    rectificationDeadline: null,
    closedOutcome: null,
    ...over,
  };
}
const at = (ms: number): Cell => cellOf(row(), ms, OFFICE_RANK, SOON);

describe('a deadline’s colour on the heatmap (cellOf)', () => {
  it('is green before the reminder window and blue inside it, never missing', () => {
    expect(at(dueMs - 10 * DAY)).toEqual({ colour: 'green', missing: false, done: false, lateMs: 0 });
    expect(at(dueMs - SOON - 1).colour).toBe('green');
    expect(at(dueMs - SOON)).toEqual({ colour: 'blue', missing: false, done: false, lateMs: 0 });
    expect(at(dueMs - 1).colour).toBe('blue');
  });

  it('is green when handed in on time, even after the due instant', () => {
    const done = row({ submittedAt: '2010-09-24T02:00:00.000Z', lateMs: 0 });
    expect(cellOf(done, dueMs + 20 * DAY, OFFICE_RANK, SOON)).toEqual({
      colour: 'green',
      missing: false,
      done: true,
      lateMs: 0,
    });
  });

  it('is yellow when overdue and never submitted, marked missing, late by the time since the due instant', () => {
    const c = at(dueMs + 2 * DAY);
    expect(c).toEqual({ colour: 'yellow', missing: true, done: false, lateMs: 2 * DAY });
    expect(cellText(c, 'zh')).toBe('未报送，已逾期2天');
  });

  it('tells late-submitted from never-submitted: both yellow, only one missing', () => {
    const late = cellOf(
      row({ submittedAt: '2010-09-27T15:59:59.000Z', lateMs: 2 * DAY }),
      dueMs + 5 * DAY,
      OFFICE_RANK,
      SOON,
    );
    const never = at(dueMs + 5 * DAY);
    expect(late).toEqual({ colour: 'yellow', missing: false, done: true, lateMs: 2 * DAY });
    expect(never).toMatchObject({ colour: 'yellow', missing: true, done: false });
    expect(cellText(late, 'zh')).toBe('迟交2天');
    expect(cellText(never, 'zh')).not.toBe(cellText(late, 'zh'));
  });

  it('stays yellow below the office’s rung of the ladder and turns red on it', () => {
    const now = dueMs + 4 * DAY;
    expect(cellOf(row({ highestEscalation: OFFICE_RANK - 1 }), now, OFFICE_RANK, SOON).colour).toBe('yellow');
    expect(cellOf(row({ highestEscalation: OFFICE_RANK }), now, OFFICE_RANK, SOON)).toEqual({
      colour: 'red',
      missing: true,
      done: false,
      lateMs: 4 * DAY,
    });
    // Handed in late after the office was told: still red (the record), no longer missing.
    const answered = row({ highestEscalation: OFFICE_RANK, submittedAt: '2010-09-30T00:00:00.000Z', lateMs: DAY });
    expect(cellOf(answered, now, OFFICE_RANK, SOON)).toMatchObject({ colour: 'red', missing: false, done: true });
  });

  it('is red under a rectification order, whatever the ladder’s office rung', () => {
    const ordered = row({ highestEscalation: RECTIFICATION_RANK, rectificationDeadline: '2010-10-15T15:59:59.000Z' });
    expect(cellOf(ordered, dueMs + 12 * DAY, RECTIFICATION_RANK, SOON)).toMatchObject({
      colour: 'red',
      missing: true,
    });
  });

  it('is grey when waived, before or after its due instant, and never missing', () => {
    const waived = row({ waivedAt: '2010-09-20T00:00:00.000Z', highestEscalation: OFFICE_RANK });
    for (const now of [dueMs - DAY, dueMs + 30 * DAY])
      expect(cellOf(waived, now, OFFICE_RANK, SOON)).toEqual({
        colour: 'grey',
        missing: false,
        done: false,
        lateMs: 0,
      });
  });

  it('marks a deadline the engine closed as missing as never submitted, even when its due instant is unknown', () => {
    const closed = row({ dueAt: null, closedOutcome: 'missing' });
    expect(cellOf(closed, dueMs, OFFICE_RANK, SOON).missing).toBe(true);
  });
});

describe('a unit’s rectification orders (unitOrders)', () => {
  it('lists the open and the closed ones, each with how it ended, earliest order first', () => {
    const now = '2010-11-01T00:00:00.000Z';
    const orders = unitOrders(
      [
        row({
          cycleKey: '2010-Q1',
          rectificationDeadline: '2010-04-30T00:00:00.000Z',
          submittedAt: '2010-04-20T00:00:00.000Z',
          lateMs: DAY,
          closedOutcome: 'late',
        }),
        row({ cycleKey: '2010-Q2', rectificationDeadline: '2010-07-30T00:00:00.000Z', closedOutcome: 'missing' }),
        row({ cycleKey: '2010-Q3', rectificationDeadline: '2010-10-20T00:00:00.000Z' }),
        row({ cycleKey: '2010-Q4', rectificationDeadline: '2010-11-20T00:00:00.000Z' }),
        row({
          cycleKey: '2011-Q1',
          rectificationDeadline: '2010-12-20T00:00:00.000Z',
          waivedAt: '2010-10-30T00:00:00.000Z',
        }),
        // No order: not listed.
        row({ cycleKey: '2009-Q4', submittedAt: '2010-01-01T00:00:00.000Z', lateMs: 0 }),
      ],
      now,
    );
    expect(orders.map((o) => [o.cycleKey, o.state, o.outcome ?? null, o.at ?? null])).toEqual([
      ['2010-Q1', 'answered', 'late', '2010-04-20T00:00:00.000Z'],
      ['2010-Q2', 'closed', 'missing', null],
      ['2010-Q3', 'overdue', null, null],
      ['2010-Q4', 'open', null, null],
      ['2011-Q1', 'waived', null, '2010-10-30T00:00:00.000Z'],
    ]);
  });
});

describe('the heatmap page at 1,000 branches × 12 cycles', () => {
  it('renders every cell and stays under 1 MB (issue 17’s payload goal) with the bench’s mix of states', () => {
    const cycles = Array.from({ length: 12 }, (_, i) => `${2010 + Math.floor(i / 4)}-Q${(i % 4) + 1}`);
    // Unit ids as plans/generate-org.ts makes them for 1,000 branches (b-<committee>-<nnnn>).
    const unitId = (g: number, i: number): string =>
      `b-${String(g + 1).padStart(3, '0')}-${String(i + 1).padStart(4, '0')}`;
    // The ledger bench's campaign (bench/ledger-data.ts): 70 % on time, 25 % late after two
    // escalations (red), 5 % never handed in under a rectification order (red, the longest hover).
    const cellAt = (n: number): Cell => {
      const r = (n * 7919) % 100;
      if (r < 70) return { colour: 'green', missing: false, done: true, lateMs: 0 };
      if (r < 95) return { colour: 'red', missing: false, done: true, lateMs: 19 * DAY + 23 * 3_600_000 };
      return { colour: 'red', missing: true, done: false, lateMs: 999 * DAY + 23 * 3_600_000 };
    };
    let n = 0;
    const map: Heatmap = {
      obligationKey: 'quarterly-report',
      obligations: ['study-record', 'quarterly-report', 'evaluation', 'commendation'],
      cycles,
      groups: Array.from({ length: 40 }, (_, g) => ({
        committeeId: `c-${String(g + 1).padStart(3, '0')}`,
        name: `第${g + 1}学院党委`,
        rows: Array.from({ length: 25 }, (_, i) => ({
          unitId: unitId(g, i),
          name: `第${g + 1}学院第${i + 1}教工党支部`,
          kind: '教工',
          cells: cycles.map(() => cellAt(n++)),
        })),
      })),
      counts: { green: 0, blue: 0, yellow: 0, red: 0, grey: 0, missing: 0 },
    };
    const c = {
      campaignId: 'bench',
      title: '创先争优活动',
      timeZone: 'Asia/Shanghai',
      now: '2012-12-01T00:00:00.000Z',
      units: [],
      unitById: new Map(),
    } as CampaignContext;
    const body = heatmapBody(
      {
        c,
        map,
        filter: {},
        committees: map.groups.map((g) => ({ id: g.committeeId, name: g.name })),
        kinds: ['教工', '学生', '机关', '教辅后勤'],
        phases: [],
      },
      'zh',
    );
    const page = consolePage('督办热力图', body, {
      lang: 'zh',
      principal: { email: 'office@example.org', role: 'office', posts: ['office'], scope: new Set() },
      path: '/console/bench/o/quarterly-report/',
      campaignId: 'bench',
    });
    expect(page.match(/<td class="h[gr]"><a href="20\d\d-Q\d\/b-\d{3}-\d{4}" title="[^"]+">/g)).toHaveLength(12_000);
    expect(page).toContain('title="未报送，已逾期999天23小时"');
    expect(Buffer.byteLength(page, 'utf8')).toBeLessThan(1_000_000);
  });
});

describe('a message in a deadline’s history (eventText)', () => {
  const c = {
    campaignId: 'mini',
    title: '创先争优测试活动',
    timeZone: 'Asia/Shanghai',
    units: [],
  } as unknown as CampaignContext;
  const sent = (over: Partial<LedgerEvent>): LedgerEvent => ({
    id: 'msg:x:sent',
    campaignId: 'mini',
    kind: 'message-sent',
    at: '2010-06-28T00:30:00.000Z',
    step: 'escalation-2',
    unitId: 'b-mech-s1',
    ...over,
  });

  it('says who the server refused, who it deferred (asked again), and what it said to a message refused whole', () => {
    expect(
      eventText(
        sent({
          recipients: ['chen.jing@example.org'],
          data: { rejected: ['gone@example.org'], deferred: ['li.mech@example.org'] },
        }),
        c,
        'zh',
      ),
    ).toBe(
      '发送邮件 · 第2级督办 · → chen.jing@example.org · 被拒收：gone@example.org · 暂缓投递，稍后重投：li.mech@example.org',
    );
    // Deferred for every recipient: sent to nobody yet.
    expect(
      eventText(sent({ recipients: [], data: { rejected: [], deferred: ['chen.jing@example.org'] } }), c, 'en'),
    ).toBe('message-sent · escalation 2 · deferred, asked again: chen.jing@example.org');
    expect(
      eventText(
        sent({
          id: 'msg:x:to:chen.jing@example.org:sent',
          recipients: ['chen.jing@example.org'],
          data: { redelivery: true },
        }),
        c,
        'zh',
      ),
    ).toBe('发送邮件 · 第2级督办 · → chen.jing@example.org · 补投送达');
    expect(
      eventText(
        sent({ kind: 'message-failed', recipients: ['chen.jing@example.org'], error: '550 mailbox unavailable' }),
        c,
        'zh',
      ),
    ).toBe('邮件发送失败 · 第2级督办 · → chen.jing@example.org · 原因：550 mailbox unavailable');
    // Sent to the committee in the unit's stead.
    expect(eventText(sent({ step: 'reminder-1:to-parent', recipients: ['li.mech@example.org'] }), c, 'zh')).toBe(
      '发送邮件 · 第1次提醒（改发上级转告） · → li.mech@example.org',
    );
    expect(stepText('escalation-1:to-parent', 'en')).toBe('escalation 1, to the committee above instead');
    expect(stepText('notice~resend-2', 'zh')).toBe('报送通知');
  });

  it('says in Chinese why a unit’s step went to its committee, and a person’s reason as written', () => {
    const told = (reason: string): LedgerEvent =>
      sent({ id: 'd:escalated:reminder-1:to-parent', kind: 'escalated', step: 'reminder-1:to-parent', reason });
    expect(eventText(told('mail deferred for 3 days; the parent was told instead'), c, 'zh')).toBe(
      '督办 · 第1次提醒（改发上级转告） · 理由：邮箱连续3天未能接收，已改发上级转告',
    );
    expect(eventText(told('mail rejected'), c, 'zh')).toBe(
      '督办 · 第1次提醒（改发上级转告） · 理由：邮件被拒收，已改发上级转告',
    );
    expect(eventText(told('no usable address; the parent was told instead'), c, 'zh')).toContain(
      '理由：无可用邮箱，已改告上级',
    );
    expect(eventText(told('mail deferred for 3 days; the parent was told instead'), c, 'en')).toBe(
      'escalated · reminder 1, to the committee above instead · reason: mail deferred for 3 days; the parent was told instead',
    );
    expect(eventText(told('联络员更换，重发通知'), c, 'zh')).toContain('理由：联络员更换，重发通知');
  });
});

describe('who started a campaign, on its dashboard (startedLine)', () => {
  const first: CampaignStart = {
    campaignId: 'c',
    at: '2010-05-31T00:00:00.000Z',
    recordedAt: '2026-12-07T06:00:10.000Z',
    by: 'office@example.org',
    via: 'console',
    runId: 'run-1',
    rehearsalScale: 2880,
  };
  const second: CampaignStart = {
    campaignId: 'c',
    at: '2026-12-07T06:30:00.000Z',
    recordedAt: '2026-12-07T06:30:00.000Z',
    by: 'api-token',
    via: 'api',
    runId: 'run-2',
  };

  it('says the latest start in China time with the weekday, and how many came before it', () => {
    const zh = startedLine([first, second], 'Asia/Shanghai', 'zh').toString().replace(/\s+/g, ' ');
    expect(zh).toContain('发起：api-token · 经API · 2026年12月7日（星期一）14:30 · 正式运行');
    expect(zh).toContain('此前曾启动 1 次未成功');
    const en = startedLine([first], 'Asia/Shanghai', 'en').toString().replace(/\s+/g, ' ');
    expect(en).toContain('Started by office@example.org · from the console · Mon 7 Dec 2026 14:00 (China time)');
    expect(en).toContain('a rehearsal, 2880 times real time');
    expect(en).not.toContain('before');
    expect(startedLine([], 'Asia/Shanghai', 'zh')).toBe('');
  });
});
