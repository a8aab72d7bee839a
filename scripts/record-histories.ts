/**
 * Records workflow histories from a rehearsal of the mini plan into test/fixtures/histories/,
 * for the replay test (test/engine/replay.test.ts). Run when a release is cut:
 *   npx tsx scripts/record-histories.ts <label>
 * Histories recorded by an older release stay in the corpus: the replay test proves that the
 * current code (and the current SDK) can still run campaigns started by it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { createTimeSkippingEnv } from '../worker/servers';
import { loadOrgFile } from '../plans/load';
import { miniPlanWithEvents } from '../test/helpers/mini-events';
import { runSimulation } from '../rehearsal/simulate';
import { parseBehaviour } from '../rehearsal/behaviour-file';
import { local, startMiniCampaign } from '../test/helpers/mini-campaign';
import {
  FOUNDED,
  giveUnreachableAnAddress,
  miniOrgFoundedAndDissolved,
  reimportMini,
  UNREACHABLE,
} from '../test/helpers/mini-reimport';
import { startSmtp } from '../test/helpers/smtp';
import { resolveJoinChoice } from '../domain/join-choice';
import { digestInputOf, startDigest, stopDigest } from '../client/digest';
import { digestWorkflowId } from '../domain/engine/context';
import { submitUpdate } from '../workflows/messages';

const FIXTURES = path.join(__dirname, '..', 'test', 'fixtures');

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const label = process.argv[2] ?? 'current';
  // With the search attributes on, as a deployment runs: since v0.15 the review a report starts
  // carries them (REVIEW_SEARCH_ATTRIBUTES).
  await recordRehearsal(label, '', true, [
    'campaign/mini',
    'mini/branch-plan/once#0',
    'mini/branch-plan/once/b-mech-t1',
    'mini/branch-plan/once/b-mech-s1',
    'mini/branch-plan/once/b-info-t1',
    'mini/quarterly-report/2010-Q3/b-mech-t1',
    'mini/quarterly-report.review/2010-Q3/b-mech-t1',
    'mini/secretary-training/2010-09-06/b-info-s1',
  ]);
  // And off, as a rehearsal runs (since v0.18): the deadlines that went past their first reminder
  // unanswered did not wake for their colour (`wakesOnlyForVisibility`).
  await recordRehearsal(label, 'rehearsal_', false, [
    'mini/branch-plan/once/b-mech-s1',
    'mini/branch-plan/once/b-info-t1',
  ]);
  // And a campaign started late (since v0.19): its branch plans open past their first reminder,
  // so its batch counts them blue from their start and they start blue (STARTED_IN_COLOUR).
  await recordLateStart(label, [
    'mini/branch-plan/once#0',
    'mini/branch-plan/once/b-mech-t1',
    'mini/branch-plan/once/b-info-t1',
  ]);
  // And a branch given an address while its deadline ran (since v0.20): its escalations went to it,
  // after the re-import, and recorded no escalation for want of an address (UNIT_REACHED_AFTER_REIMPORT).
  await recordReachedAfterReimport(label);
  // And two redeliveries (since v0.21): a message her full mailbox deferred, delivered once it
  // took mail again, and a committee secretary's copy deferred for good, given up on after three days.
  await recordRedeliveries(label);
  // And a campaign that followed a re-imported organisation (since v0.22, ORG_FOLLOWS_REIMPORT):
  // its quarterly report opened for the branch the file founded, whose deadline is kept too.
  await recordFollowedReimport(label);
  // And a campaign whose founded branch joined the quarter open at the re-import (since v0.23,
  // JOIN_OPEN_CYCLES): the batch of that one branch is kept too.
  await recordJoinedOpenCycle(label);
  // And a weekly digest (since v0.25, a workflow type of its own): three Mondays' digests, then
  // the office turns it off.
  await recordDigest(label);
  // And a batch whose campaign was terminated by hand (since v0.26, BATCH_OUTLIVES_CAMPAIGN).
  await recordCampaignGone(label);
  // And a campaign the office stopped (since v0.26, CAMPAIGN_STOP, BATCH_STOPS_WITH_CAMPAIGN).
  await recordStopped(label);
}

/**
 * The mini campaign from 2010-06-20, terminated by hand at noon while its branch plans are open;
 * one branch answers; the batch ends in August with its deadlines. Saves the batch's history.
 */
