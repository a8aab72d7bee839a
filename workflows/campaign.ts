/**
 * The campaign: one per plan, running for years. It walks the phases (at their dates, or when
 * the committee starts one early or ends an open-ended one), opens each cycle of each
 * obligation when its time comes by starting batches of deadline workflows, announces each
 * phase to every unit, and keeps the counts its batches report. When the office re-imports the
 * organisation it follows the new version (since v0.22) for the cycles and phases still to come,
 * and on the office's word has the version's units that lack a deadline in a cycle open now join
 * it (since v0.23).
 * It continues-as-new before its history grows large, carrying all of its state.
 *
 * The state and its rules are in CampaignPhases (campaign-phases.ts), the byte budget of batch
 * starts in AdmissionQueue (admission-queue.ts); this file wires the handlers to them and acts.
 */
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  proxyActivities,
  setHandler,
  startChild,
  workflowInfo,
  ParentClosePolicy,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Activities } from '../activities';
import type { CycleSchedule, PhaseWindow } from '../domain/calendar-types';
import { planTime, serverDelayUntil } from '../domain/clock';
import { campaignContext, type CampaignContext } from '../domain/engine/context';
import type { BatchInput, CampaignInput, CampaignResult } from '../domain/engine/inputs';
import type { Plan } from '../domain/plan-schema';
import { orgSlice } from '../domain/org-slice';
import { ACTIVITY_RETRY } from './activity-retry';
import { AdmissionQueue, START_BYTES_IN_FLIGHT, utf8Length } from './admission-queue';
import { batchWorkflow } from './batch';
import { CampaignPhases, freshCampaignState, openCycleOf } from './campaign-phases';
import {
  advancePhaseUpdate,
  batchReportSignal,
  campaignDirectoryQuery,
  campaignStatusQuery,
  endPhaseUpdate,
  followOrgUpdate,
  joinOpenCyclesUpdate,
  openCyclesQuery,
  openForEventUpdate,
  stopCampaignUpdate,
  type AdvancePhaseRequest,
  type CampaignEvent,
  type EndPhaseRequest,
  type FollowOrgRequest,
  type JoinOpenCyclesRequest,
  type StopCampaignRequest,
} from './messages';
import { isPatched, PATCHES } from './patches';
import { campaignInputProblems } from '../domain/engine/input-check';
import { instantWaiter } from './wake';

const { recordEvents, registerUnits, startBatch, orgFacts, registerOrgUnits, orgSliceOf, unitsWithoutDeadline } =
  proxyActivities<Activities>({
    startToCloseTimeout: '5 minutes',
    retry: ACTIVITY_RETRY,
  });
const { announcePhase, stopBatches } = proxyActivities<Activities>({
  startToCloseTimeout: '2 hours',
  // A worker that dies mid-announcement is noticed within this, and another resumes after the
  // last unit it heartbeated. Each send ends well inside it (mail/index.ts SMTP_TIMEOUTS).
  heartbeatTimeout: '20 seconds',
  retry: ACTIVITY_RETRY,
});

