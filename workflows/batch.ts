/**
 * A batch: the deadlines of one cycle of one obligation for at most `batchSize` units. The
 * campaign fans out through batches so that no execution exceeds Temporal's limits (2,000
 * pending children, 10,000 signals, a small history): each batch starts its deadlines, keeps
 * their colours, and reports coalesced counts to the campaign.
 */
import {
  condition,
  getExternalWorkflowHandle,
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
import { orgSlice } from '../domain/org-slice';
import { deadlineWorkflowId, type CampaignContext } from './context';
import { deadlineWorkflow, type DeadlineResult } from './deadline';
import { batchCountsQuery, batchReportSignal, deadlineChangedSignal, type BatchReport } from './messages';
import {
  CampaignIdKey,
  CommitteeIdKey,
  CycleKeyKey,
  DeadlineStateKey,
  ObligationKeyKey,
  UnitIdKey,
} from './search-attributes';

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
  let dirty = false;
  let finished = false;

  const report = (): BatchReport => ({
    batchId: input.batchId,
    counts: countStates(Object.values(states)),
    done: finished,
  });
  setHandler(batchCountsQuery, report);
  setHandler(deadlineChangedSignal, ({ deadlineId, state }) => {
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

  const handles: { unitId: string; handle?: ChildWorkflowHandle<typeof deadlineWorkflow> }[] = await Promise.all(
    input.unitIds.map(async (unitId) => {
      const id = deadlineWorkflowId(ctx.campaignId, obligation.key, cycle.cycleKey, unitId);
      const unit = input.org.units[unitId];
      try {
        const handle = await startChild(deadlineWorkflow, {
          workflowId: id,
          parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
          typedSearchAttributes: ctx.options.searchAttributes
            ? [
                { key: CampaignIdKey, value: ctx.campaignId },
                { key: UnitIdKey, value: unitId },
                { key: CommitteeIdKey, value: unit?.committeeId ?? '' },
                { key: ObligationKeyKey, value: obligation.key },
                { key: CycleKeyKey, value: cycle.cycleKey },
                { key: DeadlineStateKey, value: 'green' },
              ]
            : undefined,
          args: [
            {
              ctx,
              deadlineId: id,
              role: 'report',
              obligation,
              cycle: {
                key: cycle.cycleKey,
                label: cycle.cycleLabel,
                labelEn: cycle.cycleLabelEn,
                phaseKey: cycle.phaseKey,
              },
              unitId,
              org: orgSlice(input.org, [unitId]),
              opensAt: cycle.opensAt,
              dueAt: cycle.dueAt,
              dueOnHoliday: cycle.dueOnHoliday,
              batchWorkflowId: input.batchId,
            },
          ],
        });
        return { unitId, handle };
      } catch (err) {
        // A deterministic id that already runs means an earlier attempt started it: never two.
        if (err instanceof WorkflowExecutionAlreadyStartedError) return { unitId };
        throw err;
      }
    }),
  );

  const outcomes: BatchResult['outcomes'] = {};
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
  finished = true;
  await reporter;
  await campaign.signal(batchReportSignal, report());
  return { batchId: input.batchId, outcomes };
}
