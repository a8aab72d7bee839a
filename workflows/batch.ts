/**
 * A batch: the deadlines of one cycle of one obligation for at most `batchSize` units. The
 * campaign fans out through batches so that no execution exceeds Temporal's limits (2,000
 * pending children, 10,000 signals, a small history): each batch starts its deadlines, keeps
 * their colours, and reports coalesced counts to the campaign.
 */
import {
  condition,
  getExternalWorkflowHandle,
  patched,
  proxyActivities,
  setHandler,
  sleep,
  startChild,
  ParentClosePolicy,
  type ChildWorkflowHandle,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { CycleSchedule } from '../domain/calendar-types';
import type { Obligation } from '../domain/plan-schema';
import type { Org } from '../domain/org-schema';
import { countStates, type DeadlineState } from '../domain/deadline-state';
import type { Activities } from '../activities';
import { ACTIVITY_RETRY, deadlineWorkflowId, reviewWorkflowId, type CampaignContext } from './context';
import { deadlineWorkflow, type DeadlineInput, type DeadlineResult } from './deadline';
import { batchCountsQuery, batchReportSignal, deadlineChangedSignal, type BatchReport } from './messages';
import { deadlineSearchAttributesOf, reportDeadlineInput } from './deadline-start';
import { planTime } from '../domain/clock';

const { startDeadlines } = proxyActivities<Activities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '30 seconds',
  retry: ACTIVITY_RETRY,
});

export interface BatchInput {
  ctx: CampaignContext;
  batchId: string;
  obligation: Obligation;
  cycle: CycleSchedule;
  unitIds: string[];
  /** The units, their parents and the office. */
  org: Org;
}

export interface BatchResult {
  batchId: string;
  outcomes: Record<string, DeadlineResult['outcome'] | 'failed'>;
}

export async function batchWorkflow(input: BatchInput): Promise<BatchResult> {
  const { ctx, cycle, obligation } = input;
  const states: Record<string, DeadlineState> = {};
  const endings: Record<string, DeadlineResult['outcome']> = {};
  let dirty = false;
  let finished = false;

  const report = (): BatchReport => ({
    batchId: input.batchId,
    counts: countStates(Object.values(states)),
    done: finished,
  });
  setHandler(batchCountsQuery, report);
  setHandler(deadlineChangedSignal, ({ deadlineId, state, outcome }) => {
    if (outcome) endings[deadlineId] = outcome;
    if (states[deadlineId] !== state) {
      states[deadlineId] = state;
      dirty = true;
    }
  });

  const campaign = getExternalWorkflowHandle(ctx.campaignWorkflowId);
  // Coalesce: at most one report per `reportEveryMs`, however many deadlines change at once.
  const reporter = (async () => {
    while (!finished) {
      await condition(() => dirty || finished);
      if (finished) break;
      dirty = false;
      await campaign.signal(batchReportSignal, report());
      await sleep(ctx.options.reportEveryMs);
    }
  })();

  const deadlineInput = (unitId: string): DeadlineInput => reportDeadlineInput(input, unitId);
  const outcomes: BatchResult['outcomes'] = {};

  if (patched('deadlines-started-by-activity')) {
    // Since v0.5 an activity starts the deadlines as workflows of their own, 32 at a time, and the
    // batch learns how each ended from its last state report (a report's deadline, then its
    // review's). Children cost the server a write to the batch's growing state for every start
    // and kept the batch busy answering them: ten times slower on the dev server.
    if (patched('opening-by-starter')) {
      // Since v0.6 the activity builds the inputs from the batch's (a tenth of the payload),
      // records the openings and sends the notices that are due, and the deadlines it starts
      // green say nothing until their colour changes.
      await startDeadlines({ batch: input, openedAt: new Date(planTime(ctx.clock, Date.now())).toISOString() });
      for (const unitId of input.unitIds) {
        const id = deadlineWorkflowId(ctx.campaignId, obligation.key, cycle.cycleKey, unitId);
        if (states[id] === undefined) {
          states[id] = 'green';
          dirty = true;
        }
      }
    } else {
      await startDeadlines(input.unitIds.map(deadlineInput));
    }
    const ids = input.unitIds.flatMap((unitId) => [
      deadlineWorkflowId(ctx.campaignId, obligation.key, cycle.cycleKey, unitId),
      ...(obligation.review ? [reviewWorkflowId(ctx.campaignId, obligation.key, cycle.cycleKey, unitId)] : []),
    ]);
    await condition(() => ids.every((id) => states[id] === 'closed'));
    for (const unitId of input.unitIds) {
      const id = deadlineWorkflowId(ctx.campaignId, obligation.key, cycle.cycleKey, unitId);
      outcomes[unitId] = endings[id] ?? 'failed';
    }
  } else {
    // Before v0.5: the deadlines as children of the batch.
    const handles: { unitId: string; handle?: ChildWorkflowHandle<typeof deadlineWorkflow> }[] = await Promise.all(
      input.unitIds.map(async (unitId) => {
        const args = deadlineInput(unitId);
        try {
          const handle = await startChild(deadlineWorkflow, {
            workflowId: args.deadlineId,
            parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
            typedSearchAttributes: ctx.options.searchAttributes ? deadlineSearchAttributesOf(args) : undefined,
            args: [args],
          });
          return { unitId, handle };
        } catch (err) {
          // A deterministic id that already runs means an earlier attempt started it: never two.
          if (err instanceof WorkflowExecutionAlreadyStartedError) return { unitId };
          throw err;
        }
      }),
    );

    await Promise.all(
      handles.map(async ({ unitId, handle }) => {
        if (!handle) return;
        try {
          outcomes[unitId] = (await handle.result()).outcome;
        } catch {
          outcomes[unitId] = 'failed';
        }
      }),
    );
  }
  finished = true;
  await reporter;
  await campaign.signal(batchReportSignal, report());
  return { batchId: input.batchId, outcomes };
}