export async function campaignWorkflow(input: CampaignInput): Promise<CampaignResult> {
  // Before anything reads the plan: input the calendar cannot use fails the campaign for good, by
  // field, where it failed the workflow task on every attempt and left the campaign RUNNING.
  // Since v0.13 a campaign may hold its organisation by reference: only its hash is in the
  // input, and activities read the stored version (ledger/org-versions.ts). Inputs with `orgRef`
  // exist only since then; the marker says so in the history too.
  const byReference = input.orgRef !== undefined && isPatched(PATCHES.ORG_BY_REFERENCE);
  if (isPatched(PATCHES.CAMPAIGN_INPUT_CHECK)) refuseUnusableInput(input, byReference);
  const { plan, clock } = input;
  const state = input.carried ?? freshCampaignState();
  state.runs += 1;
  const ctx = campaignContext(plan, clock, input.options, workflowInfo().workflowId);
  // Since v0.22 a run after a re-import starts from the version the campaign follows; before one
  // (and in every older history) `orgFollowed` is absent and the run starts as it always did.
  const orgRef = state.orgFollowed ?? input.orgRef;
  const org = byReference
    ? { ref: orgRef!, facts: await orgFacts({ orgRef: orgRef!, obligations: plan.obligations }) }
    : input.org!;
  const phases = new CampaignPhases(plan, org, state, () => planTime(clock, Date.now()), clock);
  handleRequests(phases, ctx, plan);
  handleJoinOpenCycles(phases, ctx, plan);
  handleStop(phases);

  // Runs started before v0.4 cancelled their wake timer on every batch report (see workflows/wake.ts).
  const neverCancelTimers = isPatched(PATCHES.CAMPAIGN_WAKE_TIMERS);
  const waitUntil = instantWaiter(clock);
  if (!state.unitsRegistered) {
    if (byReference) await registerOrgUnits({ campaignId: plan.id, orgRef: input.orgRef! });
    else await registerUnits(phases.units());
    state.unitsRegistered = true;
  }
  const run = new CampaignRun(phases, ctx);
  failForGoodIfCalendarThrows(phases);
  // Runs started before v0.6 announced a phase to every unit before opening its cycles.
  const announceAlongside = isPatched(PATCHES.ANNOUNCE_ALONGSIDE_LAUNCH);

  for (;;) {
    await run.actOnWhatIsDue(announceAlongside);
    // Since v0.26: state.stopped exists only in a run that took the stop (which wrote its marker).
    if (phases.stopToTell()) await tellStop(phases);
    if (phases.finished()) break;
    if (run.isLarge()) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof campaignWorkflow>({ ...input, carried: state });
    }
    const n = phases.nextAt();
    const seen = phases.version;
    const batchesDone = phases.batchesDone();
    const wake = (): boolean => phases.version !== seen || phases.batchesDone() !== batchesDone;
    if (n === undefined) await condition(wake);
    else if (neverCancelTimers) await waitUntil(wake, n);
    else await condition(wake, serverDelayUntil(clock, Date.now(), n) || 1);
  }

  await condition(allHandlersFinished);
  return {
    campaignId: plan.id,
    phases: phases.phasesRun(),
    batches: Object.keys(state.batches).length,
    runs: state.runs,
    ...(state.stopped ? { stopped: { at: state.stopped.at, by: state.stopped.by, reason: state.stopped.reason } } : {}),
  };
}

/** A non-retryable failure naming every field of the input the campaign cannot use. */
function refuseUnusableInput(input: CampaignInput, orgByReference: boolean): void {
  // An organisation by reference is checked by the activity that reads it (`orgFacts`).
  const problems = campaignInputProblems(input.plan, input.org, orgByReference);
  if (problems.length === 0) return;
  throw ApplicationFailure.create({
    type: 'CampaignInputInvalid',
    nonRetryable: true,
    message: `the campaign's input cannot be used: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? `; and ${problems.length - 5} more` : ''}`,
    details: [problems],
  });
}

/**
 * The run's first calendar computation, where an error the input check did not foresee fails the
 * campaign for good, named: left to itself it fails the workflow task on every attempt, and the
 * campaign stays RUNNING, stuck.
 *
 * No `patched()` marker guards this, as none is needed: the calendar is pure and memoised
 * (CampaignPhases), and this is the workflow task that computed it first anyway (the first
 * `actOnWhatIsDue` follows with nothing awaited in between), so no command changes. A history in
 * which it throws never completed that task, so no recorded history meets the difference; one in
 * which it does not throw goes on as before. A marker would only cost every campaign an event.
 */
function failForGoodIfCalendarThrows(phases: CampaignPhases): void {
  const problem = phases.calendarProblem();
  if (problem === undefined) return;
  throw ApplicationFailure.create({
    type: 'CampaignInputInvalid',
    nonRetryable: true,
    message: `the campaign's calendar cannot be computed from its input: ${problem}`,
  });
}

