/**
 * A batch mails the steps its deadlines share (since v0.17, `SHARED_STEPS_BY_BATCH`): the
 * notice, the reminders and the due-day notice go out from one activity of the batch for every deadline it
 * still counts open, and each deadline wakes only at the first that changes its colour. On the
 * time-skipping server, with the mini plan (reminders 7 days and 1 day before the due day, then
 * the due-day notice): a branch that submitted is not reminded, one the office extended is
 * reminded by its own deadline for its new due instant and never by the batch, one without an
 * address has its parent told (and the ledger says so), and one whose mail the server rejects
 * has it passed on to its parent, as a deadline of its own would. The deadlines' histories hold
 * no activity for those steps; their status and the batch's counts still say what was sent.
 */
import { DateTime } from 'luxon';
import { temporal } from '@temporalio/proto';
import type { DeadlineMessage, Mailer } from '../../mail/types';
import { batchCountsQuery, deadlineStatusQuery } from '../../workflows/messages';
import { PATCHES } from '../../workflows/patches';
import { DeadlineStateKey } from '../../domain/engine/search-attributes';
import {
  activityNames,
  local,
  localActivityNames,
  patchIds,
  startMiniCampaign,
  type MiniCampaign,
} from '../helpers/mini-campaign';

const EventType = temporal.api.enums.v1.EventType;
const SUBMITTED = 'b-mech-t1';
const EXTENDED = 'b-mech-s1';
const REJECTED = 'b-info-t1'; // its second reminder is refused by the mail server
const UNREACHABLE = 'b-info-s1'; // no address in mini-org.yaml

