/**
 * A campaign terminated by hand (the `temporal` command, the web UI) while its batches run: the
 * batches were started by an activity, not as children, so they live on with their deadlines, and
 * a batch's report to the campaign meets no workflow. Since v0.26 (BATCH_OUTLIVES_CAMPAIGN) the
 * batch drops the reports its campaign cannot take and goes on: its deadlines still remind, escalate and close, and it
 * completes with their outcomes. Before, the failed signal failed the batch's workflow task on
 * every attempt, and the batch stayed RUNNING for ever, retried by the server.
 */
import { temporal } from '@temporalio/proto';
import type { batchWorkflow } from '../../workflows/batch';
import { batchCountsQuery, submitUpdate } from '../../workflows/messages';
import { deadlineWorkflowId } from '../../domain/engine/context';
import { PATCHES } from '../../workflows/patches';
import { local, patchIds, startMiniCampaign, type MiniCampaign } from '../helpers/mini-campaign';

const EventType = temporal.api.enums.v1.EventType;
const BATCH = 'mini/branch-plan/once#0';

const count = (events: temporal.api.history.v1.IHistoryEvent[], type: temporal.api.enums.v1.EventType): number =>
  events.filter((e) => e.eventType === type).length;

describe('a batch whose campaign was terminated by hand', () => {
  let mini: MiniCampaign;

  beforeAll(async () => {
    mini = await startMiniCampaign({ taskQueue: 'campaign-gone', origin: '2010-06-20T10:00' });
  });
  afterAll(async () => {
    await mini?.stop();
  });

  it('drops its reports, keeps its deadlines and completes with their outcomes', async () => {
    const { until, history, cc, env, ledger } = mini;
    await until(local('2010-06-20T12:00'));
    const batch = env.client.workflow.getHandle<typeof batchWorkflow>(BATCH);
    expect((await batch.query(batchCountsQuery)).counts).toMatchObject({ blue: 4 });

    const reportsBefore = count(
      await history(BATCH),
      EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED,
    );
    await cc.campaign('mini').terminate('stopped by hand');
    const terminatedAt = new Date(local('2010-06-20T12:00')).toISOString();
    // The service refuses a terminated campaign's submissions; Temporal still takes the deadline's.
    await env.client.workflow
      .getHandle(deadlineWorkflowId('mini', 'branch-plan', 'once', 'b-mech-t1'))
      .executeUpdate(submitUpdate, { args: [{ by: '张伟', text: '支部实施方案' }] });
    // Past the due instant and the first escalation: three deadlines are overdue, and the batch
    // had news for its campaign twice (the report, then the colours).
    await until(local('2010-06-26T12:00'));
    expect((await batch.query(batchCountsQuery)).counts).toMatchObject({ closed: 1, yellow: 3 });

    const events = await history(BATCH);
    expect(count(events, EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED)).toBe(0);
    expect(count(events, EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED)).toBeGreaterThan(0);
    expect(patchIds(events)).toContain(PATCHES.BATCH_OUTLIVES_CAMPAIGN.id);

    // The batch went on without its campaign: the due-day notice went to the three unanswered.
    const mailed = await ledger.events({ campaignId: 'mini', obligationKey: 'branch-plan', kinds: ['message-sent'] });
    const dueDay = mailed.filter((e) => e.step === 'due' && e.at > terminatedAt).map((e) => e.unitId);
    expect(dueDay.sort()).toEqual(['b-info-s1', 'b-info-t1', 'b-mech-s1']);

    // Past the rectification order's deadline and the grace: the batch ends with every outcome.
    await until(local('2010-08-20T12:00'));
    expect(await batch.result()).toEqual({
      batchId: BATCH,
      outcomes: { 'b-mech-t1': 'on-time', 'b-mech-s1': 'missing', 'b-info-t1': 'missing', 'b-info-s1': 'missing' },
    });
    // And the deadlines escalated, every rung of the ladder.
    const escalated = await ledger.events({ campaignId: 'mini', obligationKey: 'branch-plan', kinds: ['escalated'] });
    for (const unit of ['b-info-t1', 'b-mech-s1'])
      expect(escalated.filter((e) => e.unitId === unit).map((e) => e.step)).toEqual([
        'escalation-1',
        'escalation-2',
        'escalation-3',
      ]);
    const ended = await history(BATCH);
    expect(count(ended, EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED)).toBe(0);
    // Every report after the termination (the colours, the batch done) was dropped in turn.
    const initiated = count(ended, EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED);
    const failed = count(ended, EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED);
    expect(failed).toBeGreaterThan(count(events, EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED));
    expect(initiated - failed).toBe(reportsBefore);
  });
});
