/**
 * The worker's mail counters against a real SMTP server: a send that reached some recipients and
 * was deferred for one counts as sent, and the deferred recipient as deferred; its redelivery
 * counts it redelivered; a recipient given up on counts as abandoned. Operations watch these for
 * a mail server that starts turning mail away (a quota, greylisting).
 */
import { readFileSync } from 'node:fs';
import { openLedger } from '../../ledger';
import type { LedgerStore } from '../../ledger/types';
import { createMailer } from '../../mail';
import { parseOrg } from '../../domain/org-loader';
import { recipientsFor } from '../../domain/recipients';
import { createServiceMetrics, instrumentMailer, type ServiceMetrics } from '../../worker/metrics';
import type { Mailer } from '../../mail/types';
import { miniReminder } from '../helpers/mail-message';
import { startSmtp, type TestSmtp } from '../helpers/smtp';

const org = parseOrg(readFileSync(`${__dirname}/../fixtures/mini-org.yaml`, 'utf8'), 'mini-org.yaml');

describe('the mail counters', () => {
  let smtp: TestSmtp;
  let ledger: LedgerStore;
  let metrics: ServiceMetrics;
  let mailer: Mailer;
  beforeAll(async () => {
    smtp = await startSmtp();
    ledger = await openLedger('sqlite::memory:');
    metrics = createServiceMetrics();
    mailer = instrumentMailer(
      await createMailer({ url: smtp.url, from: 'office@example.org', baseUrl: 'http://localhost', ledger }),
      metrics,
    );
  });
  afterAll(async () => {
    await mailer.close();
    await smtp.stop();
    await ledger.close();
  });

  const value = async (name: string, kind: string): Promise<number> => {
    const got = await metrics.registry.getSingleMetric(name)?.get();
    return got?.values.find((v) => v.labels.kind === kind)?.value ?? 0;
  };

  it('count the recipients deferred, redelivered and given up on, by kind', async () => {
    const escalation = (step: string) =>
      miniReminder(org, { step, kind: 'escalation', ...recipientsFor(org, 'b-mech-t1', ['unit', 'parent']) });
    smtp.defer.add('li.mech@example.org');
    await mailer.send(escalation('escalation-1'));
    await mailer.send(escalation('escalation-2'));
    expect(await value('campaign_mails_sent_total', 'escalation')).toBe(2);
    expect(await value('campaign_mail_recipients_deferred_total', 'escalation')).toBe(2);
    smtp.defer.clear();
    await mailer.redeliver(escalation('escalation-1'), ['li.mech@example.org']);
    await mailer.abandon(escalation('escalation-2'), ['li.mech@example.org'], 'deferred, not delivered within 3 days');
    // A retried redelivery or abandon finds nothing owed: counted once.
    await mailer.redeliver(escalation('escalation-1'), ['li.mech@example.org']);
    await mailer.abandon(escalation('escalation-2'), ['li.mech@example.org'], 'again');
    expect(await value('campaign_mail_recipients_redelivered_total', 'escalation')).toBe(1);
    expect(await value('campaign_mail_recipients_abandoned_total', 'escalation')).toBe(1);
    expect(await value('campaign_mail_recipients_deferred_total', 'reminder')).toBe(0);
  });
});
