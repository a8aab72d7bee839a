/**
 * The patch registry: every change to workflow code that a running history may meet, with the
 * release that made it, what it guards and when it may be retired. Every `patched()` in
 * workflows/ goes through `isPatched` here (lint forbids importing `patched` or
 * `deprecatePatch` anywhere else), and the replay test checks the corpus against this file.
 *
 * ## How a patch is born
 * A change that would give a running history different commands (an activity or timer more,
 * fewer or in another order, a child instead of an activity, …) keeps the old code as it was
 * and branches on `isPatched(PATCHES.X)`, with a new entry here: `stage: 'patched'`, `addedIn`
 * the release being cut. Once the change is in, record that release's histories
 * (`npx tsx scripts/record-histories.ts vX`): the corpus then holds histories from before the
 * patch, which replay through the old branch, and after it, which replay through the new.
 *
 * ## How it is retired
 * 1. Deprecated: once no execution of its workflow type that started before `addedIn` was
 *    deployed can still be running, set `stage: 'deprecated'` and delete the old branch.
 *    `isPatched` then calls `deprecatePatch()`: histories that carry the marker still replay,
 *    new runs no longer write it. Remove from the corpus that type's histories recorded before
 *    `addedIn` (they would take the deleted branch); the replay test fails until you do.
 * 2. Removed: once no execution that started while the entry was `'patched'` can still be
 *    running (none carries the marker), delete the entry and its `isPatched` call.
 *
 * ## How long an execution can still be running
 * - A deadline ends when its unit submits or the office waives it, and otherwise `graceMs`
 *   (30 days by default) after its last step: the rectification order's deadline, or the due
 *   instant. Each extension the office grants moves that later. A report with a leader review
 *   waits for its review, a deadline bounded the same way. On a live campaign (clock scale 1)
 *   this is real time: months for a yearly obligation.
 * - A batch lives as long as its deadlines and their reviews, no longer.
 * - A campaign runs for years, and a run ends only in continue-as-new, which it does when its
 *   history grows past `maxRunEvents` or `maxRunBytes`: a quiet campaign can keep one run, on the
 *   code of the release that started it, for months or years. So a campaign patch can only be
 *   deprecated when every campaign run started before it has ended (the campaign completed or
 *   continued as new since), and the corpus keeps a campaign history of every release. (A run
 *   that continued as new at each phase's start would bound this; it would need a patch too.)
 * Deadlines and batches are thus bounded, and their patches can be deprecated, but only once
 * that bound has passed on every deployment. Check it there before deprecating, e.g.
 *   temporal workflow count --query "WorkflowType='deadlineWorkflow' AND ExecutionStatus='Running'
 *     AND StartTime < '<when addedIn was deployed>'"
 * (and the same for `batchWorkflow`, or `campaignWorkflow`) must say 0.
 *
 * ## Where things stand (v0.22, 2026-12-07)
 * v0.1 was cut on 2026-11-22 and v0.8 on 2026-11-23: twelve days ago. The shipped seed plans'
 * longest deadline, unanswered and never extended, lasts 92 days from its opening (its ladder,
 * rectification order and 30 days' grace), and a review adds its own weeks. So a deadline or
 * batch started by any of these releases on a live campaign may still be running, and a campaign
 * run of any of them certainly may: no patch is deprecated yet, and the corpus keeps every
 * release's histories. The earliest candidates are the deadline's and the batch's patches, from
 * about March 2027, once the query above says 0 on every deployment. v0.9 (this restructuring)
 * changes no command and adds its own histories. v0.10 (2026-12-03) adds HOLIDAY_RULE_EVERY_DEADLINE,
 * with histories before it (v0.1–v0.9) and after it.
 * v0.13 (2026-12-03) adds ORG_BY_REFERENCE: campaigns started with the organisation stored in the
 * ledger; histories before it (v0.1–v0.11, the organisation in the input) and after it.
 * v0.14 adds EVENT_OPENINGS: its histories include a campaign that opened a deadline for an event.
 * v0.15 (2026-12-03) adds REVIEW_SEARCH_ATTRIBUTES: its histories are recorded with the search
 * attributes on, as a deployment runs, so that its review starts with them.
 * v0.16 adds COLOUR_REPORTS_IN_ACTIVITIES: a deadline's colour reports ride on its activities, two
 * to three workflow tasks fewer a deadline; histories before it signal, its own do not.
 * v0.17 adds SHARED_STEPS_BY_BATCH: a batch mails its deadlines' notices, reminders and due-day
 * notices; a deadline reads `opening.sharedSteps` from its input (no marker of its own: only a
 * batch with the marker writes it), so its histories before and after differ by their inputs.
 * Such a deadline also takes the deadline patches of v0.16 and before without their markers
 * (`deadlinePatched`): when those patches are deprecated or removed, nothing changes for it.
 * After v0.17 (2026-12-04), with no patch and no release: a deadline checks its input first and
 * fails for good on input it cannot use, the campaign's first calendar computation fails for good
 * on an error, and the submit validator compares the files too (validators do not run on replay).
 * None of them changes a command for input a running history can hold; the corpus replays as before.
 * v0.18 (2026-12-04) has every starter write two flags beside `sharedSteps` (`SINCE_V0_18` in
 * activities/index.ts). `wakesOnlyForVisibility`: a deadline of a campaign without search
 * attributes (a rehearsal) does not wake for its colour, which only told visibility.
 * `closesInOneTask`: the write that closes the deadline is a local activity, and the deadline
 * completes in the workflow task that closed it. A workflow task fewer each, for most deadlines.
 * No marker, as with v0.17: the branch follows the input, which no older starter wrote. Its
 * histories add two deadlines of a rehearsal (`v0.18--rehearsal_…`).
 * v0.19 (2026-12-05) adds STARTED_IN_COLOUR: a batch counts the deadlines it opens late in their
 * colour and its starter starts them in it (`opening.startedAs`, absent for green). The deadline
 * reads the input, no marker, as with v0.18; its histories add a campaign started late
 * (`v0.19--late_…`), whose batch has the marker and whose deadlines start blue.
 * v0.20 (2026-12-06) adds UNIT_REACHED_AFTER_REIMPORT: a unit without an address when its deadline
 * opened is mailed itself once a re-import gives it one, and no longer escalated for want of an
 * address. Only a deadline whose send says so asks for the marker. Its histories add the deadline
 * of such a unit (`v0.20--reached_…`), mailed at its escalations after the re-import.
 * v0.21 (2026-12-06) adds the redelivery workflow (workflows/redelivery.ts), no patch: its
 * histories add one redelivery that delivered and one that gave up (`v0.21--redelivery_…`), so
 * that a later change to it meets the histories it must replay.
 * v0.22 (2026-12-07) adds ORG_FOLLOWS_REIMPORT: a campaign by reference follows a re-imported
 * organisation for the cycles it opens after the import. Its histories add a campaign that took
 * the update (`v0.22--follow_…`) and the deadline of the branch new in its file.
 * v0.23 (2026-12-07) adds JOIN_OPEN_CYCLES: the office has the units of the version a campaign
 * follows take part in the cycles open already (a branch founded mid-quarter). Its histories add
 * a campaign that took the update (`v0.23--join_…`) and the batch of the branch that joined.
 * v0.24 (2026-12-07) lets the office choose who joins (`only`): no new command, no patch.
 * v0.25 (2026-12-07) adds the weekly digest, a workflow type of its own (`digest`) started beside
 * a campaign, not by it: no patch. Its histories add a digest turned off after three Mondays.
 * v0.26 (2026-12-08) adds BATCH_OUTLIVES_CAMPAIGN: a batch whose campaign was terminated by hand
 * drops its reports and completes with its deadlines. Its histories add such a batch
 * (`v0.26--gone_…`), which carries the marker, and the campaign's terminated history.
 * v0.26 also adds CAMPAIGN_STOP and BATCH_STOPS_WITH_CAMPAIGN: the office stops a campaign, whose
 * batches waive their open deadlines. Its histories add a stopped campaign (`v0.26--stop_…`), its
 * batch and a waived deadline.
 */
