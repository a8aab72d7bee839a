/**
 * A deadline tells its batch each change of colour from the activity it runs anyway (since v0.16,
 * `COLOUR_REPORTS_IN_ACTIVITIES`): the first reminder's mail carries "blue", the answer's ledger
 * write carries "closed" together with the deadline-closed event. On the time-skipping server, with
 * the mini plan: the histories show no signal of the deadline's own and one activity for an answer,
 * and a submission that comes while the reminder's mail (and its report) is still on its way waits
 * for it, so that the batch never hears "blue" after "closed" and finishes.
 */
import path from 'node:path';
import os from 'node:os';
import { mkdtempSync } from 'node:fs';
import { DateTime } from 'luxon';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { loadOrgFile, loadPlanFile } from '../../plans/load';
import { createTimeSkippingEnv } from '../../worker/servers';
import { createWorker, bundleWorkflows } from '../../worker/worker';
import { CampaignClient } from '../../client/campaigns';
import { openLedger } from '../../ledger';
import type { LedgerStore } from '../../ledger/types';
import { createMailer } from '../../mail';
import { serverTime, type ClockSpec } from '../../domain/clock';
import type { DeadlineMessage, Mailer } from '../../mail/types';
import { batchCountsQuery } from '../../workflows/messages';
import { PATCHES } from '../../workflows/patches';

const local = (s: string): number => DateTime.fromISO(s, { zone: 'Asia/Shanghai' }).toMillis();
const EventType = temporal.api.enums.v1.EventType;

/** Holds the mail that `hold` picks until the test lets it go, and says when one is held. */
function holdingMailer(inner: Mailer, hold: (m: DeadlineMessage) => boolean) {
  let held!: () => void;
  const heldNow = new Promise<void>((r) => (held = r));
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const mailer: Mailer = {
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
  let env: TestWorkflowEnvironment;
  let worker: Worker;
  let ledger: LedgerStore;
  let outbox: Mailer;
  let cc: CampaignClient;
  let clock: ClockSpec;
  let running: Promise<void>;
  const hold = { unit: 'b-mech-t1', step: 'reminder-1' };
  let held: ReturnType<typeof holdingMailer>;

  const history = async (workflowId: string) =>
    (await env.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const patchIds = (events: temporal.api.history.v1.IHistoryEvent[]): string[] =>
    events.flatMap((e) => {
      const data = e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0]?.data;
      return data ? [(JSON.parse(Buffer.from(data).toString()) as { id: string }).id] : [];
    });
  const activityNames = (events: temporal.api.history.v1.IHistoryEvent[]): string[] =>
    events.flatMap((e) =>
      e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes.activityType!.name!] : [],
    );

  beforeAll(async () => {
    env = await createTimeSkippingEnv();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'colour-reports-'));
    ledger = await openLedger(`sqlite:${dir}/ledger.sqlite`);
    outbox = await createMailer({
      url: `outbox:${dir}/outbox`,
      from: 'office@example.org',
      baseUrl: 'http://localhost',
      ledger,
    });
    held = holdingMailer(outbox, (m) => m.unitId === hold.unit && m.step === hold.step && m.kind !== 'receipt');
    worker = await createWorker({
      connection: env.nativeConnection,
      taskQueue: 'colour-reports',
      deps: { ledger, mailer: held.mailer, client: env.client },
      workflowBundle: await bundleWorkflows(),
    });
    running = worker.run();
    cc = new CampaignClient(env.client);
    clock = { originPlanMs: local('2010-06-10T00:00'), originServerMs: await env.currentTimeMs(), scale: 1 };
    const plan = await loadPlanFile(path.join(__dirname, '../fixtures/mini-plan.yaml'));
    const org = await loadOrgFile(path.join(__dirname, '../fixtures/mini-org.yaml'));
    await cc.start({ plan, org, taskQueue: 'colour-reports', clock, options: { searchAttributes: false } });
  });
  afterAll(async () => {
    held?.release();
    worker?.shutdown();
    await running;
    await outbox?.close();
    await ledger?.close();
    await env?.teardown();
  });

  it('tells the batch blue with the first reminder, and closed with the answer, in order, without a signal of its own', async () => {
    const until = async (at: number): Promise<void> => {
      const wait = serverTime(clock, at) - (await env.currentTimeMs());
      if (wait > 0) await env.sleep(wait);
    };
    await until(local('2010-06-12T12:00'));
    const status = await cc.deadlineStatus('mini', 'branch-plan', 'once', hold.unit);
    expect(status).toMatchObject({ state: 'green', nextStep: { step: hold.step, kind: 'reminder' } });

    // The first reminder's mail is held on its way: its activity, and the report it carries, are in flight.
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
    // The notice, which left it green, and the held reminder; the answer's activity waits.
    expect(activityNames(await history(deadlineId))).toEqual(['sendMessage', 'sendAndReport']);
    held.release();
    await expect(submitted).resolves.toMatchObject({ deadlineId, onTime: true });
    await env.client.workflow.getHandle(deadlineId).result();
    await skipping;

    const events = await history(deadlineId);
    expect(patchIds(events)).toContain(PATCHES.COLOUR_REPORTS_IN_ACTIVITIES.id);
    // One activity for the reminder and its report, one for the answer, its closing and its report; no signal.
    expect(activityNames(events)).toEqual(['sendMessage', 'sendAndReport', 'recordAndReport']);
    expect(
      events.filter((e) => e.eventType === EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED),
    ).toEqual([]);
    const reminderScheduled = events.findIndex(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'sendAndReport',
    );
    const firstDone = events.findIndex(
      (e, i) => i > reminderScheduled && e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED,
    );
    const answerScheduled = events.findIndex(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'recordAndReport',
    );
    expect(firstDone).toBeGreaterThan(-1);
    expect(answerScheduled).toBeGreaterThan(firstDone);

    const recorded = await ledger.events({ campaignId: 'mini', unitId: hold.unit, obligationKey: 'branch-plan' });
    expect(recorded.map((e) => e.kind)).toEqual(expect.arrayContaining(['submission', 'deadline-closed']));
    expect(recorded.find((e) => e.kind === 'deadline-closed')?.data).toEqual({ outcome: 'on-time' });

    // The batch heard closed last: its count says so, and once the others answer it finishes.
    const batch = env.client.workflow.getHandle('mini/branch-plan/once#0');
    const counts = await batch.query(batchCountsQuery);
    expect(counts.counts).toMatchObject({ closed: 1 });
    for (const unit of ['b-mech-s1', 'b-info-t1', 'b-info-s1'])
      await cc.waive('mini', 'branch-plan', 'once', unit, { by: '组织部', reason: '测试' });
    await expect(batch.result()).resolves.toMatchObject({
      outcomes: { [hold.unit]: 'on-time', 'b-mech-s1': 'waived', 'b-info-t1': 'waived', 'b-info-s1': 'waived' },
    });
  });
});
