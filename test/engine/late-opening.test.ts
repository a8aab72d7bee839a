/**
 * A campaign started late: the mini plan's branch plans open on 2010-06-11 and are due on
 * 06-25, with reminders from 06-18, and the campaign starts on 06-20 (since v0.19,
 * STARTED_IN_COLOUR). On the time-skipping server, with search attributes on as a deployment runs:
 * - its batch counts the four deadlines blue from their start (its history has the marker);
 * - each deadline starts blue in Temporal's visibility (its start event's `DeadlineState`) and
 *   with `opening.startedAs` in its input, its status says blue, and its first workflow task
 *   neither signals its batch nor writes visibility again: before, each started green and
 *   corrected both at once;
 * - a later change of colour still reaches both: past the due instant an unanswered deadline
 *   marks itself overdue, and its batch counts it yellow.
 */
import { temporal } from '@temporalio/proto';
import { batchCountsQuery } from '../../workflows/messages';
import { PATCHES } from '../../workflows/patches';
import { local, patchIds, startMiniCampaign, type MiniCampaign } from '../helpers/mini-campaign';

const EventType = temporal.api.enums.v1.EventType;
const BRANCHES = ['b-mech-t1', 'b-mech-s1', 'b-info-t1', 'b-info-s1'];
const BATCH = 'mini/branch-plan/once#0';

/** A keyword search attribute of a history's start event, decoded. */
function startAttribute(events: temporal.api.history.v1.IHistoryEvent[], name: string): unknown {
  const payload = events[0]?.workflowExecutionStartedEventAttributes?.searchAttributes?.indexedFields?.[name];
  return payload?.data ? JSON.parse(Buffer.from(payload.data).toString()) : undefined;
}

/** The input a history's start event carries, decoded. */
function startInput(events: temporal.api.history.v1.IHistoryEvent[]): { opening?: { startedAs?: string } } {
  const payload = events[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  return JSON.parse(Buffer.from(payload!.data!).toString()) as { opening?: { startedAs?: string } };
}

const count = (events: temporal.api.history.v1.IHistoryEvent[], type: temporal.api.enums.v1.EventType): number =>
  events.filter((e) => e.eventType === type).length;

describe('a deadline opened late starts in its colour', () => {
  let mini: MiniCampaign;

  beforeAll(async () => {
    mini = await startMiniCampaign({ taskQueue: 'late-opening', origin: '2010-06-20T10:00', searchAttributes: true });
  });
  afterAll(async () => {
    await mini?.stop();
  });

  it('is blue from its start in visibility and in its batch, and its first workflow task tells neither', async () => {
    const { until, history, cc, env } = mini;
    await until(local('2010-06-20T12:00'));

    const batch = env.client.workflow.getHandle(BATCH);
    expect(patchIds(await history(BATCH))).toContain(PATCHES.STARTED_IN_COLOUR.id);
    expect((await batch.query(batchCountsQuery)).counts).toMatchObject({ green: 0, blue: 4 });

    for (const unit of BRANCHES) {
      const status = await cc.deadlineStatus('mini', 'branch-plan', 'once', unit);
      expect(status.state).toBe('blue');
      const events = await history(status.deadlineId);
      expect(startAttribute(events, 'DeadlineState')).toBe('blue');
      expect(startInput(events).opening?.startedAs).toBe('blue');
      // Its first (and so far only) workflow task: the starter took the notice on and the batch
      // counts it blue, so it has no activity, signal or search attribute write of its own.
      expect(count(events, EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)).toBe(1);
      expect(count(events, EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED)).toBe(0);
      expect(count(events, EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES)).toBe(0);
    }
  });

  it('still tells its batch a later change of colour: overdue, yellow', async () => {
    const { until, cc, env } = mini;
    await cc.submit('mini', 'branch-plan', 'once', 'b-mech-t1', { by: '张伟', text: '支部实施方案' });
    // Past the due instant (06-25) and before the first escalation (a day after it): the other three are overdue.
    await until(local('2010-06-26T06:00'));
    const counts = (await env.client.workflow.getHandle(BATCH).query(batchCountsQuery)).counts;
    expect(counts).toMatchObject({ green: 0, blue: 0, yellow: 3, closed: 1 });
    expect((await cc.deadlineStatus('mini', 'branch-plan', 'once', 'b-info-t1')).state).toBe('yellow');
  });
});
