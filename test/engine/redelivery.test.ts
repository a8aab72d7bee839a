/**
 * A recipient the mail server defers (451, a full mailbox or greylisting) while it takes the
 * message for the others is asked again by a workflow of its own (workflows/redelivery.ts), and
 * the deadline goes on meanwhile: on the time-skipping server with a real SMTP server, the mini
 * campaign's branch plans (due 2010-06-25) escalate on 2010-06-29 to each branch with its
 * committee's secretary in copy, and that secretary's mailbox answers 451 until the test lets it
 * take mail. One address deferred for ever is given up on after three days and joins the office's
 * list of what to mend.
 */
import { readFileSync } from 'node:fs';
import { parseOrg } from '../../domain/org-loader';
import { recipientsFor } from '../../domain/recipients';
import { WORKFLOW_TYPES, type RedeliveryResult, type RedeliveryWorkflow } from '../../domain/engine/inputs';
import { dedupeKey } from '../../mail';
import { mailRefusals } from '../../mail/refusals';
import { miniReminder } from '../helpers/mail-message';
import { local, startMiniCampaign, type MiniCampaign } from '../helpers/mini-campaign';
import { startSmtp, type TestSmtp } from '../helpers/smtp';

const SECRETARY = 'li.mech@example.org';
const BRANCH_SECRETARY = 'chen.jing@example.org';
const TASK_QUEUE = 'redelivery';
const org = parseOrg(readFileSync(`${__dirname}/../fixtures/mini-org.yaml`, 'utf8'), 'mini-org.yaml');