describe('a batch mails the steps its deadlines share', () => {
  let mini: MiniCampaign;
  /** Every message the engine asked to send, in order: unit, step, recipients. */
  const asked: { unitId: string; step: string; to: string[] }[] = [];
  const stepsTo = (unitId: string): string[] => asked.filter((m) => m.unitId === unitId).map((m) => m.step);

  beforeAll(async () => {
    const recording = (outbox: Mailer): Mailer => ({
      ...outbox,
      async send(msg: DeadlineMessage, opts) {
        const to = msg.to.map((r) => r.email);
        if (msg.kind !== 'receipt' && msg.obligationKey === 'branch-plan')
          asked.push({ unitId: msg.unitId, step: msg.step, to });
        if (msg.unitId === REJECTED && msg.step === 'reminder-2')
          return { status: 'failed', dedupeKey: '', messageId: '', accepted: [], rejected: to, error: '550' };
        return outbox.send(msg, opts);
      },
      close: () => outbox.close(),
    });
    mini = await startMiniCampaign({ taskQueue: 'shared-steps', origin: '2010-06-10T00:00', mailerOf: recording });
  });
  afterAll(() => mini?.stop());

  it('reminds the open deadlines from the batch, and the deadlines wake only for their colour', async () => {
    await mini.until(local('2010-06-12T12:00'));
    await mini.cc.submit('mini', 'branch-plan', 'once', SUBMITTED, { by: '张伟', text: '支部实施方案' });
    const extended = await mini.cc.extend('mini', 'branch-plan', 'once', EXTENDED, {
      by: '王主任',
      reason: '支部换届',
      newDueAt: DateTime.fromISO('2010-07-05T17:00', { zone: 'Asia/Shanghai' }).toUTC().toISO()!,
    });
    expect(extended.state).toBe('green');
    // The answer and the closing were written inside the workflow task that took the answer, by a
    // local activity that also told the batch, and the deadline completed in it (since v0.18,
    // `closesInOneTask`): two workflow tasks in all, its start's and its answer's.
    const submitted = await mini.history(`mini/branch-plan/once/${SUBMITTED}`);
    expect(activityNames(submitted)).toEqual([]);
    expect(localActivityNames(submitted)).toEqual(['recordAndReport']);
    expect(submitted.filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)).toHaveLength(2);
    expect(submitted.at(-1)?.eventType).toBe(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED);
    const written = await mini.ledger.events({ campaignId: 'mini', obligationKey: 'branch-plan', unitId: SUBMITTED });
    expect(written.map((e) => e.kind)).toEqual(expect.arrayContaining(['submission', 'deadline-closed']));

    // After the first reminder: the batch mailed it to the two open branches (one by way of its
    // parent), and counts them blue; the extended one is green, the submitted one closed.
    await mini.until(local('2010-06-20T12:00'));
    const rejected = await mini.cc.deadlineStatus('mini', 'branch-plan', 'once', REJECTED);
    expect(rejected).toMatchObject({ state: 'blue', stepsDone: ['notice', 'reminder-1'] });
    expect(rejected.nextStep).toMatchObject({ step: 'reminder-2', kind: 'reminder' });
    const batch = mini.env.client.workflow.getHandle('mini/branch-plan/once#0');
    expect((await batch.query(batchCountsQuery)).counts).toMatchObject({ green: 1, blue: 2, closed: 1 });

    // Up to the due instant: every shared step went out from the batch, for the open deadlines only.
    await mini.until(Date.parse(rejected.dueAt) - 3_600_000);
    expect(stepsTo(SUBMITTED)).toEqual(['notice']);
    expect(stepsTo(REJECTED)).toEqual(['notice', 'reminder-1', 'reminder-2', 'reminder-2:to-parent', 'due']);
    expect(asked.find((m) => m.unitId === REJECTED && m.step === 'reminder-2:to-parent')?.to).toEqual([
      'zhao.info@example.org',
    ]);
    // Unreachable: each of its steps went to its parent instead.
    expect(stepsTo(UNREACHABLE)).toEqual(['notice', 'reminder-1', 'reminder-2', 'due']);
    expect(asked.filter((m) => m.unitId === UNREACHABLE).every((m) => m.to.join() === 'zhao.info@example.org')).toBe(
      true,
    );
    // The extended one: the notice before its extension, and none of the batch's steps since.
    expect(stepsTo(EXTENDED)).toEqual(['notice']);

    const batchEvents = await mini.history('mini/branch-plan/once#0');
    expect(activityNames(batchEvents)).toEqual([
      'startDeadlines',
      'mailSharedStep',
      'mailSharedStep',
      'mailSharedStep',
      'mailSharedStep',
    ]);
    expect(patchIds(batchEvents)).toContain(PATCHES.SHARED_STEPS_BY_BATCH.id);
    // The open deadline mailed nothing itself, and did not wake: its colour wake would only tell
    // visibility, which this campaign does not keep (since v0.18, `wakesOnlyForVisibility`). Its
    // status, as the client reads it, counts the batch's steps since and their colour all the same.
    const deadlineEvents = await mini.history(rejected.deadlineId);
    expect(activityNames(deadlineEvents)).toEqual([]);
    expect(deadlineEvents.filter((e) => e.eventType === EventType.EVENT_TYPE_TIMER_FIRED)).toEqual([]);
    expect(
      deadlineEvents.filter((e) => e.eventType === EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED),
    ).toEqual([]);
    const beforeDue = await mini.cc.deadlineStatus('mini', 'branch-plan', 'once', REJECTED);
    expect(beforeDue).toMatchObject({ state: 'blue', stepsDone: ['notice', 'reminder-1', 'reminder-2', 'due'] });
    expect(beforeDue.nextStep).toMatchObject({ step: 'escalation-1' });
    expect(beforeDue).not.toHaveProperty('byBatch');
    // By the deadline's own clock (its start, before the notice's instant), the raw query still has them to come, and it green.
    const raw = await mini.env.client.workflow.getHandle(rejected.deadlineId).query(deadlineStatusQuery);
    expect(raw).toMatchObject({ state: 'green', stepsDone: [] });
    expect(raw.byBatch?.steps.map((s) => s.step)).toEqual(['notice', 'reminder-1', 'reminder-2', 'due']);

    // The ledger has what a deadline mailing its own steps would have written, under the same ids.
    const escalated = await mini.ledger.events({
      campaignId: 'mini',
      obligationKey: 'branch-plan',
      kinds: ['escalated'],
    });
    expect(escalated.map((e) => e.id).sort()).toEqual(
      [
        `${rejected.deadlineId}:escalated:reminder-2:to-parent`,
        ...['notice', 'reminder-1', 'reminder-2', 'due'].map(
          (step) => `mini/branch-plan/once/${UNREACHABLE}:escalated:${step}:unreachable`,
        ),
      ].sort(),
    );

    // The extended deadline reminds itself for its new due instant.
    await mini.until(local('2010-07-05T12:00'));
    expect(stepsTo(EXTENDED)).toEqual(['notice', 'reminder-1~ext1', 'reminder-2~ext1', 'due~ext1']);

    for (const unit of [EXTENDED, REJECTED, UNREACHABLE])
      await mini.cc.waive('mini', 'branch-plan', 'once', unit, { by: '组织部', reason: '测试' });
    await expect(batch.result()).resolves.toMatchObject({
      outcomes: { [SUBMITTED]: 'on-time', [EXTENDED]: 'waived', [REJECTED]: 'waived', [UNREACHABLE]: 'waived' },
    });
  });
});

describe('a deadline of a campaign that keeps search attributes, as a deployment runs', () => {
  let mini: MiniCampaign;
  beforeAll(async () => {
    mini = await startMiniCampaign({
      taskQueue: 'shared-steps-visible',
      origin: '2010-06-10T00:00',
      searchAttributes: true,
    });
  });
  afterAll(() => mini?.stop());

  it('wakes once, at the first reminder, to tell visibility it is blue', async () => {
    await mini.until(local('2010-06-20T12:00'));
    const status = await mini.cc.deadlineStatus('mini', 'branch-plan', 'once', REJECTED);
    expect(status).toMatchObject({ state: 'blue', stepsDone: ['notice', 'reminder-1'] });
    const handle = mini.env.client.workflow.getHandle(status.deadlineId);
    expect((await handle.describe()).typedSearchAttributes.get(DeadlineStateKey)).toBe('blue');
    const events = await mini.history(status.deadlineId);
    expect(events.filter((e) => e.eventType === EventType.EVENT_TYPE_TIMER_FIRED)).toHaveLength(1);
    expect(activityNames(events)).toEqual([]);
  });
});