/** The campaign's queries, signal and updates: each validator and change is the phases'. */
function handleRequests(phases: CampaignPhases, ctx: CampaignContext, plan: Plan): void {
  setHandler(campaignStatusQuery, () => phases.status());
  setHandler(campaignDirectoryQuery, () => phases.directory());
  setHandler(openCyclesQuery, () =>
    phases
      .openCycles()
      .map((o) => ({ ...openCycleOf(o.cycle), ...(o.settled ? {} : { stillOpening: true as const }) })),
  );
  setHandler(batchReportSignal, (report) => phases.batchReported(report));
  setHandler(
    advancePhaseUpdate,
    async (req) => {
      const { change, event } = phases.advance(req);
      await recordEvents([event]);
      return change;
    },
    { validator: (req: AdvancePhaseRequest) => phases.validateAdvance(req) },
  );
  setHandler(
    endPhaseUpdate,
    async (req) => {
      const { change, event } = phases.end(req);
      await recordEvents([event]);
      return change;
    },
    { validator: (req: EndPhaseRequest) => phases.validateEnd(req) },
  );
  setHandler(
    openForEventUpdate,
    async (event) => {
      // Only a run that took this update writes the marker: histories of older releases hold no
      // such update (their campaigns refused it as unknown), so they never reach this branch.
      if (!isPatched(PATCHES.EVENT_OPENINGS))
        throw ApplicationFailure.nonRetryable('this campaign run predates obligations opened by events');
      // The unit, its parents and the office: from the input, or read from the stored organisation.
      const inline = phases.inputOrg();
      const unitOrg = inline
        ? orgSlice(inline, [event.unitId])
        : await orgSliceOf({ orgRef: phases.orgRef()!, unitIds: [event.unitId] });
      const opening = phases.openForEvent(event, ctx, unitOrg);
      if ('problem' in opening)
        throw ApplicationFailure.create({ type: 'EventRefused', nonRetryable: true, message: opening.problem });
      const appointment = phases.appointmentEvent(event, unitOrg);
      if (appointment) await recordEvents([appointment]);
      // Through the same opening path as a cycle's: a batch (of one unit) started by the activity.
      await Promise.all(opening.batches.map((b) => startBatch(b)));
      phases.unitBatchesLaunched(opening.batches);
      return opening.reply;
    },
    { validator: (event: CampaignEvent) => phases.validateEvent(event) },
  );
  // Re-imports arrive in order, but a later one's activities may finish first: only the last
  // asked is followed, also when it brings back the version followed now.
  let followsAsked = 0;
  setHandler(
    followOrgUpdate,
    async (req) => {
      // Only a run that took this update writes the marker: no history of an older release holds one.
      if (!isPatched(PATCHES.ORG_FOLLOWS_REIMPORT))
        throw ApplicationFailure.nonRetryable('this campaign run predates following a re-imported organisation');
      const asked = ++followsAsked;
      if (phases.orgRef()?.hash === req.orgRef.hash) return phases.followOrg(undefined);
      const facts = await orgFacts({ orgRef: req.orgRef, obligations: plan.obligations });
      // Before the first cycle that is for them: a new branch's lag is counted under its name.
      await registerOrgUnits({ campaignId: plan.id, orgRef: req.orgRef });
      if (asked !== followsAsked) return phases.followOrg(undefined);
      return phases.followOrg({ ref: req.orgRef, facts });
    },
    { validator: (req: FollowOrgRequest) => phases.validateFollow(req) },
  );
}

/**
 * The office has the units of the version followed that lack a deadline in a cycle open now join
 * it (since v0.23): the ledger says who lacks one, the phases make a batch of them per cycle.
 */
function handleJoinOpenCycles(phases: CampaignPhases, ctx: CampaignContext, plan: Plan): void {
  setHandler(
    joinOpenCyclesUpdate,
    async (req) => {
      // Only a run that took this update writes the marker: no history of an older release holds one.
      if (!isPatched(PATCHES.JOIN_OPEN_CYCLES))
        throw ApplicationFailure.nonRetryable('this campaign run predates joining the cycles open now');
      const orgRef = phases.orgRef()!;
      const open = phases.openCycles();
      // The ledger is asked only of the cycles the office chose (all of them, when it chose none).
      const chosen = phases.chosenOf(req, open);
      const askedOf = (o: (typeof open)[number], i: number): boolean =>
        o.settled && (req.only === undefined || chosen[i] !== undefined);
      const asked = open.filter(askedOf).map((o) => o.cycle);
      const missing = asked.length
        ? await unitsWithoutDeadline({
            campaignId: plan.id,
            orgRef,
            cycles: asked.map((c) => ({
              obligationKey: c.obligationKey,
              cycleKey: c.cycleKey,
              submitters: plan.obligations.find((o) => o.key === c.obligationKey)!.submitters,
            })),
          })
        : [];
      // The ledger's answers are for the cycles asked, in order; a cycle still opening has none.
      let k = 0;
      const missingOfOpen = open.map((o, i) => (askedOf(o, i) ? (missing[k++] ?? []) : []));
      const { batches, events, reply } = phases.joinOpenCycles(req, ctx, orgRef, open, missingOfOpen);
      if (events.length > 0) await recordEvents(events);
      // Through the same opening path as a cycle's: the batch's activity records each opening and sends the notice.
      await Promise.all(batches.map((b) => startBatch(b)));
      phases.unitBatchesLaunched(batches);
      return reply;
    },
    { validator: (req: JoinOpenCyclesRequest) => phases.validateJoin(req) },
  );
}

