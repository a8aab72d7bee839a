/**
 * The worker process: parse the configuration, set up the JSON logs and the Temporal runtime
 * (its logs through ours, its metrics for /metrics), open the ledger and the mailer, connect to
 * Temporal (config/temporal-connection.ts), serve /live, /ready and /metrics, run.
 *
 * SIGTERM (or SIGINT) drains: the SDK stops polling, lets the activities in flight finish for
 * SHUTDOWN_GRACE_SECONDS (a mail being sent is sent and recorded), then cancels what is left,
 * whose retries go to another worker; the process exits 0 once the worker has stopped.
 */
import net from 'node:net';
import { makeTelemetryFilterString, Runtime, type Worker } from '@temporalio/worker';
import { openLedger } from '../ledger';
import { createMailer } from '../mail';
import { mailCheck } from '../mail/check';
import { ledgerPoolOf, processConfig } from '../config';
import { redactUrl } from '../config/redact';
import { createLog, redactedMessage, temporalLogger } from '../config/log';
import { connectTemporalClient, connectTemporalWorker, describeTemporal } from '../config/temporal-connection';
import { createWorker } from './worker';
import {
  addOpenDeadlinesGauge,
  createServiceMetrics,
  instrumentLedger,
  instrumentMailer,
  openDeadlinesByColour,
} from './metrics';
import { ledgerCheck, startHealthServer, temporalCheck, type HealthServer } from '../config/health';

/** A loopback port nobody uses now, for the SDK core's own metrics page (read by /metrics only). */
function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

const LIVE_STATES = new Set(['INITIALIZED', 'RUNNING', 'STOPPING', 'DRAINING', 'DRAINED']);

async function main(): Promise<void> {
  const config = processConfig();
  const log = createLog({ service: 'worker', level: config.LOG_LEVEL });
  const sdkMetricsPort = config.METRICS_PORT === undefined ? undefined : await freeLoopbackPort();
  Runtime.install({
    logger: temporalLogger(log),
    telemetryOptions: {
      logging: { filter: makeTelemetryFilterString({ core: 'WARN', other: 'ERROR' }), forward: {} },
      ...(sdkMetricsPort === undefined
        ? {}
        : { metrics: { prometheus: { bindAddress: `127.0.0.1:${sdkMetricsPort}` } } }),
    },
  });
  const metrics = createServiceMetrics();
  const ledger = instrumentLedger(await openLedger(config.LEDGER_URL, ledgerPoolOf(config)), metrics);
  const mailer = instrumentMailer(
    await createMailer({
      url: config.MAIL_URL,
      from: config.MAIL_FROM,
      baseUrl: config.BASE_URL,
      linkSecret: config.LINK_SECRET,
      ledger,
    }),
    metrics,
  );
  const connection = await connectTemporalWorker(config.temporal);
  const client = await connectTemporalClient(config.temporal);
  const worker: Worker = await createWorker({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.TASK_QUEUE,
    deps: { ledger, mailer, client, contactsFreshMs: config.CONTACTS_FRESH_SECONDS * 1000 },
    options: { shutdownGraceTime: config.SHUTDOWN_GRACE_SECONDS * 1000 },
  });

  let health: HealthServer | undefined;
  if (config.METRICS_PORT !== undefined) {
    addOpenDeadlinesGauge(metrics, openDeadlinesByColour(client));
    health = await startHealthServer({
      host: config.METRICS_HOST,
      port: config.METRICS_PORT,
      live: () => LIVE_STATES.has(worker.getState()),
      checks: [
        {
          name: 'temporal',
          run: async () => {
            if (worker.getState() !== 'RUNNING') throw new Error(`the worker is ${worker.getState().toLowerCase()}`);
            await temporalCheck(client).run();
          },
        },
        ledgerCheck(ledger),
        mailCheck(config.MAIL_URL),
      ],
      registry: metrics.registry,
      sdkMetricsUrl: sdkMetricsPort === undefined ? undefined : `http://127.0.0.1:${sdkMetricsPort}/metrics`,
      describe: (err) => redactedMessage(err),
    });
  }

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () =>
      log.info(
        { signal, graceSeconds: config.SHUTDOWN_GRACE_SECONDS },
        'worker: draining (no new tasks; the activities in flight finish)',
      ),
    );
  }
  log.info(
    {
      taskQueue: config.TASK_QUEUE,
      temporal: describeTemporal(config.temporal),
      metrics: health ? `${config.METRICS_HOST}:${health.port}` : 'off',
    },
    `worker: task queue ${config.TASK_QUEUE} on ${describeTemporal(config.temporal)}, ledger ${redactUrl(config.LEDGER_URL)}, mail ${redactUrl(config.MAIL_URL)}`,
  );
  try {
    await worker.run();
    log.info('worker: stopped');
  } finally {
    await health?.close();
    await mailer.close();
    await ledger.close();
    await client.connection.close();
    await connection.close();
  }
}

main().catch((err: unknown) => {
  // One plain line on stderr, what a person reads when the service does not start; whatever failed
  // (a driver, a library), its message may quote a URL or a key of the configuration.
  console.error(redactedMessage(err));
  process.exit(1);
});
