/**
 * Campaigns run for years, so the code changes under running workflows. Every history in
 * test/fixtures/histories (recorded by scripts/record-histories.ts from a rehearsal, one set per
 * release) must replay on the current workflow code and SDK without a determinism error.
 *
 * Each change that would give an old history other commands is a patch in workflows/patches.ts,
 * with the release that added it: v0.2 (closing events for answered deadlines), v0.3 (batches
 * started by an activity), v0.4 (wake timers never cancelled), v0.5 (deadlines started by an
 * activity), v0.6 (openings by the starter; announcements alongside the launch), v0.7 (batch
 * starts within a budget of bytes). Histories of the releases before a patch replay through its
 * old branch, and the corpus must keep them while the patch is not deprecated (checked below).
 *
 * v0.8 changed no workflow's commands for a history already running, so it needs no patch: the
 * starter activity starts a batch's deadlines before it mails their notices, and a deadline
 * whose input says so (`opening.notice.status: 'after-start'`, a value only the new starter
 * writes) counts its notice as done without a rejection to follow up (COMPATIBILITY in
 * workflows/patches.ts). The mini plan's deadlines open before their notices are due, so none of
 * this corpus carries that value; deadline-starter.test.ts runs such deadlines.
 *
 * v0.9 moved the model to domain/engine/ and the workflows' state into classes, and changed no
 * command: its histories replay on v0.8's code and v0.8's on its own.
 *
 * v0.10 sends every deadline through the plan's holiday rule (HOLIDAY_RULE_EVERY_DEADLINE): a
 * deadline's rectification order and the review it starts are worked out as preview shows them.
 * Deadlines recorded before it replay through the old branch (the review computed inline).
 *
 * v0.11 has the campaign check its input first (CAMPAIGN_INPUT_CHECK): an older run whose input
 * the check would refuse keeps running as it did.
 *
 * v0.13 lets a campaign hold its organisation by reference (ORG_BY_REFERENCE): a stored version in
 * the ledger, read by activities. Campaigns of older releases carry the organisation in their input
 * (no `orgRef`) and replay as they ran; the batches and deadlines of both kinds run the same code.
 *
 * v0.14 lets the campaign open an obligation for one unit on an event (EVENT_OPENINGS: the
 * openForEvent update, a grade or a secretary's appointment). Its mini campaign took one (an
 * appointment opening the training of mini-plan-events.yaml), and the deadline it opened is in
 * the corpus too.
 *
 * v0.15 starts a leader review with the search attributes of a report deadline
 * (REVIEW_SEARCH_ATTRIBUTES). Its histories are the first recorded with the search attributes on,
 * as a deployment runs them; the reviews of older releases' histories start without them.
 *
 * v0.16 lets a deadline tell its batch a change of colour from the activity it runs anyway
 * (COLOUR_REPORTS_IN_ACTIVITIES: sendAndReport, recordAndReport) and record an answer with its
 * closing. Older deadlines signal as they did; a history of v0.7 caught the first try, whose extra
 * async step in the update handler let the main loop's signal overtake the update's completion.
 *
 * v0.17 lets a batch mail the steps its deadlines share (SHARED_STEPS_BY_BATCH: the notice, the
 * reminders, the due-day notice, one mailSharedStep activity a step) and starts its deadlines
 * with `opening.sharedSteps`, so that they wait for none of those steps but the first to change
 * their colour. Older batches and deadlines replay as they ran: the deadline's branch follows its
 * input, which only a batch with the marker writes.
 *
 * v0.18 has the starter write `opening.wakesOnlyForVisibility`: such a deadline of a campaign that
 * keeps no search attributes (a rehearsal) does not wake for its colour, which would only have told
 * visibility; and `opening.closesInOneTask`: the write that closes it is a local activity (a marker
 * in its history, not an activity). No marker: the deadline's branch follows its input, as with
 * v0.17. Its histories add two deadlines of a rehearsal without search attributes
 * (`v0.18--rehearsal_…`), which went past their first reminder unanswered without a timer for it;
 * older deadlines of that kind wake.
 *
 * v0.19 adds STARTED_IN_COLOUR: a batch counts the deadlines it opens late in their colour, and its
 * starter starts them in it (`opening.startedAs`). Its histories add a campaign started late
 * (`v0.19--late_…`): the batch with the marker, and two of its deadlines started blue.
 *
 * v0.20 adds UNIT_REACHED_AFTER_REIMPORT: a deadline whose unit had no address when it opened
 * mails the unit itself once a re-import gives it one, and records no escalation for want of an
 * address. Its histories add such a deadline (`v0.20--reached_…`); every older deadline, of a
 * unit reachable or not, replays through the old branch, which none of them reaches: their sends
 * never said `reachedUnit`.
 *
 * v0.21 adds the redelivery workflow of a message the mail server deferred (no patch: it is new).
 * Its histories add two (`v0.21--redelivery_…`): one delivered once the mailbox took mail again,
 * one given up on after three days.
 *
 * v0.22 adds ORG_FOLLOWS_REIMPORT: a campaign by reference takes the followOrg update a re-import
 * sends, and opens its later cycles for the file's units. Its histories add such a campaign
 * (`v0.22--follow_…`), whose quarterly report opened for the branch the file founded, and that
 * branch's report; no older campaign took the update.
 *
 * v0.23 adds JOIN_OPEN_CYCLES: a campaign by reference takes the joinOpenCycles update a re-import
 * sends when the office asks, and has the units new to a cycle open now join it. Its histories add
 * such a campaign (`v0.23--join_…`), whose founded branch joined the third quarter's report, and
 * that branch's batch (`#+0`); no older campaign took the update.
 *
 * v0.24 lets the office choose who joins which open cycle (`only` in the joinOpenCycles request):
 * no new command, so no patch; its join campaign took the update with the founded branch chosen
 * for the third quarter, and replays as every other.
 *
 * v0.25 adds the weekly digest workflow (no patch: it is new, and started beside a campaign, not by
 * it). Its histories add one (`v0.25--digest_…`) that mailed three Mondays and was turned off.
 *
 * v0.26 adds BATCH_OUTLIVES_CAMPAIGN (a batch drops the reports its terminated campaign cannot
 * take; `v0.26--gone_…`), and the office's stop, CAMPAIGN_STOP and BATCH_STOPS_WITH_CAMPAIGN
 * (`v0.26--stop_…`: the stopped campaign, its quarter's batch, a report and a review it waived).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { WORKFLOWS_PATH, WORKFLOW_BUNDLER_OPTIONS } from '../../worker/worker';
import { PATCHES, type WorkflowType } from '../../workflows/patches';
import { activityNames, patchIds } from '../helpers/mini-campaign';

const DIR = path.join(__dirname, '..', 'fixtures', 'histories');

function corpus(): { workflowId: string; history: temporal.api.history.v1.IHistory; file: string }[] {
  return readdirSync(DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      const { workflowId, history } = JSON.parse(readFileSync(path.join(DIR, file), 'utf8')) as {
        workflowId: string;
        history: string;
      };
      return { file, workflowId, history: temporal.api.history.v1.History.decode(Buffer.from(history, 'base64')) };
    });
}

/** The history was recorded by a release before v0.<minor> (its file is named `v0.<n>--…`). */
const recordedBefore = (file: string, minor: number): boolean => Number(/^v0\.(\d+)--/.exec(file)?.[1]) < minor;

