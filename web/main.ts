/**
 * The web process (`npm run web`, and started by `npm start` beside the worker): configuration,
 * ledger, mailers, the Temporal client, then the server on BASE_URL's port.
 */
import path from 'node:path';
import { CampaignClient, connectClient } from '../client/campaigns';
import { openSqlLedger } from '../ledger/store';
import { createMailer, createPlainSender } from '../mail';
import { loadOrgFile } from '../plans/load';
import { AttachmentStore } from './attachments';
import { listenPort, parseWebConfig, secureCookies } from './config';
import { buildServer, DIRECTORY_CACHE_MS } from './server';
import { redactedMessage } from '../config/log';
import { ledgerPoolOf } from '../config';

async function main(): Promise<void> {
  const config = parseWebConfig();
  const org = await loadOrgFile(config.ORG);
  const ledger = await openSqlLedger(config.LEDGER_URL, ledgerPoolOf(config));
  const mailOpts = { url: config.MAIL_URL, from: config.MAIL_FROM, baseUrl: config.BASE_URL, ledger };
  const mailer = await createMailer({ ...mailOpts, linkSecret: config.LINK_SECRET });
  const client = await connectClient(config.temporal);
  const app = await buildServer({
    config,
    campaigns: new CampaignClient(client, DIRECTORY_CACHE_MS, ledger),
    ledger,
    mailer,
    signInMail: createPlainSender(config.MAIL_URL, config.MAIL_FROM),
    sessions: ledger.sessions(config.SESSION_TTL_HOURS * 3600_000),
    org,
    attachments: new AttachmentStore(path.resolve(config.ATTACHMENTS_DIR)),
  });
  const port = listenPort(config);
  await app.listen({ host: config.WEB_HOST, port });
  console.log(
    `web: ${config.BASE_URL} (listening on ${config.WEB_HOST}:${port}${secureCookies(config) ? ', secure cookies' : ''})`,
  );
  const stop = (): void => {
    void app.close().finally(() => {
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
