/**
 * Waits until a worker polls the workflow tasks of TASK_QUEUE on the configured Temporal server
 * (the same test as the CLI's NO_WORKER check, client/worker-check.ts), for at most
 * WAIT_SECONDS (default 120). scripts/start.sh runs it before it says the service is running:
 * the worker bundles its workflows before its first poll, and a `status` asked before that poll
 * was refused with NO_WORKER. Exits 1 if no worker polled in time.
 */
import { processConfig } from '../config';
import { connectClient } from '../client/campaigns';
import { lastPollAgoMs, noRecentPoll } from '../client/worker-check';

async function main(): Promise<void> {
  const config = processConfig();
  const waitMs = Number(process.env.WAIT_SECONDS ?? 120) * 1000;
  const client = await connectClient(config.temporal);
  try {
    const until = Date.now() + waitMs;
    while (noRecentPoll(await lastPollAgoMs(client, config.TASK_QUEUE))) {
      if (Date.now() > until) {
        console.error(
          `wait-for-worker: no worker polled the task queue "${config.TASK_QUEUE}" within ${waitMs / 1000} s`,
        );
        process.exitCode = 1;
        return;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    await client.connection.close();
  }
}

main().catch((err: unknown) => {
  console.error(`wait-for-worker: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