async function recordCampaignGone(label: string): Promise<void> {
  const mini = await startMiniCampaign({ taskQueue: 'record-gone', origin: '2010-06-20T10:00' });
  try {
    await mini.until(local('2010-06-20T12:00'));
    await mini.cc.campaign('mini').terminate('stopped by hand');
    await mini.env.client.workflow
      .getHandle('mini/branch-plan/once/b-mech-t1')
      .executeUpdate(submitUpdate, { args: [{ by: '张伟', text: '支部实施方案' }] });
    await mini.until(local('2010-08-20T12:00'));
    const batch = mini.env.client.workflow.getHandle('mini/branch-plan/once#0');
    await batch.result();
    save(label, 'gone_', batch.workflowId, await batch.fetchHistory());
  } finally {
    await mini.stop();
  }
}

/**
 * The mini campaign from 2010-09-06: one branch hands in its third quarter's report, then the
 * office stops the campaign at noon; its batches waive what is open, the reviews in a second
 * round. Saves the campaign's, the quarter's batch's and a waived report's and review's histories.
 */
async function recordStopped(label: string): Promise<void> {
  const mini = await startMiniCampaign({ taskQueue: 'record-stop', origin: '2010-09-06T10:00' });
  try {
    await mini.until(local('2010-09-06T11:00'));
    await mini.cc.submit('mini', 'quarterly-report', '2010-Q3', 'b-mech-t1', { by: '刘洋', text: '三季度汇报' });
    await mini.until(local('2010-09-06T12:00'));
    await mini.cc.stop('mini', { by: '组织部 王芳', reason: '校党委决定调整活动方案' });
    await mini.until(local('2010-09-06T13:00'));
    await mini.env.client.workflow.getHandle('campaign/mini').result();
    for (const workflowId of [
      'campaign/mini',
      'mini/quarterly-report/2010-Q3#0',
      'mini/quarterly-report/2010-Q3/b-mech-s1',
      'mini/quarterly-report.review/2010-Q3/b-mech-s1',
    ])
      save(label, 'stop_', workflowId, await mini.env.client.workflow.getHandle(workflowId).fetchHistory());
  } finally {
    await mini.stop();
  }
}

/**
 * The mini campaign by reference from 2010-09-10 with its weekly digest on, mailing through a
 * real SMTP server; the office turns the digest off on 2010-09-28. Saves the digest's history.
 */
async function recordDigest(label: string): Promise<void> {
  const smtp = await startSmtp();
  const mini = await startMiniCampaign({
    taskQueue: 'record-digest',
    origin: '2010-09-10T10:00',
    mailUrl: smtp.url,
    orgByReference: true,
  });
  try {
    const input = await mini.cc.startInput('mini');
    await startDigest(mini.env.client, 'record-digest', digestInputOf(input!.plan!, mini.clock));
    await mini.until(local('2010-09-28T12:00'));
    // Turned off by the office: cancelled in its sleep.
    await stopDigest(mini.env.client, 'mini');
    const handle = mini.env.client.workflow.getHandle(digestWorkflowId('mini'));
    await handle.result().catch(() => undefined);
    save(label, 'digest_', digestWorkflowId('mini'), await handle.fetchHistory());
  } finally {
    await mini.stop();
    await smtp.stop();
  }
}

/** Saves a history under `<label>--<prefix><workflow id>.json`. */
function save(label: string, prefix: string, workflowId: string, history: temporal.api.history.v1.IHistory): void {
  // Protobuf-encoded (base64): the SDK's JSON converter trips over two protobufjs copies here.
  const name = `${label}--${prefix}${workflowId.replace(/[/#]/g, '_')}.json`;
  const file = path.join(FIXTURES, 'histories', name);
  const encoded = Buffer.from(temporal.api.history.v1.History.encode(history).finish()).toString('base64');
  writeFileSync(file, JSON.stringify({ workflowId, recordedWith: label, history: encoded }) + '\n');
  console.log(`recorded ${file} (${history.events?.length ?? 0} events)`);
}

