/**
 * The web process (`npm run web`, and started by `npm start` beside the worker): configuration,
 * ledger, mailers, the Temporal client, then the server on BASE_URL's port, and with
 * WEB_METRICS_PORT its /live, /ready and /metrics on a port of their own (config/health.ts).
 *
 * Ready means a submission can be served now: Temporal answers in the namespace (the submission
 * is an Update), the ledger answers (sessions, reports, the receipt's record), the mail server
 * answers (the receipt, sign-in links) and the attachments folder takes files. What is read at
 * start (LINK_SECRET, the organisation file) stops the process when it is missing or wrong, so a
 * running process has it; the organisation it then follows (web/live-org.ts) never leaves it
 * without one.
 */
import path from 'node:path';
import { CampaignClient, connectClient } from '../client/campaigns';
import { openSqlLedger } from '../ledger/store';
import { createPlainSender } from '../mail';
import { webMailer } from './mailer';
import { AttachmentStore } from './attachments';
import { LiveOrg } from './live-org';
import { scheduleSweeps, sweepAttachments } from './attachment-sweep';
import { listenPort, parseWebConfig, secureCookies } from './config';
import { buildServer, DIRECTORY_CACHE_MS } from './server';
import { redactedMessage } from '../config/log';
import { ledgerPoolOf } from '../config';
import { ledgerCheck, startHealthServer, temporalCheck, writableDir, type HealthServer } from '../config/health';
import { mailCheck } from '../mail/check';
import { createWebMetrics } from './metrics';

async function main(): Promise<void> {
  const config = parseWebConfig();
  const ledger = await openSqlLedger(config.LEDGER_URL, ledgerPoolOf(config));
  const freshMs = config.CONTACTS_FRESH_SECONDS * 1000;
  // Sign-in and scope follow the ORG file and the re-imports (appoint --org) while the service runs.
  const org = await LiveOrg.open(config.ORG, ledger, {
    freshMs,
    log: (msg, err) => (err === undefined ? app.log.warn(msg) : app.log.error({ err: redactedMessage(err) }, msg)),
  });
  const client = await connectClient(config.temporal);
  const mailer = await webMailer(config, ledger, client, (msg, err) =>
    app.log.error({ err: redactedMessage(err) }, msg),
  );
  const metrics = createWebMetrics();
  const attachments = new AttachmentStore(path.resolve(config.ATTACHMENTS_DIR));
  const app = await buildServer({
    config,
    campaigns: new CampaignClient(client, DIRECTORY_CACHE_MS, ledger),
    ledger,
    mailer,
    signInMail: createPlainSender(config.MAIL_URL, config.MAIL_FROM),
    sessions: ledger.sessions(config.SESSION_TTL_HOURS * 3600_000),
    apiTokens: ledger.apiTokens(),
    org,
    attachments,
    metrics,
  });
  // Files kept for a report the engine then refused: nobody names them (a web service of several
  // processes sweeps in each; a sweep is safe beside another and beside uploads).
  const sweeps =
    config.ATTACHMENT_SWEEP_HOURS > 0
      ? scheduleSweeps(
          () => sweepAttachments(attachments, ledger, { graceMs: config.ATTACHMENT_GRACE_DAYS * 86_400_000 }),
          {
            everyMs: config.ATTACHMENT_SWEEP_HOURS * 3600_000,
            firstAfterMs: Math.min(config.ATTACHMENT_SWEEP_HOURS * 3600_000, 10 * 60_000),
            log: (msg, err) =>
              err === undefined ? app.log.info(msg) : app.log.error({ err: redactedMessage(err) }, msg),
          },
        )
      : undefined;
  const port = listenPort(config);
  await app.listen({ host: config.WEB_HOST, port });
  let serving = true;
  let probes: HealthServer | undefined;
  if (config.WEB_METRICS_PORT !== undefined) {
    probes = await startHealthServer({
      host: config.WEB_METRICS_HOST,
      port: config.WEB_METRICS_PORT,
      live: () => serving,
      checks: [
        temporalCheck(client),
        ledgerCheck(ledger),
        mailCheck(config.MAIL_URL),
        { name: 'attachments', run: () => writableDir(path.resolve(config.ATTACHMENTS_DIR)) },
      ],
      registry: metrics.registry,
      describe: (err) => redactedMessage(err),
    });
  }
  console.log(
    `web: ${config.BASE_URL} (listening on ${config.WEB_HOST}:${port}${secureCookies(config) ? ', secure cookies' : ''}` +
      `${probes ? `; /live, /ready, /metrics on ${config.WEB_METRICS_HOST}:${probes.port}` : ''})`,
  );
  const stop = (): void => {
    serving = false;
    sweeps?.stop();
    void app.close().finally(() => {
      void probes?.close();
      void mailer.close();
      void ledger.close();
      void client.connection.close();
    });
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  // One plain line on stderr, what a person reads when the service does not start; whatever failed
  // (a driver, a library), its message may quote a URL or a key of the configuration.
  console.error(redactedMessage(err));
  process.exit(1);
});
