/**
 * A batch: the deadlines of one cycle of one obligation for at most `batchSize` units. The
 * campaign fans out through batches so that no execution exceeds Temporal's limits (2,000
 * pending children, 10,000 signals, a small history): each batch starts its deadlines, keeps
 * their colours (BatchCounts, batch-counts.ts), and reports coalesced counts to the campaign.
 */
import {
  condition,
  getExternalWorkflowHandle,
  log,
  proxyActivities,
  setHandler,
  sleep,
  startChild,
  ParentClosePolicy,
  type ChildWorkflowHandle,
} from '@temporalio/workflow';
import { ApplicationFailure, WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Activities } from '../activities';
import { planTime } from '../domain/clock';
import { stepsForDue } from '../domain/calendar';
import { openDeadlineState } from '../domain/deadline-state';
import { deadlineWorkflowId, planForSteps, reviewWorkflowId } from '../domain/engine/context';
import { deadlineSearchAttributesOf, isSharedStep, reportDeadlineInput } from '../domain/engine/deadline-opening';
import type { BatchInput, BatchResult } from '../domain/engine/inputs';
import type { BatchReport, CampaignStop } from '../domain/engine/requests';
import type { ScheduledStep } from '../domain/calendar-types';
import { ACTIVITY_RETRY } from './activity-retry';
import { BatchCounts } from './batch-counts';
import { deadlineWorkflow } from './deadline';
import { batchCountsQuery, batchReportSignal, deadlineChangedSignal, stopBatchSignal } from './messages';
import { isPatched, PATCHES } from './patches';
import { instantWaiter } from './wake';

// The starter heartbeats every two seconds whatever it waits on (activities/progress.ts), so a
// dead worker's attempt is noticed in 10 s; and it resumes where the last one stopped, so
// retrying it often costs little, while a deadline that does not exist yet cannot be answered.
const { startDeadlines, mailSharedStep, waiveDeadlines } = proxyActivities<Activities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '10 seconds',
  retry: { ...ACTIVITY_RETRY, maximumInterval: '10 seconds' },
});

/** How long a stopped batch waits for its waived deadlines to say so before it waives what is still open again. */
const STOP_SETTLE = '10 seconds';

export async function batchWorkflow(input: BatchInput): Promise<BatchResult> {
  const { ctx } = input;
  const counts = new BatchCounts(input.batchId);
  setHandler(batchCountsQuery, () => counts.report());
  setHandler(deadlineChangedSignal, (change) => counts.deadlineChanged(change));
  const stop: { asked?: CampaignStop } = {};
  setHandler(stopBatchSignal, (s) => void (stop.asked ??= s));

  const report = campaignReporter(ctx.campaignWorkflowId);
  // Coalesce: at most one report per `reportEveryMs`, however many deadlines change at once.
  const reporter = (async () => {
    while (!counts.finished) {
      await condition(() => counts.dirty || counts.finished);
      if (counts.finished) break;
      counts.dirty = false;
      await report(counts.report());
      await sleep(ctx.options.reportEveryMs);
    }
  })();

  // Since v0.5 an activity starts the deadlines as workflows of their own, 32 at a time, and the
  // batch learns how each ended from its last state report (a report's deadline, then its
  // review's). Children cost the server a write to the batch's growing state for every start
  // and kept the batch busy answering them: ten times slower on the dev server.
  const outcomes = isPatched(PATCHES.DEADLINES_STARTED_BY_ACTIVITY)
    ? await startedByActivity(input, counts, stop)
    : await startedAsChildren(input, counts);
  await reporter;
  await report(counts.report());
  return { batchId: input.batchId, outcomes };
}

/**
 * Sends the batch's counts to its campaign; false if the campaign was not there to take them. A
 * campaign ends by its plan only after every batch has finished, so a campaign not found was
 * terminated by hand (the `temporal` command, the web UI). The batch was started by an activity,
 * not as a child, so it lives on: since v0.26 the report is dropped and the batch waits for its
 * deadlines, which still remind, escalate and close; a later report tries again (a campaign reset
 * by hand takes it). Before, the failed signal failed the workflow task on every attempt and the
 * batch stayed RUNNING for ever; on the time-skipping server, a rehearsal's clock froze too.
 */
function campaignReporter(campaignWorkflowId: string): (report: BatchReport) => Promise<boolean> {
  const campaign = getExternalWorkflowHandle(campaignWorkflowId);
  return async (report) => {
    try {
      await campaign.signal(batchReportSignal, report);
      return true;
    } catch (err) {
      // The marker is asked for here only, so that only a batch that met a gone campaign carries it.
      if (!campaignNotFound(err) || !isPatched(PATCHES.BATCH_OUTLIVES_CAMPAIGN)) throw err;
      log.warn('the campaign is not running (terminated?): the batch report is dropped', { campaignWorkflowId });
      return false;
    }
  };
}

/** The failure a signal to a workflow that is not running (closed, terminated or deleted) ends in. */
function campaignNotFound(err: unknown): boolean {
  return err instanceof ApplicationFailure && err.type === 'ExternalWorkflowExecutionNotFound';
}

/**
 * The deadlines started by the `startDeadlines` activity; their outcomes, once every one (and
 * review) has closed. Like `startedAsChildren`, it marks the batch finished in the same step as
 * the last close, before the reporter can wake: the reporter must find the batch finished rather
 * than report once more and sleep (histories have it so).
 */