/** The history of the corpus's file of this name. */
const history = (file: string): temporal.api.history.v1.IHistory => corpus().find((h) => h.file === file)!.history;

/** The updates a history accepted, by name, in order. */
const updateNames = (events: temporal.api.history.v1.IHistoryEvent[]): string[] =>
  events.flatMap((e) => {
    const name = e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name;
    return name ? [name] : [];
  });

describe('replaying recorded histories', () => {
  it('the corpus holds histories of twenty-five releases, of every workflow type', () => {
    const files = corpus().map((h) => h.file);
    for (const release of [
      'v0.1',
      'v0.2',
      'v0.3',
      'v0.4',
      'v0.5',
      'v0.6',
      'v0.7',
      'v0.8',
      'v0.9',
      'v0.10',
      'v0.11',
      'v0.13',
      'v0.14',
      'v0.15',
      'v0.16',
      'v0.17',
      'v0.18',
      'v0.19',
      'v0.20',
      'v0.21',
      'v0.22',
      'v0.23',
      'v0.24',
      'v0.25',
      'v0.26',
    ])
      expect(files.filter((f) => f.startsWith(`${release}--`)).length).toBeGreaterThanOrEqual(7);
    const types = new Set(corpus().map(({ history }) => workflowTypeOf(history)));
    expect([...types].sort()).toEqual(['batch', 'campaign', 'deadline', 'digest', 'redelivery']);
  });

  it('every history replays on the current code', async () => {
    const histories = corpus();
    const results: { workflowId: string; error?: unknown }[] = [];
    // Saved histories lack their workflow id; child ids derive from it, so replay with the original.
    for await (const r of Worker.runReplayHistories(
      { workflowsPath: WORKFLOWS_PATH, bundlerOptions: WORKFLOW_BUNDLER_OPTIONS },
      histories.map(({ workflowId, history }) => ({ workflowId, history })),
    )) {
      results.push({ workflowId: r.workflowId, error: r.error });
    }
    expect(results).toHaveLength(histories.length);
    expect(results.filter((r) => r.error !== undefined).map((r) => `${r.workflowId}: ${String(r.error)}`)).toEqual([]);
  });

  it('holds a deadline of a rehearsal that did not wake for its colour, beside the same deadline that did', () => {
    const timers = (file: string): number =>
      corpus()
        .find((h) => h.file === file)!
        .history.events!.filter((e) => e.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_TIMER_STARTED).length;
    const id = 'mini_branch-plan_once_b-mech-s1.json';
    expect(timers(`v0.18--rehearsal_${id}`)).toBe(timers(`v0.18--${id}`) - 1);
  });

  it('holds deadlines of v0.18 closed by a local activity, and older ones closed by an activity', () => {
    const closings = (file: string): { local: number; activities: number } => {
      const events = corpus().find((h) => h.file === file)!.history.events!;
      return {
        local: events.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity').length,
        activities: events.filter(
          (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'recordAndReport',
        ).length,
      };
    };
    const answered = 'mini_branch-plan_once_b-mech-t1.json';
    expect(closings(`v0.18--${answered}`)).toEqual({ local: 1, activities: 0 });
    expect(closings(`v0.17--${answered}`)).toEqual({ local: 0, activities: 1 });
  });

  it('holds a campaign of v0.19 started late: its batch counted its deadlines blue, and they started blue', () => {
    expect(patchIds(history('v0.19--late_mini_branch-plan_once_0.json').events!)).toContain(
      PATCHES.STARTED_IN_COLOUR.id,
    );
    // The same branch plan's batch of the campaign started on time has the marker and counts green.
    expect(patchIds(history('v0.19--mini_branch-plan_once_0.json').events!)).toContain(PATCHES.STARTED_IN_COLOUR.id);
    for (const unit of ['b-mech-t1', 'b-info-t1']) {
      const started = history(`v0.19--late_mini_branch-plan_once_${unit}.json`).events![0]!
        .workflowExecutionStartedEventAttributes!;
      const input = JSON.parse(Buffer.from(started.input!.payloads![0]!.data!).toString()) as {
        opening?: { startedAs?: string };
      };
      expect(input.opening?.startedAs).toBe('blue');
      const state = started.searchAttributes!.indexedFields!.DeadlineState!.data!;
      expect(JSON.parse(Buffer.from(state).toString())).toBe('blue');
    }
  });

  it('holds a campaign of v0.22 that followed a re-import, and the report it then opened for the branch the file founded', () => {
    const campaign = history('v0.22--follow_campaign_mini.json').events!;
    expect(patchIds(campaign)).toContain(PATCHES.ORG_FOLLOWS_REIMPORT.id);
    expect(updateNames(campaign)).toEqual(['followOrg']);
    // Its start and the re-import: each read the facts of its version and registered its units.
    const activities = campaign.flatMap((e) => {
      const name = e.activityTaskScheduledEventAttributes?.activityType?.name;
      return name === 'orgFacts' || name === 'registerOrgUnits' ? [name] : [];
    });
    expect(activities).toEqual(['orgFacts', 'registerOrgUnits', 'orgFacts', 'registerOrgUnits']);
    const report = history('v0.22--follow_mini_quarterly-report_2010-Q3_b-info-s2.json').events!;
    expect(report[0]!.workflowExecutionStartedEventAttributes).toBeTruthy();
    // No older release's campaign took it.
    const older = corpus().filter((h) => recordedBefore(h.file, 22) && workflowTypeOf(h.history) === 'campaign');
    expect(older.length).toBeGreaterThan(0);
    for (const h of older) expect(patchIds(h.history.events!)).not.toContain(PATCHES.ORG_FOLLOWS_REIMPORT.id);
  });

  it('holds a campaign of v0.23 whose founded branch joined the quarter open, and the batch of that branch', () => {
    const campaign = history('v0.23--join_campaign_mini.json').events!;
    expect(patchIds(campaign)).toContain(PATCHES.JOIN_OPEN_CYCLES.id);
    expect(updateNames(campaign)).toEqual(['followOrg', 'joinOpenCycles']);
    // The join: who lacks a deadline, the record of who joined, the batch of the one branch.
    const activities = campaign.flatMap((e) => {
      const a = e.activityTaskScheduledEventAttributes;
      return a ? [`${a.activityType!.name!}:${Buffer.from(a.input?.payloads?.[0]?.data ?? []).toString()}`] : [];
    });
    const afterJoin = activities.slice(activities.findIndex((a) => a.startsWith('unitsWithoutDeadline:')));
    expect(afterJoin.map((a) => a.split(':')[0])).toEqual(expect.arrayContaining(['recordEvents', 'startBatch']));
    expect(afterJoin.find((a) => a.startsWith('recordEvents:'))).toContain('cycle-joined');
    expect(afterJoin.find((a) => a.startsWith('startBatch:'))).toContain(
      '"batchId":"mini/quarterly-report/2010-Q3#+0"',
    );
    const batch = history('v0.23--join_mini_quarterly-report_2010-Q3_+0.json').events!;
    expect(
      JSON.parse(Buffer.from(batch[0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!.data!).toString()),
    ).toMatchObject({
      unitIds: ['b-info-s2'],
    });
    // No older release's campaign took it.
    const older = corpus().filter((h) => recordedBefore(h.file, 23) && workflowTypeOf(h.history) === 'campaign');
    expect(older.length).toBeGreaterThan(0);
    for (const h of older) expect(patchIds(h.history.events!)).not.toContain(PATCHES.JOIN_OPEN_CYCLES.id);
  });

  it('holds a weekly digest of v0.25 that mailed three Mondays and was turned off', () => {
    const events = history('v0.25--digest_digest_mini.json').events!;
    expect(activityNames(events).filter((n) => n === 'mailWeeklyDigest')).toHaveLength(3);
    expect(events.at(-1)?.workflowExecutionCanceledEventAttributes).toBeTruthy();
  });

  it('holds a batch of v0.26 whose campaign was terminated by hand: its reports dropped, its deadlines ended', () => {
    const events = history('v0.26--gone_mini_branch-plan_once_0.json').events!;
    const EventType = temporal.api.enums.v1.EventType;
    expect(patchIds(events)).toContain(PATCHES.BATCH_OUTLIVES_CAMPAIGN.id);
    expect(
      events.filter((e) => e.eventType === EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED).length,
    ).toBeGreaterThan(0);
    expect(events.filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED)).toEqual([]);
    expect(events.at(-1)?.workflowExecutionCompletedEventAttributes).toBeTruthy();
    const older = corpus().filter((h) => recordedBefore(h.file, 26) && workflowTypeOf(h.history) === 'batch');
    for (const h of older) expect(patchIds(h.history.events!)).not.toContain(PATCHES.BATCH_OUTLIVES_CAMPAIGN.id);
  });

  it('holds a campaign of v0.26 the office stopped, and the batch that waived its reports and reviews', () => {
    const campaign = history('v0.26--stop_campaign_mini.json').events!;
    expect(patchIds(campaign)).toContain(PATCHES.CAMPAIGN_STOP.id);
    expect(updateNames(campaign)).toEqual(['stopCampaign']);
    expect(activityNames(campaign).slice(-3)).toEqual(['recordEvents', 'stopBatches', 'announcePhase']);
    const batch = history('v0.26--stop_mini_quarterly-report_2010-Q3_0.json').events!;
    expect(patchIds(batch)).toContain(PATCHES.BATCH_STOPS_WITH_CAMPAIGN.id);
    // The reports first; the reviews the waived reports started, in a later round.
    expect(activityNames(batch).filter((n) => n === 'waiveDeadlines').length).toBeGreaterThanOrEqual(2);
    const older = corpus().filter((h) => recordedBefore(h.file, 26) && workflowTypeOf(h.history) === 'campaign');
    for (const h of older) expect(patchIds(h.history.events!)).not.toContain(PATCHES.CAMPAIGN_STOP.id);
  });

  it('holds a campaign of v0.24 that took the office’s choice of who joins which open cycle', () => {
    const campaign = history('v0.24--join_campaign_mini.json').events!;
    const join = campaign.find(
      (e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name === 'joinOpenCycles',
    )!;
    const arg = join.workflowExecutionUpdateAcceptedEventAttributes!.acceptedRequest!.input!.args!.payloads![0]!;
    expect(JSON.parse(Buffer.from(arg.data!).toString())).toEqual({
      by: '组织部',
      only: [{ obligationKey: 'quarterly-report', cycleKey: '2010-Q3', unitIds: ['b-info-s2'] }],
    });
    const batch = history('v0.24--join_mini_quarterly-report_2010-Q3_+0.json').events!;
    expect(
      JSON.parse(Buffer.from(batch[0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!.data!).toString()),
    ).toMatchObject({ unitIds: ['b-info-s2'] });
    // Before v0.24 no request carried a choice.
    const v23 = history('v0.23--join_campaign_mini.json').events!;
    const asked = v23.find(
      (e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name === 'joinOpenCycles',
    )!;
    const v23arg = asked.workflowExecutionUpdateAcceptedEventAttributes!.acceptedRequest!.input!.args!.payloads![0]!;
    expect(JSON.parse(Buffer.from(v23arg.data!).toString())).toEqual({ by: '组织部' });
  });

  it('holds a deadline of v0.20 whose unit a re-import made reachable: mailed itself, escalated for want of an address no more', () => {
    const events = corpus().find((h) => h.file === 'v0.20--reached_mini_branch-plan_once_b-info-s1.json')!.history
      .events!;
    expect(patchIds(events)).toContain(PATCHES.UNIT_REACHED_AFTER_REIMPORT.id);
    const inputs = (names: string[]): string[] =>
      events.flatMap((e) => {
        const a = e.activityTaskScheduledEventAttributes;
        return a && names.includes(a.activityType!.name!)
          ? (a.input?.payloads ?? []).map((p) => Buffer.from(p.data!).toString())
          : [];
      });
    // Its escalations' mail was built unreachable (the deadline's organisation is the one it opened with) …
    const mailed = inputs(['sendMessage', 'sendAndReport']);
    expect(mailed.filter((m) => m.includes('"unitUnreachable":true')).length).toBeGreaterThanOrEqual(3);
    // … went to the unit, and the deadline wrote its escalations without one for want of an address.
    const recorded = inputs(['recordEvents', 'recordAndReport']).join('\n');
    expect(recorded).toContain(':escalated:escalation-3');
    expect(recorded).not.toContain(':unreachable');
  });

  it('holds redeliveries of v0.21: one delivered on a later try, one given up on after its window', () => {
    const activities = (file: string): string[] =>
      corpus()
        .find((h) => h.file === file)!
        .history.events!.flatMap((e) =>
          e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes.activityType!.name!] : [],
        );
    expect(activities('v0.21--redelivery_mini_b-mech-s1_branch-plan_once_due.json')).toEqual(['redeliver']);
    expect(activities('v0.21--redelivery_mini_b-mech-t1_branch-plan_once_escalation-2.json')).toEqual([
      'redeliver',
      'abandonRedelivery',
    ]);
  });

  it('keeps, for every patch not deprecated, histories of its workflow from before it and after it', () => {
    const recorded = corpus().map(({ file, history }) => ({
      release: file.split('--')[0]!,
      workflow: workflowTypeOf(history),
    }));
    for (const [name, patch] of Object.entries(PATCHES)) {
      const ofType = recorded.filter((h) => h.workflow === patch.workflow);
      const before = ofType.filter((h) => releaseNumber(h.release) < releaseNumber(patch.addedIn));
      const after = ofType.filter((h) => releaseNumber(h.release) >= releaseNumber(patch.addedIn));
      expect({ name, after: after.length > 0 }).toEqual({ name, after: true });
      // A deprecated patch has lost its old branch: the histories that took it must go.
      const expectBefore = (patch.stage as string) === 'patched';
      expect({ name, before: before.length > 0 }).toEqual({ name, before: expectBefore });
    }
  });

  it('every patch in the registry is used by the workflows', () => {
    const dir = path.join(__dirname, '..', '..', 'workflows');
    const code = readdirSync(dir)
      .filter((f) => f.endsWith('.ts') && f !== 'patches.ts')
      .map((f) => readFileSync(path.join(dir, f), 'utf8'))
      .join('\n');
    for (const name of Object.keys(PATCHES))
      expect({ name, used: code.includes(`PATCHES.${name}`) }).toEqual({ name, used: true });
  });
});

/** `v0.10` after `v0.9`. */
function releaseNumber(release: string): number {
  const m = /^v(\d+)\.(\d+)$/.exec(release);
  if (!m) throw new Error(`not a release label: ${release}`);
  return Number(m[1]) * 1000 + Number(m[2]);
}

const WORKFLOW_TYPES: Record<string, WorkflowType> = {
  campaignWorkflow: 'campaign',
  batchWorkflow: 'batch',
  deadlineWorkflow: 'deadline',
  redeliveryWorkflow: 'redelivery',
  digestWorkflow: 'digest',
};

function workflowTypeOf(history: temporal.api.history.v1.IHistory): WorkflowType {
  const name = history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name ?? '';
  const type = WORKFLOW_TYPES[name];
  if (!type) throw new Error(`a history of an unknown workflow type: ${name}`);
  return type;
}