import { deprecatePatch, patched } from '@temporalio/workflow';

export type WorkflowType = 'campaign' | 'batch' | 'deadline' | 'redelivery' | 'digest';

export interface Patch {
  /** The marker's name in histories: never changes. One id may guard changes in more than one workflow type. */
  id: string;
  workflow: WorkflowType;
  /** The release that added it: histories recorded before it take the old branch. */
  addedIn: string;
  /** What the patched branch does differently, and why. */
  guards: string;
  /** When it may go to the next stage (see the lifecycle above). */
  retireWhen: string;
  stage: 'patched' | 'deprecated';
}

const DEADLINE_BOUND =
  'no deadlineWorkflow started before this release was deployed is still running (a deadline lasts until graceMs after its last step, and longer if extended)';
const BATCH_BOUND =
  'no batchWorkflow started before this release was deployed is still running (a batch lasts as long as its deadlines and their reviews)';
const CAMPAIGN_BOUND =
  'no campaignWorkflow run started before this release was deployed is still running: a run ends only when its campaign completes or continues as new, which it does when its history is large, so an old run may stay for years';

/** Every patch, by the name the workflows use. */
export const PATCHES = {
  RECORD_CLOSED_OUTCOME: {
    id: 'record-closed-outcome',
    workflow: 'deadline',
    addedIn: 'v0.2',
    guards:
      'a submitted or waived deadline records a deadline-closed event with its outcome, as a missing one always did',
    retireWhen: DEADLINE_BOUND,
    stage: 'patched',
  },
  BATCHES_STARTED_BY_ACTIVITY: {
    id: 'batches-started-by-activity',
    workflow: 'campaign',
    addedIn: 'v0.3',
    guards:
      'the campaign starts its batches through the startBatch activity, as workflows of their own, instead of as children (children of a run that continued-as-new stop skipping time on the test server)',
    retireWhen: CAMPAIGN_BOUND,
    stage: 'patched',
  },
  CAMPAIGN_WAKE_TIMERS: {
    id: 'wake-timers-never-cancelled',
    workflow: 'campaign',
    addedIn: 'v0.4',
    guards:
      'the campaign waits for its next instant on one timer per instant that is never cancelled (workflows/wake.ts), instead of a condition with a timeout that cancels its timer on every batch report',
    retireWhen: CAMPAIGN_BOUND,
    stage: 'patched',
  },
  DEADLINE_WAKE_TIMERS: {
    id: 'wake-timers-never-cancelled',
    workflow: 'deadline',
    addedIn: 'v0.4',
    guards:
      'the deadline waits for its next step on one timer per instant that is never cancelled (workflows/wake.ts), instead of a condition with a timeout that cancels its timer on an update',
    retireWhen: DEADLINE_BOUND,
    stage: 'patched',
  },
  DEADLINES_STARTED_BY_ACTIVITY: {
    id: 'deadlines-started-by-activity',
    workflow: 'batch',
    addedIn: 'v0.5',
    guards:
      'the batch starts its deadlines through the startDeadlines activity, as workflows of their own, and learns their outcomes from their state signals, instead of as its children (ten times slower on the dev server)',
    retireWhen: BATCH_BOUND,
    stage: 'patched',
  },
  OPENING_BY_STARTER: {
    id: 'opening-by-starter',
    workflow: 'batch',
    addedIn: 'v0.6',
    guards:
      'the batch hands startDeadlines itself rather than every input (a tenth of the payload), the starter records the openings and takes the due notices on, and the batch counts its deadlines green at once',
    retireWhen: BATCH_BOUND,
    stage: 'patched',
  },
  ANNOUNCE_ALONGSIDE_LAUNCH: {
    id: 'announce-alongside-launch',
    workflow: 'campaign',
    addedIn: 'v0.6',
    guards:
      "a phase's announcement and the opening of its cycles go out together, instead of the announcement to every unit first",
    retireWhen: CAMPAIGN_BOUND,
    stage: 'patched',
  },
  BATCH_STARTS_WITHIN_BUDGET: {
    id: 'batch-starts-within-budget',
    workflow: 'campaign',
    addedIn: 'v0.7',
    guards:
      "the batches being started share a budget of bytes in flight (workflows/admission-queue.ts), so that no workflow task's commands pass Temporal's 4 MiB message limit",
    retireWhen: CAMPAIGN_BOUND,
    stage: 'patched',
  },
  HOLIDAY_RULE_EVERY_DEADLINE: {
    id: 'holiday-rule-every-deadline',
    workflow: 'deadline',
    addedIn: 'v0.10',
    guards:
      "a deadline's dates go through the plan's holiday rule as preview's do (domain/calendar.ts): its rectification order's deadline, and the review it starts (reviewSchedule: the review's due date flagged or moved, its escalation ladder from the plan) instead of a review due computed inline, never flagged and never escalated",
    retireWhen: DEADLINE_BOUND,
    stage: 'patched',
  },
  CAMPAIGN_INPUT_CHECK: {
    id: 'campaign-input-check',
    workflow: 'campaign',
    addedIn: 'v0.11',
    guards:
      'the campaign checks its plan and organisation first (domain/engine/input-check.ts) and fails for good, naming the field, on input it cannot use (2010-02-30 failed its workflow task on every attempt); an old run whose input the check refuses but the calendar got through keeps running. The check has since grown to the shape of every field the calendar reads: input only the wider check refuses cannot have come through the loaders, the CLI or the API, which refuse it too',
    retireWhen: CAMPAIGN_BOUND,
    stage: 'patched',
  },
  ORG_BY_REFERENCE: {
    id: 'org-by-reference',
    workflow: 'campaign',
    addedIn: 'v0.13',
    guards:
      'a campaign whose input names its organisation by reference (`orgRef`, a content hash of a version stored in the ledger) asks the orgFacts activity what it needs (units, responsible units per obligation), registers the units, announces phases and starts batches through activities that read the stored version: no payload grows with the organisation',
    retireWhen: CAMPAIGN_BOUND,
    stage: 'patched',
  },
  EVENT_OPENINGS: {
    id: 'event-openings',
    workflow: 'campaign',
    addedIn: 'v0.14',
    guards:
      "the campaign takes events (openForEvent: a grade, a secretary's appointment) and opens the obligations the plan's openedBy declares for that unit, as a batch of one started by the startBatch activity; a run of an older release never accepted the update, so its histories hold none",
    retireWhen: CAMPAIGN_BOUND,
    stage: 'patched',
  },
  REVIEW_SEARCH_ATTRIBUTES: {
    id: 'review-search-attributes',
    workflow: 'deadline',
    addedIn: 'v0.15',
    guards:
      "a report starts its leader review with the search attributes a report deadline has (deadlineSearchAttributesOf: the reviewer's unit, the report's committee and cycle, the obligation `<key>.review`), so that every list of deadlines by visibility finds it; before, the review had only the DeadlineState it upserts itself",
    retireWhen: DEADLINE_BOUND,
    stage: 'patched',
  },
  COLOUR_REPORTS_IN_ACTIVITIES: {
    id: 'colour-reports-in-activities',
    workflow: 'deadline',
    addedIn: 'v0.16',
    guards:
      "a deadline tells its batch a change of colour from the activity it runs anyway (sendAndReport for a step's mail, recordAndReport for a ledger write), and records an answer with its deadline-closed event in one write; before, each change was a signal and the closing a write of its own, a workflow task each",
    retireWhen: DEADLINE_BOUND,
    stage: 'patched',
  },
  SHARED_STEPS_BY_BATCH: {
    id: 'shared-steps-by-batch',
    workflow: 'batch',
    addedIn: 'v0.17',
    guards:
      "the batch mails its deadlines' shared steps (isSharedStep: the reminders and the due-day notice) itself, one timer and one mailSharedStep activity a step for every deadline it counts open, and counts their colour; it starts them with opening.sharedSteps, and a deadline so started waits only for the first of those steps (to tell visibility its colour) and mails the rest of its ladder itself. Before, every deadline had a timer and an activity for each step, two workflow tasks",
    retireWhen: BATCH_BOUND,
    stage: 'patched',
  },
  STARTED_IN_COLOUR: {
    id: 'started-in-colour',
    workflow: 'batch',
    addedIn: 'v0.19',
    guards:
      "a batch that mails its deadlines' shared steps works out the colour they open in (blue past the first reminder, yellow past the due instant) and counts them in it at once; the starter starts them in it (the DeadlineState search attribute, opening.startedAs), so a deadline opened late tells neither its batch nor visibility in its first workflow task. Before, every deadline started green and a late one corrected both at once: a signal, a batch workflow task and a visibility write more",
    retireWhen: BATCH_BOUND,
    stage: 'patched',
  },
  UNIT_REACHED_AFTER_REIMPORT: {
    id: 'unit-reached-after-reimport',
    workflow: 'deadline',
    addedIn: 'v0.20',
    guards:
      "a step the deadline mails itself to a unit that had no address when it opened (its parent told instead) goes to the unit once a re-import gives it one (SendResult.reachedUnit, from the send activity), and the deadline then records no 'unreachable' escalation for it; before, it recorded one whatever the send found. Asked only when the send says so, so only such a deadline carries the marker",
    retireWhen: DEADLINE_BOUND,
    stage: 'patched',
  },
  ORG_FOLLOWS_REIMPORT: {
    id: 'org-follows-reimport',
    workflow: 'campaign',
    addedIn: 'v0.22',
    guards:
      "the campaign takes the followOrg update a re-import sends (client/org-reimport.ts): it reads the version's facts (orgFacts), registers its units (registerOrgUnits), and opens every later cycle, and announces every later phase, for that version's units (`state.orgFollowed`, carried into later runs), so a branch new in the file takes part from its next cycles; a run of an older release never accepted the update, so its histories hold none",
    retireWhen: CAMPAIGN_BOUND,
    stage: 'patched',
  },
  JOIN_OPEN_CYCLES: {
    id: 'join-open-cycles',
    workflow: 'campaign',
    addedIn: 'v0.23',
    guards:
      'the campaign takes the joinOpenCycles update (client/org-reimport.ts, `joinOpenCycles`): for each cycle open now it asks the ledger which units of the version it follows have no deadline there (unitsWithoutDeadline), records who had them join (cycle-joined), and starts a batch of them (`#+n`), carried in `state.joined`; a run of an older release never accepted the update, so its histories hold none',
    retireWhen: CAMPAIGN_BOUND,
    stage: 'patched',
  },
  BATCH_OUTLIVES_CAMPAIGN: {
    id: 'batch-outlives-campaign',
    workflow: 'batch',
    addedIn: 'v0.26',
    guards:
      "a batch whose report finds its campaign gone (terminated by hand: the batch was started by an activity, not as a child, so it lives on) drops that report and goes on until its deadlines close (a later report tries again), rather than fail its workflow task on every attempt and stay RUNNING for ever (which also froze a rehearsal's time-skipping). Asked only when the signal fails so, so only such a batch carries the marker",
    retireWhen: BATCH_BOUND,
    stage: 'patched',
  },
  CAMPAIGN_STOP: {
    id: 'campaign-stop',
    workflow: 'campaign',
    addedIn: 'v0.26',
    guards:
      'the campaign takes the stopCampaign update (client/campaigns.ts `stop`): it records campaign-stopped, ends the phase open, opens and announces nothing more (`state.stopped`, carried into later runs), signals its unfinished batches (stopBatches) and mails every unit (announcePhase, kind campaign-stopped), then completes once its batches have; a run of an older release never accepted the update, so its histories hold none',
    retireWhen: CAMPAIGN_BOUND,
    stage: 'patched',
  },
  BATCH_STOPS_WITH_CAMPAIGN: {
    id: 'batch-stops-with-campaign',
    workflow: 'batch',
    addedIn: 'v0.26',
    guards:
      'a batch told its campaign stopped (the stopBatch signal) waives every deadline and review it still has open (waiveDeadlines), round after round until all have closed; no older batch was ever sent the signal, so its histories never reach the branch',
    retireWhen: BATCH_BOUND,
    stage: 'patched',
  },
} as const satisfies Record<string, Patch>;

