/**
 * The weekly digest (每周督办简报) on the time-skipping server, with the mini campaign, its
 * organisation stored by reference as the command line starts it, and a real SMTP server: each
 * Monday at 08:30 plan time (the first working day of a holiday week), every committee with
 * anything overdue or due within the week is mailed its list, with each deadline's signed link,
 * and the office the whole university's; a report handed in leaves the list; a week with nothing
 * owed mails nobody. Turned off it stops; on again, it ends by itself once the campaign ends.
 */
import path from 'node:path';
import { digestInputOf, digestOn, startDigest, stopDigest } from '../../client/digest';
import { digestWorkflowId } from '../../domain/engine/context';
import { loadPlanFile } from '../../plans/load';
import { local, startMiniCampaign, type MiniCampaign } from '../helpers/mini-campaign';
import { startSmtp, type TestSmtp } from '../helpers/smtp';

const QUEUE = 'weekly-digest';

describe('the weekly digest', () => {
  let smtp: TestSmtp;
  let mini: MiniCampaign;
  beforeAll(async () => {
    smtp = await startSmtp();
    mini = await startMiniCampaign({
      taskQueue: QUEUE,
      origin: '2010-09-10T10:00',
      mailUrl: smtp.url,
      orgByReference: true,
    });
  });
  afterAll(async () => {
    await mini?.stop();
    await smtp?.stop();
  });

  const digests = () => smtp.received.filter((r) => /【督办简报】/.test(r.mail.subject ?? ''));
  const digestTo = (email: string, date: string) =>
    digests().find((r) => r.envelopeTo.includes(email) && (r.mail.subject ?? '').includes(date));

  it('mails each committee and the office their lists on Monday morning, and nothing twice', async () => {
    const plan = await loadPlanFile(path.join(__dirname, '../fixtures/mini-plan.yaml'));
    const input = digestInputOf(plan, mini.clock);
    expect(await startDigest(mini.env.client, QUEUE, input)).toBe('started');
    // On already: the one running stays.
    expect(await startDigest(mini.env.client, QUEUE, input)).toBe('running');

    // Monday 13 September, 08:30: the branch plans owed since June, under a rectification order;
    // the third quarter's report is due on the 25th, beyond the week.
    await mini.until(local('2010-09-13T12:00'));
    const first = digestTo('li.mech@example.org', '2010年9月13日')!;
    expect(first.mail.subject).toBe('【督办简报】机械工程学院党委：逾期未报2项，7日内到期0项（2010年9月13日）');
    expect(first.mail.text).toContain(
      '· 机械学院本科生第一党支部「支部实施方案」已逾期79天8小时，已下达整改通知（截止2010年6月25日（星期五）23:59）\n' +
        '  http://localhost/submit/mini/branch-plan/once/b-mech-s1',
    );
    expect(first.mail.text).toContain('7日内到期（0项）：\n无');
    expect(digests()).toHaveLength(3);

    // Monday 20 September, 08:30: and now the report due within the week for every branch.
    await mini.until(local('2010-09-20T12:00'));
    const mech = digestTo('li.mech@example.org', '2010年9月20日');
    expect(mech).toBeDefined();
    expect(mech!.mail.subject).toBe('【督办简报】机械工程学院党委：逾期未报2项，7日内到期2项（2010年9月20日）');
    const text = mech!.mail.text ?? '';
    expect(text).toContain(
      '截至2010年9月20日（星期一）08:30，创先争优测试活动中机械工程学院党委及所属单位尚未报送的事项如下。',
    );
    expect(text).toMatch(/机械学院教工第一党支部「2010年第三季度工作汇报」2010年9月25日（星期六）23:59截止（还有5天/);
    expect(text).toMatch(/机械学院本科生第一党支部「2010年第三季度工作汇报」/);
    expect(text).not.toContain('信息学院');
    // Each line's link (signed where the worker has the link secret), to forward to the branch.
    expect(text).toContain('  http://localhost/submit/mini/quarterly-report/2010-Q3/b-mech-t1');
    expect(text).toContain('http://localhost/console/mini');
    const office = digestTo('office@example.org', '2010年9月20日');
    expect(office!.mail.subject).toBe(
      '【督办简报】校党委组织部（创先争优活动领导小组办公室）：逾期未报4项，7日内到期4项（2010年9月20日）',
    );
    expect(office!.mail.text).toContain('全校各单位');
    expect(digests().filter((r) => (r.mail.subject ?? '').includes('2010年9月20日'))).toHaveLength(3);
    expect(digests()).toHaveLength(6);
    const sent = await mini.ledger.events({ campaignId: 'mini', kinds: ['message-sent'], unitId: 'c-mech' });
    expect(sent.filter((e) => e.step === 'digest-2010-W38')).toHaveLength(1);
  });

  it('leaves out what was handed in, and says how late the rest are', async () => {
    await mini.cc.submit('mini', 'quarterly-report', '2010-Q3', 'b-mech-t1', { by: '刘洋', text: '三季度汇报' });
    // Monday 27 September: the report was due on Saturday the 25th.
    await mini.until(local('2010-09-27T12:00'));
    const mech = digestTo('li.mech@example.org', '2010年9月27日')!;
    // The branch plans and one report overdue; the committee's own review of the report handed in, due on the 30th.
    expect(mech.mail.subject).toBe('【督办简报】机械工程学院党委：逾期未报3项，7日内到期1项（2010年9月27日）');
    const text = mech.mail.text ?? '';
    expect(text).toContain(
      '机械学院本科生第一党支部「2010年第三季度工作汇报」已逾期1天8小时（截止2010年9月25日（星期六）23:59）',
    );
    expect(text).not.toContain('机械学院教工第一党支部「2010年第三季度工作汇报」');
    expect(text).toMatch(/机械工程学院党委「2010年第三季度工作汇报点评」2010年9月30日（星期四）\d\d:\d\d截止/);
  });

  it('is turned off and on again, and ends by itself once the campaign ends', async () => {
    const id = digestWorkflowId('mini');
    expect(await stopDigest(mini.env.client, 'mini')).toBe(true);
    // The cancellation reaches the workflow at its next task.
    for (let i = 0; i < 100 && (await digestOn(mini.env.client, 'mini')); i++)
      await new Promise((r) => setTimeout(r, 100));
    expect((await mini.env.client.workflow.getHandle(id).describe()).status.name).toBe('CANCELLED');
    expect(await stopDigest(mini.env.client, 'mini')).toBe(false);
    const before = digests().length;
    // Off: the Friday of the 国庆 week passes without one.
    await mini.until(local('2010-10-08T12:00'));
    expect(digests()).toHaveLength(before);

    const plan = await loadPlanFile(path.join(__dirname, '../fixtures/mini-plan.yaml'));
    expect(await startDigest(mini.env.client, QUEUE, digestInputOf(plan, mini.clock))).toBe('started');
    await mini.cc.campaign('mini').terminate('the test ends the campaign');
    await mini.until(local('2010-10-11T12:00'));
    expect((await mini.env.client.workflow.getHandle(id).describe()).status.name).toBe('COMPLETED');
    expect(digests()).toHaveLength(before);
  });
});