async function startedByActivity(
  input: BatchInput,
  counts: BatchCounts,
  stop: { asked?: CampaignStop },
): Promise<BatchResult['outcomes']> {
  const { ctx, obligation, cycle } = input;
  const deadlineId = (unitId: string): string =>
    deadlineWorkflowId(ctx.campaignId, obligation.key, cycle.cycleKey, unitId);
  let mailing: Promise<void> = Promise.resolve();
  if (isPatched(PATCHES.OPENING_BY_STARTER)) {
    // Since v0.6 the activity builds the inputs from the batch's (a tenth of the payload),
    // records the openings and takes the notices that are due on, and the deadlines it starts
    // green say nothing until their colour changes.
    // Since v0.17 the batch also mails the steps its deadlines share (`mailSharedSteps`).
    const sharedSteps = isPatched(PATCHES.SHARED_STEPS_BY_BATCH);
    const openedAtMs = planTime(ctx.clock, Date.now());
    const openedAt = new Date(openedAtMs).toISOString();
    // Since v0.19 a deadline opened late starts in its colour (blue past its first reminder,
    // yellow past its due instant), in visibility and here, rather than green and then telling
    // both in its first workflow task: a signal and a visibility write fewer for each, and no
    // moment in which a late campaign's deadlines all show green.
    const colour =
      sharedSteps && isPatched(PATCHES.STARTED_IN_COLOUR)
        ? openDeadlineState(openedAtMs, cycle.dueAt, batchSteps(input))
        : 'green';
    await startDeadlines({
      batch: input,
      openedAt,
      ...(sharedSteps ? { sharedSteps } : {}),
      ...(colour !== 'green' ? { startedAs: colour } : {}),
    });
    counts.startedIn(input.unitIds.map(deadlineId), colour);
    if (sharedSteps) {
      mailing = mailSharedSteps(input, openedAt, counts, deadlineId);
      // Awaited once every deadline has closed: a failure then fails the batch, as it failed the deadline before.
      mailing.catch(() => undefined);
    }
  } else {
    await startDeadlines(input.unitIds.map((unitId) => reportDeadlineInput(input, unitId)));
  }
  const ids = input.unitIds.flatMap((unitId) => [
    deadlineId(unitId),
    ...(obligation.review ? [reviewWorkflowId(ctx.campaignId, obligation.key, cycle.cycleKey, unitId)] : []),
  ]);
  await condition(() => counts.allClosed(ids) || stop.asked !== undefined);
  if (!counts.allClosed(ids)) await waiveUntilClosed(ids, counts, stop.asked!);
  counts.finished = true;
  await mailing;
  return Object.fromEntries(input.unitIds.map((unitId) => [unitId, counts.outcomeOf(deadlineId(unitId))]));
}

/**
 * The campaign was stopped (since v0.26): every deadline and review still open is waived with the
 * stop's reason, until all have closed. A report waived now starts its leader's review, which is
 * waived in the next round; so is one that a race left open. A batch stopped before v0.26 never
 * had the signal, so its history never reaches here.
 */
async function waiveUntilClosed(ids: string[], counts: BatchCounts, asked: CampaignStop): Promise<void> {
  if (!isPatched(PATCHES.BATCH_STOPS_WITH_CAMPAIGN))
    throw ApplicationFailure.nonRetryable('this batch run predates stopping a campaign');
  while (!counts.allClosed(ids)) {
    await waiveDeadlines({ deadlineIds: ids.filter((id) => counts.states[id] !== 'closed'), stop: asked });
    await condition(() => counts.allClosed(ids), STOP_SETTLE);
  }
}

/**
 * Mails each step the batch's deadlines share (`isSharedStep`: the notice, the reminders, the due-day notice)
 * at its instant, for the deadlines still open, through one activity (since v0.17): their timers
 * and activities for those steps, two workflow tasks a deadline and a step, become the batch's
 * one of each. The colour the step leaves a deadline in is counted here; the deadline tells
 * visibility at the first step itself, if its campaign keeps search attributes (deadline-timeline.ts).
 * Stops once every report is closed.
 */
async function mailSharedSteps(
  input: BatchInput,
  openedAt: string,
  counts: BatchCounts,
  deadlineId: (unitId: string) => string,
): Promise<void> {
  const { ctx, cycle } = input;
  const steps = batchSteps(input);
  const reports = input.unitIds.map(deadlineId);
  const waitUntil = instantWaiter(ctx.clock);
  for (const step of steps.filter((s) => isSharedStep(s, cycle.dueAt))) {
    if (await waitUntil(() => counts.allClosed(reports), Date.parse(step.at))) return;
    const unitIds = input.unitIds.filter((unitId) => counts.states[deadlineId(unitId)] !== 'closed');
    const nowMs = planTime(ctx.clock, Date.now());
    const at = new Date(nowMs).toISOString();
    const { mailed } = await mailSharedStep({ batch: input, step, at, openedAt, unitIds });
    counts.sharedStepMailed(mailed, openDeadlineState(nowMs, cycle.dueAt, steps));
  }
}

/** The steps of the batch's deadlines, as each of them works them out (the holiday rule, since v0.10). */
function batchSteps({ ctx, obligation, cycle }: BatchInput): ScheduledStep[] {
  return stepsForDue(planForSteps(ctx), obligation, cycle.opensAt, cycle.dueAt, { holidayRule: true });
}

/** Before v0.5: the deadlines as children of the batch, their outcomes from their results. */
async function startedAsChildren(input: BatchInput, counts: BatchCounts): Promise<BatchResult['outcomes']> {
  const { ctx } = input;
  const outcomes: BatchResult['outcomes'] = {};
  const handles: { unitId: string; handle?: ChildWorkflowHandle<typeof deadlineWorkflow> }[] = await Promise.all(
    input.unitIds.map(async (unitId) => {
      const args = reportDeadlineInput(input, unitId);
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
  counts.finished = true;
  return outcomes;
}
