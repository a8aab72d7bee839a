/**
 * The worker process: parse the configuration, open the ledger and the mailer, run.
 */
import { NativeConnection } from '@temporalio/worker';
import { Client, Connection } from '@temporalio/client';
import { openLedger } from '../ledger';
import { createMailer } from '../mail';
import { processConfig } from '../config';
import { redactSecrets, redactUrl } from '../config/redact';
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
  let connection: NativeConnection;
  let clientConnection: Connection;
  try {
    connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
    clientConnection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  } catch (err) {
    throw new Error(`cannot reach the Temporal server at ${config.TEMPORAL_ADDRESS}: ${(err as Error).message}`);
  }
  const worker = await createWorker({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TASK_QUEUE,
    deps: {
      ledger,
      mailer,
      client: new Client({ connection: clientConnection, namespace: config.TEMPORAL_NAMESPACE }),
    },
  });
  console.log(
    `worker: task queue ${config.TASK_QUEUE} on ${config.TEMPORAL_ADDRESS}, ledger ${redactUrl(config.LEDGER_URL)}, mail ${redactUrl(config.MAIL_URL)}`,
  );
  try {
    await worker.run();
  } finally {
    await mailer.close();
    await ledger.close();
    await clientConnection.close();
    await connection.close();
  }
}

main().catch((err: unknown) => {
  // Whatever failed (a driver, a library), its message may quote a URL of the configuration.
  const env = process.env;
  const urls = [env.LEDGER_URL, env.MAIL_URL, env.BASE_URL, env.TEMPORAL_ADDRESS].filter((u) => u !== undefined);
  console.error(redactSecrets(err instanceof Error ? err.message : String(err), urls));
  process.exit(1);
});
