/**
 * The web service's mail (a receipt, a correction's notice, a notice sent again from the
 * console): to the contacts of the campaign's latest re-import, as the worker's mail goes, and
 * those the mail server defers are asked again by the worker's redelivery workflow on TASK_QUEUE,
 * so that a person whose mailbox is full gets the receipt once it empties and the submission
 * that was taken is never answered with an error.
 */
import type { Client } from '@temporalio/client';
import { redelivering, startRedelivery } from '../client/redelivery';
import { createMailer } from '../mail';
import { readdressing } from '../mail/current-contacts';
import type { Mailer } from '../mail/types';
import type { LedgerStore } from '../ledger/types';
import type { WebConfig } from './config';

export async function webMailer(
  config: WebConfig,
  ledger: LedgerStore,
  client: Client,
  log: (msg: string, err: unknown) => void,
): Promise<Mailer> {
  const mailer = await createMailer({
    url: config.MAIL_URL,
    from: config.MAIL_FROM,
    baseUrl: config.BASE_URL,
    linkSecret: config.LINK_SECRET,
    ledger,
  });
  return redelivering(
    readdressing(mailer, ledger, config.CONTACTS_FRESH_SECONDS * 1000),
    (input) => startRedelivery(client, config.TASK_QUEUE, input),
    (err, input) => log(`the redelivery of ${input.message.step} to ${input.recipients.join(', ')} did not start`, err),
  );
}