/**
 * The mini campaign started on 2010-06-20, with search attributes on: one branch answers, two
 * are waived, one runs its ladder to the end unanswered; saves the histories of `ids` once the
 * branch plans' batch has finished.
 */
async function recordLateStart(label: string, ids: string[]): Promise<void> {
  const mini = await startMiniCampaign({
    taskQueue: 'record-late',
    origin: '2010-06-20T10:00',
    searchAttributes: true,
  });
  try {
    await mini.until(local('2010-06-21T10:00'));
    await mini.cc.submit('mini', 'branch-plan', 'once', 'b-mech-t1', { by: '张伟', text: '支部实施方案' });
    for (const unit of ['b-mech-s1', 'b-info-s1'])
      await mini.cc.waive('mini', 'branch-plan', 'once', unit, { by: '组织部', reason: '合并报送' });
    await mini.env.client.workflow.getHandle('mini/branch-plan/once#0').result();
    for (const workflowId of ids)
      save(label, 'late_', workflowId, await mini.env.client.workflow.getHandle(workflowId).fetchHistory());
  } finally {
    await mini.stop();
  }
}

/**
 * The mini campaign from 2010-06-10, b-info-s1 without an address until a re-import on 06-12
 * gives it one; it is waived after its rectification order. Saves its deadline's history.
 */
async function recordReachedAfterReimport(label: string): Promise<void> {
  const mini = await startMiniCampaign({
    taskQueue: 'record-reached',
    origin: '2010-06-10T00:00',
    searchAttributes: true,
    contactsFreshMs: 0,
  });
  try {
    await mini.until(local('2010-06-12T12:00'));
    await giveUnreachableAnAddress(mini, local('2010-06-12T12:00'));
    await mini.until(local('2010-07-12T12:00'));
    await mini.cc.waive('mini', 'branch-plan', 'once', UNREACHABLE, { by: '组织部', reason: '已线下报送' });
    const workflowId = `mini/branch-plan/once/${UNREACHABLE}`;
    const handle = mini.env.client.workflow.getHandle(workflowId);
    await handle.result();
    save(label, 'reached_', workflowId, await handle.fetchHistory());
  } finally {
    await mini.stop();
  }
}

/**
 * The mini campaign from 2010-06-10 mailing through a real SMTP server: 陈静's mailbox (the
 * student branch's one address) is full on the morning of the due day and takes mail again at
 * noon; 李书记's (the mechanical committee's secretary, in copy of its branches' second
 * escalation on 29 June) stays full. Saves the redelivery of each.
 */
async function recordRedeliveries(label: string): Promise<void> {
  const smtp = await startSmtp();
  const mini = await startMiniCampaign({
    taskQueue: 'record-redelivery',
    origin: '2010-06-10T00:00',
    mailUrl: smtp.url,
  });
  try {
    await mini.until(local('2010-06-25T00:00'));
    smtp.defer.add('chen.jing@example.org');
    await mini.until(local('2010-06-25T12:00'));
    smtp.defer.delete('chen.jing@example.org');
    await mini.until(local('2010-06-28T20:00'));
    smtp.defer.add('li.mech@example.org');
    await mini.until(local('2010-07-03T00:00'));
    for (const workflowId of [
      'redelivery/mini/b-mech-s1/branch-plan/once/due',
      'redelivery/mini/b-mech-t1/branch-plan/once/escalation-2',
    ]) {
      const handle = mini.env.client.workflow.getHandle(workflowId);
      await handle.result();
      save(label, '', workflowId, await handle.fetchHistory());
    }
  } finally {
    await mini.stop();
    await smtp.stop();
  }
}

