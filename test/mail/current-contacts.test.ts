/**
 * The web service's and the command line's mail to a campaign's current contacts
 * (mail/current-contacts.ts), against a real SMTP server and a SQLite ledger: before any
 * re-import a message goes as it was built; once `org-reimported` is recorded, to whoever holds
 * each role in that file, within the freshness asked for; a later re-import wins over an earlier
 * one, also one that brings back an earlier file.
 */
import { readFileSync } from 'node:fs';
import { openLedger } from '../../ledger';
import { reimportEvent } from '../../ledger/org-versions';
import type { LedgerStore } from '../../ledger/types';
import { createMailer } from '../../mail';
import { readdressing } from '../../mail/current-contacts';
import type { DeadlineMessage, Mailer } from '../../mail/types';
import { parseOrg } from '../../domain/org-loader';
import { recipientsFor } from '../../domain/recipients';
import { startSmtp, type TestSmtp } from '../helpers/smtp';
import { miniReminder } from '../helpers/mail-message';

const text = readFileSync(`${__dirname}/../fixtures/mini-org.yaml`, 'utf8');
const first = parseOrg(text, 'mini-org.yaml');
const second = parseOrg(
  text.replace(
    'liaison: { name: 刘洋, email: liu.yang@example.org }',
    'liaison: { name: 孙丽, email: sun.li@example.org }',
  ),
  'mini-org-2.yaml',
);

// Built from the organisation the deadline opened with, the liaison then 刘洋, the committee copied.
const message = (step: string): DeadlineMessage => miniReminder(first, { step }, ['unit', 'parent']);

describe('mail to the current contacts', () => {
  let smtp: TestSmtp;
  let ledger: LedgerStore;
  let inner: Mailer;
  beforeEach(async () => {
    smtp = await startSmtp();
    ledger = await openLedger('sqlite::memory:');
    inner = await createMailer({
      url: smtp.url,
      from: 'office@example.org',
      baseUrl: 'https://cxzy.example.org',
      ledger,
    });
  });
  afterEach(async () => {
    await inner.close();
    await smtp.stop();
    await ledger.close();
  });
  const lastTo = () => smtp.received.at(-1)!.envelopeTo;
  const reimport = async (org: typeof first, at: string) =>
    ledger.record(reimportEvent('mini', await ledger.storeOrg('mini', org), org.order.length, at, '组织部'));

  it('goes as built until a re-import, then to the file’s contacts; the latest import wins', async () => {
    const mailer = readdressing(inner, ledger, 0);
    await mailer.send(message('reminder-1'));
    expect(lastTo()).toEqual(['liu.yang@example.org', 'li.mech@example.org']);

    await reimport(second, '2010-09-23T01:00:00.000Z');
    expect((await mailer.send(message('reminder-2'))).accepted).toEqual(['sun.li@example.org', 'li.mech@example.org']);
    expect(smtp.received.at(-1)!.mail.to).toMatchObject({ text: expect.stringContaining('孙丽') });
    // The ledger's record of the message names whom it went to.
    const [intent] = await ledger
      .events({ campaignId: 'mini', kinds: ['message-intent'], unitId: 'b-mech-t1' })
      .then((all) => all.filter((e) => e.step === 'reminder-2'));
    expect(intent!.recipients).toEqual(['sun.li@example.org', 'li.mech@example.org']);

    // The first file again, later: its contacts are the current ones once more.
    await reimport(first, '2010-09-24T01:00:00.000Z');
    await mailer.send(message('due'));
    expect(lastTo()).toEqual(['liu.yang@example.org', 'li.mech@example.org']);
  });

  it('reads a campaign’s contacts at most once within the freshness asked for', async () => {
    const mailer = readdressing(inner, ledger, 60_000);
    await mailer.send(message('reminder-1'));
    await reimport(second, '2010-09-23T01:00:00.000Z');
    // Read a moment ago, trusted for a minute: the import is not seen yet.
    await mailer.send(message('reminder-2'));
    expect(lastTo()).toEqual(['liu.yang@example.org', 'li.mech@example.org']);
    // A mailer that reads them afresh sees it.
    await readdressing(inner, ledger, 60_000).send(message('due'));
    expect(lastTo()).toEqual(['sun.li@example.org', 'li.mech@example.org']);
  });

  it('sends a message built for a unit without an address to the unit, once a re-import gives it one', async () => {
    const mailer = readdressing(inner, ledger, 0);
    const built = miniReminder(first, {
      unitId: 'b-info-s1',
      unitName: '信息学院研究生党支部',
      ...recipientsFor(first, 'b-info-s1', ['unit']),
      unitUnreachable: true,
    });
    expect(built.to.map((r) => r.email)).toEqual(['zhao.info@example.org']);
    const before = await mailer.send(built);
    expect([before.accepted, before.reachedUnit]).toEqual([['zhao.info@example.org'], undefined]);

    await reimport(
      parseOrg(
        text.replace('secretary: { name: 黄磊 }', 'secretary: { name: 黄磊, email: huang.lei@example.org }'),
        'mini-org-3.yaml',
      ),
      '2010-09-23T01:00:00.000Z',
    );
    const after = await mailer.send({ ...built, step: 'reminder-2' });
    expect([after.accepted, after.reachedUnit]).toEqual([['huang.lei@example.org', 'zhao.info@example.org'], true]);
    expect(smtp.received.at(-1)!.mail.cc).toMatchObject({ text: expect.stringContaining('zhao.info@example.org') });
  });
});