describe('a recipient the mail server defers', () => {
  let smtp: TestSmtp;
  let mini: MiniCampaign;
  beforeAll(async () => {
    smtp = await startSmtp();
    mini = await startMiniCampaign({
      taskQueue: TASK_QUEUE,
      origin: '2010-06-10T00:00',
      mailUrl: smtp.url,
      orgByReference: true,
    });
  });
  afterAll(async () => {
    await mini?.stop();
    await smtp?.stop();
  });

  const escalationKey = (unitId: string) => `mini/${unitId}/branch-plan/once/escalation-2`;

  it('holds up no step when it is the only recipient: the batch and the deadline go on, and it reaches her later', async () => {
    // The student branch's secretary, its one address, has a full mailbox on the due day (25 June:
    // the due-day notice, mailed by the batch for its deadlines) and again on Monday 28 June (the
    // first escalation, mailed by each deadline itself).
    const mailbox = async (day: string, key: string): Promise<void> => {
      await mini.until(local(`${day}T00:00`));
      smtp.defer.add(BRANCH_SECRETARY);
      const before = smtp.received.length;
      await mini.until(local(`${day}T12:00`));
      // Sent to nobody yet, and asked again by a workflow of its own.
      expect(await mini.ledger.get(`msg:${key}:sent`)).toMatchObject({
        recipients: [],
        data: { deferred: [BRANCH_SECRETARY] },
      });
      const handle = mini.env.client.workflow.getHandle<RedeliveryWorkflow>(`redelivery/${key}`);
      expect((await handle.describe()).status.name).toBe('RUNNING');
      // The same step reached the other branches; she had nothing yet.
      const since = () => smtp.received.slice(before);
      expect(since().filter((m) => m.envelopeTo.includes(BRANCH_SECRETARY))).toEqual([]);
      expect(since().filter((m) => m.envelopeTo.includes('yang.fan@example.org'))).toHaveLength(1);
      // Her mailbox takes mail again: the message reaches her once, on the next try.
      smtp.defer.delete(BRANCH_SECRETARY);
      await mini.until(local(`${day}T16:00`));
      expect(await handle.result()).toEqual({ delivered: [BRANCH_SECRETARY], refused: [], abandoned: [] });
      const toHer = since().filter((m) => m.envelopeTo.includes(BRANCH_SECRETARY));
      expect(toHer.map((m) => m.mail.messageId)).toEqual([(await mini.ledger.get(`msg:${key}:sent`))?.messageId]);
    };
    await mailbox('2010-06-25', 'mini/b-mech-s1/branch-plan/once/due');
    // The deadline went on to its escalation on time (a step held up would have waited for her mailbox).
    await mailbox('2010-06-28', 'mini/b-mech-s1/branch-plan/once/escalation-1');
    expect((await mailRefusals(mini.ledger, 'mini')).failures).toEqual([]);
  });

  it('is asked again until the message reaches her, while the deadline goes on', async () => {
    // Her mailbox fills the day before.
    await mini.until(local('2010-06-28T20:00'));
    smtp.defer.add(SECRETARY);
    const before = smtp.received.length;
    await mini.until(local('2010-06-29T20:00'));
    for (const unitId of ['b-mech-t1', 'b-mech-s1']) {
      const sent = await mini.ledger.get(`msg:${escalationKey(unitId)}:sent`);
      expect([unitId, sent?.recipients, sent?.data?.deferred]).toEqual([unitId, [expect.any(String)], [SECRETARY]]);
      const run = await mini.env.client.workflow.getHandle(`redelivery/${escalationKey(unitId)}`).describe();
      expect([unitId, run.status.name]).toEqual([unitId, 'RUNNING']);
    }
    // She got nothing yet; the branches did; nothing for the roster to mend.
    const toHerSince = () => smtp.received.slice(before).filter((m) => m.envelopeTo.includes(SECRETARY));
    expect(toHerSince()).toEqual([]);
    expect((await mailRefusals(mini.ledger, 'mini')).failures).toEqual([]);

    // Her mailbox takes mail again; the next try (at most two hours on) delivers both.
    smtp.defer.delete(SECRETARY);
    await mini.until(local('2010-06-30T04:00'));
    for (const unitId of ['b-mech-t1', 'b-mech-s1']) {
      const handle = mini.env.client.workflow.getHandle<RedeliveryWorkflow>(`redelivery/${escalationKey(unitId)}`);
      expect([unitId, await handle.result()]).toEqual([unitId, { delivered: [SECRETARY], refused: [], abandoned: [] }]);
      expect(await mini.ledger.get(`msg:${escalationKey(unitId)}:to:${SECRETARY}:sent`)).toMatchObject({
        kind: 'message-sent',
        recipients: [SECRETARY],
        step: 'escalation-2',
      });
    }
    const toHer = toHerSince();
    expect(toHer.map((m) => m.envelopeTo)).toEqual([[SECRETARY], [SECRETARY]]);
    expect(toHer.every((m) => /督办|逾期/.test(m.mail.subject ?? ''))).toBe(true);
    // The escalation ladder went on meanwhile: escalation-3 (2 July) is still ahead, the deadlines open.
    expect(
      (await mini.ledger.deadlineRows({ campaignId: 'mini', obligationKey: 'branch-plan', open: true })).length,
    ).toBe(4);
  });

  it('is given up on after three days, and the address joins the list of what to mend', async () => {
    const gone = 'gone@example.org';
    smtp.defer.clear();
    smtp.defer.add(gone);
    const message = miniReminder(org, {
      step: 'escalation-9',
      kind: 'escalation',
      ...recipientsFor(org, 'b-mech-t1', ['unit']),
      cc: [{ name: '已调离', email: gone, role: 'parent-secretary' }],
    });
    const handle = await mini.env.client.workflow.start<RedeliveryWorkflow>(WORKFLOW_TYPES.redelivery, {
      workflowId: `redelivery/${dedupeKey(message)}`,
      taskQueue: TASK_QUEUE,
      args: [{ message, recipients: [gone] }],
    });
    const result: RedeliveryResult = await handle.result();
    expect(result).toEqual({ delivered: [], refused: [], abandoned: [gone] });
    const failed = await mini.ledger.get(`msg:${dedupeKey(message)}:to:${gone}:failed`);
    expect(failed?.error).toMatch(/^deferred, not delivered within 3 days: .*451 mailbox gone@example\.org busy/);
    const { failures } = await mailRefusals(mini.ledger, 'mini');
    expect(failures.filter((f) => f.recipients.includes(gone))).toHaveLength(1);
    expect(smtp.received.filter((m) => m.envelopeTo.includes(gone))).toEqual([]);
    // The branch's own address took the escalation, and 李书记 was in copy: nobody is told in its stead.
    expect(await mini.ledger.get(`msg:${dedupeKey(message)}:to-parent:sent`)).toBeUndefined();
    expect(await mini.ledger.get('mini/quarterly-report/2010-Q3/b-mech-t1:escalated:escalation-9:to-parent')).toBe(
      undefined,
    );
  });

  it('a reminder its unit never took in three days goes to the committee in its stead', async () => {
    // 杨帆's mailbox (信息学院教工党支部's one address) stays full: a reminder to her alone.
    const yang = 'yang.fan@example.org';
    smtp.defer.clear();
    smtp.defer.add(yang);
    const before = smtp.received.length;
    const message = miniReminder(org, {
      step: 'reminder-9',
      unitId: 'b-info-t1',
      unitName: '信息学院教工党支部',
      ...recipientsFor(org, 'b-info-t1', ['unit']),
    });
    const handle = await mini.env.client.workflow.start<RedeliveryWorkflow>(WORKFLOW_TYPES.redelivery, {
      workflowId: `redelivery/${dedupeKey(message)}`,
      taskQueue: TASK_QUEUE,
      args: [{ message, recipients: [yang] }],
    });
    expect(await handle.result()).toEqual({ delivered: [], refused: [], abandoned: [yang] });
    // Her committee's secretary gets it, told why and asked to pass it on, with the branch's own link.
    const instead = await mini.ledger.get(`msg:${dedupeKey({ ...message, step: 'reminder-9:to-parent' })}:sent`);
    expect(instead?.recipients).toEqual(['zhao.info@example.org']);
    const mail = smtp.received.find((m) => m.mail.messageId === instead?.messageId);
    expect(mail?.envelopeTo).toEqual(['zhao.info@example.org']);
    expect(mail?.mail.text).toContain(
      '信息学院教工党支部的邮箱 yang.fan@example.org 连续3天未能接收本通知（对方邮件服务器暂拒，如邮箱已满），本通知改发给您，请转告该单位',
    );
    expect(mail?.mail.text).toContain('上级党委书记（代为转告）');
    expect(smtp.received.slice(before).filter((m) => m.envelopeTo.includes(yang))).toEqual([]);
    // Her address is on the list of what to mend.
    const { failures } = await mailRefusals(mini.ledger, 'mini');
    expect(failures.filter((f) => f.recipients.includes(yang))).toHaveLength(1);
    // And the deadline's history says why her committee heard of it, three days after the reminder.
    expect(
      await mini.ledger.get('mini/quarterly-report/2010-Q3/b-info-t1:escalated:reminder-9:to-parent'),
    ).toMatchObject({
      kind: 'escalated',
      at: '2010-09-25T01:00:00.000Z',
      unitId: 'b-info-t1',
      committeeId: 'c-info',
      step: 'reminder-9:to-parent',
      reason: 'mail deferred for 3 days; the parent was told instead',
      data: { undeliveredTo: yang },
    });
  });
});