/**
 * The mini campaign by reference from 2010-06-10; on 06-12 the office re-imports the roster with a
 * student branch founded and one dissolved, and the campaign follows it. Saves the campaign once
 * the quarterly report's first cycle has opened (for the founded branch, not the dissolved one),
 * and the founded branch's report, waived.
 */
async function recordFollowedReimport(label: string): Promise<void> {
  const mini = await startMiniCampaign({
    taskQueue: 'record-follow',
    origin: '2010-06-10T00:00',
    searchAttributes: true,
    orgByReference: true,
  });
  try {
    await mini.until(local('2010-06-12T12:00'));
    await reimportMini(mini, miniOrgFoundedAndDissolved(), local('2010-06-12T12:00'));
    await mini.until(local('2010-09-06T12:00'));
    await mini.cc.waive('mini', 'quarterly-report', '2010-Q3', FOUNDED, { by: '组织部', reason: '新成立，本季度免报' });
    const report = mini.env.client.workflow.getHandle(`mini/quarterly-report/2010-Q3/${FOUNDED}`);
    await report.result();
    save(label, 'follow_', report.workflowId, await report.fetchHistory());
    save(label, 'follow_', 'campaign/mini', await mini.env.client.workflow.getHandle('campaign/mini').fetchHistory());
  } finally {
    await mini.stop();
  }
}

/**
 * The mini campaign by reference from 2010-08-25: the roster that founds FOUNDED is re-imported
 * on 09-08, while the third quarter's report is open, and the branch joins it (since v0.24 by the
 * office's choice of it for that quarter); its deadline is waived. Saves the campaign's history and the batch of the branch that joined.
 */
async function recordJoinedOpenCycle(label: string): Promise<void> {
  const mini = await startMiniCampaign({
    taskQueue: 'record-join',
    origin: '2010-08-25T00:00',
    searchAttributes: true,
    orgByReference: true,
  });
  try {
    await mini.until(local('2010-09-08T10:00'));
    // Since v0.24 the office's choice: the founded branch, in the third quarter.
    const org = miniOrgFoundedAndDissolved();
    const chosen = [{ obligationKey: 'quarterly-report', cycleKey: '2010-Q3', unitIds: [FOUNDED] }];
    await reimportMini(mini, org, local('2010-09-08T10:00'), {
      joinOpenCycles: (open) => resolveJoinChoice(chosen, open, org, 'joinOpenCycles'),
    });
    await mini.until(local('2010-09-08T12:00'));
    await mini.cc.waive('mini', 'quarterly-report', '2010-Q3', FOUNDED, { by: '组织部', reason: '新成立，本季度免报' });
    const batch = mini.env.client.workflow.getHandle('mini/quarterly-report/2010-Q3#+0');
    await batch.result();
    save(label, 'join_', batch.workflowId, await batch.fetchHistory());
    save(label, 'join_', 'campaign/mini', await mini.env.client.workflow.getHandle('campaign/mini').fetchHistory());
  } finally {
    await mini.stop();
  }
}

/** Rehearses the mini plan on a time-skipping server of its own and saves the histories of `ids`. */
async function recordRehearsal(label: string, prefix: string, searchAttributes: boolean, ids: string[]): Promise<void> {
  const env = await createTimeSkippingEnv({ searchAttributes });
  try {
    // The mini plan and (since v0.14) an obligation opened by an event, which the behaviour's
    // appointment opens: the campaign's history then holds an openForEvent update (EVENT_OPENINGS).
    const plan = miniPlanWithEvents();
    const org = await loadOrgFile(path.join(FIXTURES, 'mini-org.yaml'));
    const behaviour = parseBehaviour(
      readFileSync(path.join(FIXTURES, 'mini-behaviour.yaml'), 'utf8'),
      'mini-behaviour.yaml',
    );
    await runSimulation({ plan, org, behaviour, env, engine: { searchAttributes } });
    for (const workflowId of ids)
      save(label, prefix, workflowId, await env.client.workflow.getHandle(workflowId).fetchHistory());
  } finally {
    await env.teardown();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
