/**
 * The mini plan's campaign on the time-skipping server, with an in-process worker, a SQLite
 * ledger and an outbox in a temporary directory (or a mail server): the set-up of the engine tests that drive one
 * campaign through requests and look at its histories.
 */
import path from 'node:path';
import os from 'node:os';
import { mkdtempSync } from 'node:fs';
import { DateTime } from 'luxon';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type { temporal } from '@temporalio/proto';
import { loadOrgFile, loadPlanFile } from '../../plans/load';
import { createTimeSkippingEnv } from '../../worker/servers';
import { createWorker, bundleWorkflows } from '../../worker/worker';
import { CampaignClient } from '../../client/campaigns';
import { openLedger } from '../../ledger';
import type { LedgerStore } from '../../ledger/types';
import { createMailer } from '../../mail';
import { serverTime, type ClockSpec } from '../../domain/clock';
import type { EngineOptions } from '../../domain/engine/context';
import type { Mailer } from '../../mail/types';

/** A local instant in China time, epoch ms. */
export const local = (s: string): number => DateTime.fromISO(s, { zone: 'Asia/Shanghai' }).toMillis();

export interface MiniCampaign {
  env: TestWorkflowEnvironment;
  ledger: LedgerStore;
  /** The client, reading deadline statuses by the test server's clock. */
  cc: CampaignClient;
  clock: ClockSpec;
  /** Skips the server's time to plan instant `at` (epoch ms), if it is ahead. */
  until: (at: number) => Promise<void>;
  history: (workflowId: string) => Promise<temporal.api.history.v1.IHistoryEvent[]>;
  /** Whether a workflow of this id was ever started (running or closed). */
  exists: (workflowId: string) => Promise<boolean>;
  stop: () => Promise<void>;
}

/**
 * Starts the mini campaign at plan instant `origin`, its worker on `taskQueue`, mailing through
 * `mailerOf(outbox)` (the outbox itself by default); search attributes off, as a rehearsal runs,
 * unless `searchAttributes` asks for them, as a deployment runs.
 */
export async function startMiniCampaign(opts: {
  taskQueue: string;
  origin: string;
  mailerOf?: (outbox: Mailer) => Mailer;
  searchAttributes?: boolean;
  /** How long the worker trusts a campaign's re-imported contacts (CONTACTS_FRESH_SECONDS); 2 s by default. */
  contactsFreshMs?: number;
  /** The mail server (an `smtp://` URL), instead of an outbox in the temporary directory. */
  mailUrl?: string;
  /** The organisation stored in the ledger and passed by reference, as the command line starts a campaign. */
  orgByReference?: boolean;
  /** Engine options beside `searchAttributes` (a tiny `maxRunEvents`, to continue as new often). */
  options?: Partial<EngineOptions>;
}): Promise<MiniCampaign> {
  const searchAttributes = opts.searchAttributes ?? false;
  const env = await createTimeSkippingEnv({ searchAttributes });
  const dir = mkdtempSync(path.join(os.tmpdir(), `${opts.taskQueue}-`));
  const ledger = await openLedger(`sqlite:${dir}/ledger.sqlite`);
  const outbox = await createMailer({
    url: opts.mailUrl ?? `outbox:${dir}/outbox`,
    from: 'office@example.org',
    baseUrl: 'http://localhost',
    ledger,
  });
  const worker: Worker = await createWorker({
    connection: env.nativeConnection,
    taskQueue: opts.taskQueue,
    deps: {
      ledger,
      mailer: opts.mailerOf?.(outbox) ?? outbox,
      client: env.client,
      ...(opts.contactsFreshMs !== undefined ? { contactsFreshMs: opts.contactsFreshMs } : {}),
    },
    workflowBundle: await bundleWorkflows(),
  });
  const running = worker.run();
  const cc = new CampaignClient(env.client, 0, opts.orgByReference ? ledger : undefined, () => env.currentTimeMs());
  const clock = { originPlanMs: local(opts.origin), originServerMs: await env.currentTimeMs(), scale: 1 };
  const plan = await loadPlanFile(path.join(__dirname, '../fixtures/mini-plan.yaml'));
  const org = await loadOrgFile(path.join(__dirname, '../fixtures/mini-org.yaml'));
  await cc.start({ plan, org, taskQueue: opts.taskQueue, clock, options: { ...opts.options, searchAttributes } });
  return {
    env,
    ledger,
    cc,
    clock,
    until: async (at) => {
      const wait = serverTime(clock, at) - (await env.currentTimeMs());
      if (wait > 0) await env.sleep(wait);
    },
    history: async (workflowId) => (await env.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [],
    exists: async (workflowId) => {
      try {
        await env.client.workflow.getHandle(workflowId).describe();
        return true;
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return false;
        throw err;
      }
    },
    stop: async () => {
      worker.shutdown();
      await running;
      await outbox.close();
      await ledger.close();
      await env.teardown();
    },
  };
}

/** The activities a history scheduled, by name, in order. */
export function activityNames(events: temporal.api.history.v1.IHistoryEvent[]): string[] {
  return events.flatMap((e) =>
    e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes.activityType!.name!] : [],
  );
}

/** The local activities a history recorded (their markers), by name, in order. */
export function localActivityNames(events: temporal.api.history.v1.IHistoryEvent[]): string[] {
  return events.flatMap((e) => {
    const marker = e.markerRecordedEventAttributes;
    const data = marker?.markerName === 'core_local_activity' ? marker.details?.data?.payloads?.[0]?.data : undefined;
    return data ? [(JSON.parse(Buffer.from(data).toString()) as { activity_type: string }).activity_type] : [];
  });
}

/** The patch ids a history's markers carry. */
export function patchIds(events: temporal.api.history.v1.IHistoryEvent[]): string[] {
  return events.flatMap((e) => {
    const data = e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0]?.data;
    return data ? [(JSON.parse(Buffer.from(data).toString()) as { id: string }).id] : [];
  });
}