/**
 * Code that reads what an older release wrote into an input, rather than branching on a marker:
 * no `patched()` is needed (the input is in the history, so replay reads the same), but the code
 * may go only when nothing of that release can still call it.
 */
export const COMPATIBILITY = {
  LEGACY_START_DEADLINES: {
    what: "startDeadlines accepts a v0.5 batch's request, every deadline's input in an array, and leaves the openings to the deadlines",
    writtenUntil: 'v0.5',
    retireWhen: `with OPENING_BY_STARTER's old branch: ${BATCH_BOUND}`,
  },
  LEGACY_NOTICE_OUTCOME: {
    what: "a deadline whose v0.6 or v0.7 starter sent its notice before starting it (opening.notice.status is the SendResult's) follows a rejected notice up itself; since v0.8 the starter writes 'after-start' and does it",
    writtenUntil: 'v0.7',
    retireWhen: `no deadlineWorkflow started by a v0.7 or older starter is still running: ${DEADLINE_BOUND}`,
  },
} as const;

/**
 * `isPatched` for a deadline, asked only of a run that may have started before the patch. A
 * deadline started with `opening.sharedSteps` was started by a batch with SHARED_STEPS_BY_BATCH
 * (v0.17), so by a release with every deadline patch of v0.16 and before: it takes their new
 * branches without a marker. Each marker costs a history event and, from the SDK's core, an
 * upsert of the `TemporalChangeVersion` search attribute (a visibility write on the server):
 * three of each in every deadline's first workflow task, in the middle of a fan-out. A patch
 * added after v0.17 is not in `IMPLIED_BY_SHARED_STEPS` and is asked as usual: such a deadline
 * may have started before it.
 */
