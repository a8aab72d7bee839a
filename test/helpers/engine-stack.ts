/**
 * The engine on the time-skipping server for a test: the service's own worker (the real bundle)
 * on a task queue of the test's, a SQLite ledger and an outbox in a folder of its own.
 */
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createTimeSkippingEnv } from '../../worker/servers';
import { bundleWorkflows, createWorker } from '../../worker/worker';
import { openLedger } from '../../ledger';
import type { LedgerStore } from '../../ledger/types';
import { createMailer } from '../../mail';
import type { Mailer } from '../../mail/types';

export interface EngineStack {
  env: TestWorkflowEnvironment;
  ledger: LedgerStore;
  mailer: Mailer;
  stop(): Promise<void>;
}

export async function startEngineStack(taskQueue: string): Promise<EngineStack> {
  const env = await createTimeSkippingEnv();
  const dir = mkdtempSync(path.join(os.tmpdir(), `${taskQueue}-`));
  const ledger = await openLedger(`sqlite:${dir}/ledger.sqlite`);
  const mailer = await createMailer({
    url: `outbox:${dir}/outbox`,
    from: 'office@example.org',
    baseUrl: 'http://localhost',
    ledger,
  });
  const worker = await createWorker({
    connection: env.nativeConnection,
    taskQueue,
    deps: { ledger, mailer, client: env.client },
    workflowBundle: await bundleWorkflows(),
  });
  const running = worker.run();
  return {
    env,
    ledger,
    mailer,
    async stop() {
      worker.shutdown();
      await running;
      await mailer.close();
      await ledger.close();
      await env.teardown();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
