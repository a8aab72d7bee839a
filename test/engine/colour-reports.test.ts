/**
 * A deadline tells its batch each change of colour from the activity it runs anyway (since v0.16,
 * `COLOUR_REPORTS_IN_ACTIVITIES`): the escalation's mail to the office carries "red", the answer's
 * ledger write carries "closed" together with the deadline-closed event. On the time-skipping
 * server, with the mini plan: the histories show one activity for an answer (a local one since
 * v0.18) and no signal of the deadline's own but the overdue mark's (no mail goes at the due
 * instant), and a submission that comes while the escalation's mail (and its report) is still on
 * its way waits for it, so that the batch never hears "red" after "closed" and finishes. (Since v0.17 the reminders are the batch's:
 * test/engine/shared-steps.test.ts.)
 */
import { temporal } from '@temporalio/proto';
import type { DeadlineMessage, Mailer } from '../../mail/types';
import { batchCountsQuery } from '../../workflows/messages';
import {
  activityNames,
  local,
  localActivityNames,
  patchIds,
  startMiniCampaign,
  type MiniCampaign,
} from '../helpers/mini-campaign';

const EventType = temporal.api.enums.v1.EventType;

/** Holds the mail that `hold` picks until the test lets it go, and says when one is held. */
function holdingMailer(inner: Mailer, hold: (m: DeadlineMessage) => boolean) {
  let held!: () => void;
  const heldNow = new Promise<void>((r) => (held = r));
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const mailer: Mailer = {
    ...inner,
    async send(msg, opts) {
      if (hold(msg)) {
        held();
        await released;
      }
      return inner.send(msg, opts);
    },
    close: () => inner.close(),
  };
  return { mailer, heldNow, release };
}

describe('colour reports ride on the deadline’s activities', () => {
  let mini: MiniCampaign;
  const hold = { unit: 'b-mech-t1', step: 'escalation-3' };
  let held: ReturnType<typeof holdingMailer>;

  beforeAll(async () => {
    mini = await startMiniCampaign({
      taskQueue: 'colour-reports',
      origin: '2010-06-10T00:00',
      mailerOf: (outbox) => {
        held = holdingMailer(outbox, (m) => m.unitId === hold.unit && m.step === hold.step && m.kind !== 'receipt');
        return held.mailer;
      },
    });
  });
  afterAll(async () => {
    held?.release();
    await mini?.stop();
  });

  it('tells the batch red with the escalation to the office, and closed with the answer, in order', async () => {
    const { until, history, cc, env, ledger } = mini;
    await until(local('2010-06-29T12:00'));
    const status = await cc.deadlineStatus('mini', 'branch-plan', 'once', hold.unit);
    expect(status).toMatchObject({ state: 'yellow', nextStep: { step: hold.step, kind: 'escalation' } });

    // The escalation's mail is held on its way: its activity, and the report it carries, are in flight.
    const skipping = until(Date.parse(status.nextStep!.at) + 60_000).catch(() => undefined);
    await held.heldNow;
    const deadlineId = status.deadlineId;
    const submitted = cc.submit('mini', 'branch-plan', 'once', hold.unit, { by: '张伟', text: '支部实施方案' });
    // The answer's handler has run (the update is accepted) and must wait for the report before it.
    for (let i = 0; i < 100; i++) {
      if (
        (await history(deadlineId)).some((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED)
      )
        break;
      await new Promise((r) => setTimeout(r, 100));
    }
    // The two escalations that left it yellow (each mailed, then recorded; the notice and the
    // reminders were the batch's), and the held one; the answer's activity waits.
    const beforeAnswer = ['sendMessage', 'recordEvents', 'sendMessage', 'recordEvents', 'sendAndReport'];
    expect(activityNames(await history(deadlineId))).toEqual(beforeAnswer);
    held.release();
    await expect(submitted).resolves.toMatchObject({ deadlineId, onTime: false });
    await env.client.workflow.getHandle(deadlineId).result();
    await skipping;

    const events = await history(deadlineId);
    // Started by a v0.17 batch with shared steps, it took every older deadline patch unasked
    // (deadlinePatched): no marker, and none of the search attribute upserts each would bring.
    expect(patchIds(events)).toEqual([]);
    expect(events.filter((e) => e.eventType === EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES)).toEqual([]);
    // One activity for the escalation and its report, one for the answer, its closing and its
    // report (since v0.18 a local one, `closesInOneTask`: a marker in the history); one signal,
    // for the overdue mark, which has no mail to ride on.
    // After the held mail: the escalation's record (its colour already told), and the answer's.
    const names = activityNames(events);
    expect(names.slice(0, beforeAnswer.length)).toEqual(beforeAnswer);
    expect(names.slice(beforeAnswer.length)).toEqual(['recordEvents']);
    expect(localActivityNames(events)).toEqual(['recordAndReport']);
    expect(
      events.filter((e) => e.eventType === EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED),
    ).toHaveLength(1);
    const reminderScheduled = events.findIndex(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'sendAndReport',
    );
    const firstDone = events.findIndex(
      (e, i) => i > reminderScheduled && e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED,
    );
    const answerScheduled = events.findIndex(
      (e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity',
    );
    expect(firstDone).toBeGreaterThan(-1);
    expect(answerScheduled).toBeGreaterThan(firstDone);

    const recorded = await ledger.events({ campaignId: 'mini', unitId: hold.unit, obligationKey: 'branch-plan' });
    expect(recorded.map((e) => e.kind)).toEqual(expect.arrayContaining(['submission', 'deadline-closed']));
    expect(recorded.find((e) => e.kind === 'deadline-closed')?.data).toEqual({ outcome: 'late' });

    // The batch heard closed last: its count says so, and once the others answer it finishes.
    const batch = env.client.workflow.getHandle('mini/branch-plan/once#0');
    const counts = await batch.query(batchCountsQuery);
    expect(counts.counts).toMatchObject({ closed: 1 });
    for (const unit of ['b-mech-s1', 'b-info-t1', 'b-info-s1'])
      await cc.waive('mini', 'branch-plan', 'once', unit, { by: '组织部', reason: '测试' });
    await expect(batch.result()).resolves.toMatchObject({
      outcomes: { [hold.unit]: 'late', 'b-mech-s1': 'waived', 'b-info-t1': 'waived', 'b-info-s1': 'waived' },
    });
  });
});