export function deadlinePatched(input: { opening?: { sharedSteps?: true } }): (patch: Patch) => boolean {
  const startedSinceSharedSteps = input.opening?.sharedSteps === true;
  return (patch) => {
    if (patch.workflow !== 'deadline') throw new Error(`patch ${patch.id} is not a deadline's`);
    if (startedSinceSharedSteps && IMPLIED_BY_SHARED_STEPS.has(patch.id)) return true;
    return isPatched(patch);
  };
}

/** The deadline patches every deadline started with `opening.sharedSteps` has (all up to v0.16). */
const IMPLIED_BY_SHARED_STEPS: ReadonlySet<string> = new Set(
  [
    PATCHES.RECORD_CLOSED_OUTCOME,
    PATCHES.DEADLINE_WAKE_TIMERS,
    PATCHES.HOLIDAY_RULE_EVERY_DEADLINE,
    PATCHES.REVIEW_SEARCH_ATTRIBUTES,
    PATCHES.COLOUR_REPORTS_IN_ACTIVITIES,
  ].map((p) => p.id),
);

/**
 * Whether this run takes the patch's new branch. While the patch is `'patched'`, `patched()`:
 * true for a new run (which records the marker), and on replay true only if the history has
 * it. Once `'deprecated'`, always true, and `deprecatePatch()` lets histories with the marker
 * replay while new runs no longer write it.
 */
export function isPatched(patch: Patch): boolean {
  if (patch.stage === 'deprecated') {
    deprecatePatch(patch.id);
    return true;
  }
  return patched(patch.id);
}
