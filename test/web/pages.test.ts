/**
 * The submission page as a person reads it, rendered from a deadline's view: a late receipt says
 * by how long and keeps the form away; an open deadline shows its form, due instant and colour.
 */
import type { DeadlineView } from '../../web/deadlines';
import { deadlinePage } from '../../web/pages';
import type { LedgerEvent } from '../../ledger/types';

const base: DeadlineView = {
  target: {
    campaignId: 'mini',
    obligationKey: 'quarterly-report',
    cycleKey: '2010-Q3',
    unitId: 'b-mech-t1',
    purpose: 'submit',
  },
  campaignTitle: '创先争优活动',
  timeZone: 'Asia/Shanghai',
  now: '2010-09-27T02:00:00.000Z',
  ended: false,
  obligationTitle: '季度工作汇报',
  source: '每季度向上级党委汇报一次',
  cycleKey: '2010-Q3',
  unitName: '机械学院教工第一党支部',
  deadlineId: 'mini/quarterly-report/2010-Q3/b-mech-t1',
  remindersSent: [],
  expired: false,
  nominates: false,
  extension: { requests: [] },
};

const status = (state: 'yellow' | 'closed') =>
  ({
    deadlineId: base.deadlineId,
    campaignId: 'mini',
    obligationKey: 'quarterly-report',
    cycleKey: '2010-Q3',
    unitId: 'b-mech-t1',
    state,
    opensAt: '2010-09-01T00:00:00.000Z',
    dueAt: '2010-09-25T15:59:00.000Z',
    stepsDone: ['notice', 'overdue'],
  }) as unknown as DeadlineView['status'];

describe('the submission page', () => {
  it('shows a late receipt with how late, its number and both instants in China time, and no form to report again', () => {
    const view: DeadlineView = {
      ...base,
      status: status('closed'),
      receipt: {
        deadlineId: base.deadlineId,
        unitId: 'b-mech-t1',
        receivedAt: '2010-09-26T18:00:00.000Z',
        dueAt: '2010-09-25T15:59:00.000Z',
        onTime: false,
        lateMs: 26 * 3600_000 + 60_000,
        by: '刘洋',
        number: 'R1A2B-3C4D-5E6F',
      },
      report: {
        at: '2010-09-26T18:00:00.000Z',
        by: '刘洋',
        text: '第三季度汇报',
        attachments: [],
        corrections: [],
        earlierAttachments: [],
        requestedAttachments: [],
      },
    };
    const page = deadlinePage(view, 'v1.token.mac', 'csrf', false);
    expect(page).toContain('报送回执');
    expect(page).toContain('已收到，迟交1天2小时');
    expect(page).toContain('class="late"');
    expect(page).toContain('R1A2B-3C4D-5E6F');
    expect(page).toContain('2010年9月27日（星期一）02:00'); // received, China time with the weekday
    expect(page).toContain('2010年9月25日（星期六）23:59'); // due
    // No form to report again; only the request for a correction, which the office decides.
    expect(page).not.toContain('action="/s/v1.token.mac"');
    expect(page).not.toContain('提交报送');
    expect(page.match(/<form /g)).toHaveLength(1);
    expect(page).toContain('action="/s/v1.token.mac/correction"');
    expect(page).toContain('提交更正申请');
  });

  it('shows an open deadline with its seed sentence, colour and form', () => {
    const page = deadlinePage({ ...base, status: status('yellow') }, 'v1.token.mac', 'csrf-token', false);
    expect(page).toContain('每季度向上级党委汇报一次');
    expect(page).toContain('state-yellow');
    expect(page).toContain('2010年9月25日（星期六）23:59');
    expect(page).toMatch(/<form method="post" action="\/s\/v1\.token\.mac"/);
    expect(page).toContain('value="csrf-token"');
  });

  it('offers an open deadline a request for more time, a week past its due instant; a request pending replaces the form', () => {
    const open = deadlinePage({ ...base, status: status('yellow') }, 'v1.token.mac', 'csrf', false);
    expect(open).toContain('action="/s/v1.token.mac/extension"');
    // Due 23:59 on Saturday 25 September China time: offered 23:59 on 2 October.
    expect(open).toContain('name="until" required value="2010-10-02T23:59"');

    const asked: LedgerEvent = {
      id: 'mini/quarterly-report/2010-Q3/b-mech-t1:extension-request:1',
      campaignId: 'mini',
      kind: 'extension-requested',
      at: '2010-09-20T02:00:00.000Z',
      actor: '刘洋',
      reason: '书记出差',
      data: { request: 1, until: '2010-10-08T09:00:00.000Z' },
    };
    const pending = deadlinePage(
      { ...base, status: status('yellow'), extension: { requests: [asked], pending: asked } },
      'v1.token.mac',
      'csrf',
      false,
    );
    expect(pending).not.toContain('/extension"');
    expect(pending.replace(/\s+/g, ' ')).toContain(
      '已于 2010年9月20日（星期一）10:00（北京时间） 申请延期至 2010年10月8日（星期五）17:00（北京时间）（刘洋），理由：书记出差',
    );

    const declined: LedgerEvent = {
      ...asked,
      id: `${asked.id}-d`,
      kind: 'extension-declined',
      actor: '组织部',
      reason: '不属于特殊情况',
      data: { request: 1 },
    };
    const again = deadlinePage(
      { ...base, status: status('yellow'), extension: { requests: [asked], declined } },
      'v1.token.mac',
      'csrf',
      false,
    );
    expect(again).toContain('答复：不予延期，理由：不属于特殊情况');
    expect(again).toContain('action="/s/v1.token.mac/extension"');

    // Answered or closed: nothing to extend.
    expect(deadlinePage({ ...base, status: status('closed') }, 't', 'csrf', false)).not.toContain('/extension"');
  });
});
