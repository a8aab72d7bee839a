/**
 * The worker process: parse the configuration, open the ledger and the mailer, connect to
 * Temporal (config/temporal-connection.ts), run.
 */
import { openLedger } from '../ledger';
import { createMailer } from '../mail';
import { processConfig } from '../config';
import { redactSecrets, redactUrl } from '../config/redact';
import { connectTemporalClient, connectTemporalWorker, describeTemporal } from '../config/temporal-connection';
import { createWorker } from './worker';

async function main(): Promise<void> {
  const config = processConfig();
  const ledger = await openLedger(config.LEDGER_URL);
  const mailer = await createMailer({
    url: config.MAIL_URL,
    from: config.MAIL_FROM,
    baseUrl: config.BASE_URL,
    linkSecret: config.LINK_SECRET,
    ledger,
  });
  const connection = await connectTemporalWorker(config.temporal);
  const client = await connectTemporalClient(config.temporal);
  const worker = await createWorker({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.TASK_QUEUE,
    deps: { ledger, mailer, client },
  });
  console.log(
    `worker: task queue ${config.TASK_QUEUE} on ${describeTemporal(config.temporal)}, ledger ${redactUrl(config.LEDGER_URL)}, mail ${redactUrl(config.MAIL_URL)}`,
  );
  try {
    await worker.run();
  } finally {
    await mailer.close();
    await ledger.close();
    await client.connection.close();
    await connection.close();
  }
}

main().catch((err: unknown) => {
  // Whatever failed (a driver, a library), its message may quote a URL or a key of the configuration.
  const env = process.env;
  const urls = [env.LEDGER_URL, env.MAIL_URL, env.BASE_URL, env.TEMPORAL_ADDRESS].filter((u) => u !== undefined);
  console.error(redactSecrets(err instanceof Error ? err.message : String(err), urls));
  process.exit(1);
});