/** The office stops the campaign (since v0.26): recorded at once; the main loop tells the batches and units. */
function handleStop(phases: CampaignPhases): void {
  setHandler(
    stopCampaignUpdate,
    async (req) => {
      // Only a run that took this update writes the marker: no history of an older release holds one.
      if (!isPatched(PATCHES.CAMPAIGN_STOP))
        throw ApplicationFailure.nonRetryable('this campaign run predates stopping a campaign');
      const { stop, event } = phases.stop(req);
      await recordEvents([event]);
      return stop;
    },
    { validator: (req: StopCampaignRequest) => phases.validateStop(req) },
  );
}

/**
 * Carries a stop out: once no other request is half done (a cycle being joined or an event's
 * batch being started must be among those told), every batch not heard finished is told to waive
 * its open deadlines, and every unit is mailed. The campaign then waits for its batches.
 */
async function tellStop(phases: CampaignPhases): Promise<void> {
  await condition(allHandlersFinished);
  const stop = phases.stopToTell()!;
  await stopBatches({ batchIds: phases.unfinishedBatches(), stop });
  await announcePhase(phases.stopAnnouncement(stop));
  phases.stopTold();
}

/** One run of a campaign: announcing phases and opening cycles, through activities (or, before v0.3, children). */
class CampaignRun {
  // Since v0.7 the batches of every cycle being opened share one budget of bytes in flight.
  private readonly starts: AdmissionQueue;

  constructor(
    private readonly phases: CampaignPhases,
    private readonly ctx: CampaignContext,
  ) {
    this.starts = new AdmissionQueue(ctx.options.maxStartBytesInFlight ?? START_BYTES_IN_FLIGHT);
  }

  /** Announces the phases and opens the cycles whose time has come. */
  async actOnWhatIsDue(announceAlongside: boolean): Promise<void> {
    const { phases } = this;
    const t = this.now();
    const toAnnounce = phases.dueAnnouncements(t);
    if (announceAlongside) {
      // The phase's announcement and the opening of its cycles go out together: thousands of
      // announcement mails must not hold back the deadlines, whose notices are mail too.
      const toLaunch = phases.dueCycles(t);
      await Promise.all([
        Promise.all(toAnnounce.map((w) => this.announce(w))),
        Promise.all(toLaunch.map((c) => this.launch(c))),
      ]);
    } else {
      for (const w of toAnnounce) await this.announce(w);
      for (const c of phases.pendingCycles()) {
        if (Date.parse(c.opensAt) <= t) await this.launch(c);
        if (this.isLarge()) break;
      }
    }
  }

  /** The run's history is large enough to continue as new. */
  isLarge(): boolean {
    const info = workflowInfo();
    const { maxRunEvents, maxRunBytes } = this.ctx.options;
    return info.continueAsNewSuggested || info.historyLength > maxRunEvents || info.historySize > maxRunBytes;
  }

  private now(): number {
    return planTime(this.ctx.clock, Date.now());
  }

  private async announce(w: PhaseWindow): Promise<void> {
    const at = new Date(Math.max(this.now(), this.phases.announceAt(w))).toISOString();
    await recordEvents([this.phases.phaseStartedEvent(w)]);
    await announcePhase(this.phases.announcement(w, at));
    this.phases.announced(w);
  }

  private async launch(cycle: CycleSchedule): Promise<void> {
    const batches = this.phases.batchesToStart(cycle, this.ctx);
    // Campaigns started before v0.3 started their batches as children, one after the other;
    // since v0.3 an activity starts each batch as a workflow of its own, all at once (see
    // `startBatch` for why). Histories already running keep the old commands.
    if (isPatched(PATCHES.BATCHES_STARTED_BY_ACTIVITY)) {
      if (isPatched(PATCHES.BATCH_STARTS_WITHIN_BUDGET))
        await Promise.all(batches.map((b) => this.starts.run(utf8Length(JSON.stringify(b)), () => startBatch(b))));
      else await Promise.all(batches.map((b) => startBatch(b)));
    } else {
      // Campaigns by reference (v0.13) are far newer than this branch: every batch here has its units.
      for (const b of batches) if ('unitIds' in b) await startAsChild(b);
    }
    this.phases.launched(cycle, batches);
  }
}

/** Before v0.3: a batch as a child of the campaign, abandoned when the run continues as new. */
async function startAsChild(b: BatchInput): Promise<void> {
  try {
    await startChild(batchWorkflow, {
      workflowId: b.batchId,
      // Batches outlive each campaign run (continue-as-new) and report to the workflow id.
      parentClosePolicy: ParentClosePolicy.ABANDON,
      args: [b],
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}
