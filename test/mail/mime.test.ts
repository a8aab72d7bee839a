import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { Readable } from 'node:stream';
import { simpleParser } from 'mailparser';
import MailComposer from 'nodemailer/lib/mail-composer';
import { openLedger } from '../../ledger';
import type { LedgerStore } from '../../ledger/types';
import { createMailer, deadlineMail, dedupeKey, messageIdFor } from '../../mail';
import { calendarEvent } from '../../mail/ics';
import { buildMessage } from '../../mail/mime';
import { renderMessage } from '../../mail/render';
import type { DeadlineMessage, MessageKind } from '../../mail/types';
import { recipientsFor } from '../../domain/recipients';
import { parseOrg } from '../../domain/org-loader';
import { startSmtp } from '../helpers/smtp';

const org = parseOrg(readFileSync(`${__dirname}/../fixtures/mini-org.yaml`, 'utf8'), 'mini-org.yaml');
const FROM = '创先争优办公室 <office@example.org>';
const BASE = 'https://cxzy.example.org';

const KINDS: MessageKind[] = [
  'notice',
  'reminder',
  'due',
  'escalation',
  'rectification',
  'phase-started',
  'review-due',
  'review-reminder',
  'review-escalation',
  'receipt',
  'correction',
  'correction-request',
  'correction-declined',
  'comment-correction',
];

function message(kind: MessageKind, locale: 'zh' | 'en'): DeadlineMessage {
  return {
    kind,
    campaignId: 'mini',
    campaignTitle: '创先争优测试活动',
    timeZone: 'Asia/Shanghai',
    locale,
    unitId: 'b-mech-t1',
    unitName: '机械学院教工第一党支部 <b>&',
    obligationKey: 'quarterly-report',
    obligationTitle: '季度工作汇报',
    cycleKey: '2010-Q3',
    cycleLabel: '2010年第三季度',
    phaseName: '全面争创',
    step: `${kind}-1`,
    dueAt: '2010-09-25T15:59:59.000Z',
    rectificationDeadline: '2010-10-15T15:59:59.000Z',
    receiptNumber: 'R-2010-0001',
    receivedAt: '2010-09-24T03:00:00.000Z',
    correctedBy: 'office@example.org',
    correctionReason: '误传了二季度的表',
    sentAt: '2010-09-22T01:00:00.000Z',
    ...recipientsFor(org, 'b-mech-t1', kind.includes('escalation') ? ['unit', 'parent', 'office'] : ['unit']),
  };
}

function mailFor(m: DeadlineMessage, linkSecret?: string) {
  const rendered = renderMessage(m, BASE, undefined, linkSecret);
  return deadlineMail(m, dedupeKey(m), messageIdFor(m), rendered, { from: FROM, baseUrl: BASE, linkSecret });
}

describe('a message built at once (mail/mime.ts)', () => {
  it("is byte for byte what nodemailer's streams build, for every kind, in both languages", async () => {
    for (const kind of KINDS) {
      for (const locale of ['zh', 'en'] as const) {
        for (const secret of [undefined, 'a-link-secret-of-32-characters!!']) {
          const mail = mailFor(message(kind, locale), secret);
          const streamed = await new MailComposer(mail).compile().build();
          const built = await buildMessage(mail);
          expect([kind, locale, built.raw.toString('latin1')]).toEqual([kind, locale, streamed.toString('latin1')]);
          expect(built.envelope).toEqual(new MailComposer(mail).compile().getEnvelope());
        }
      }
    }
  });

  it('builds the same bytes again for a retried send (no random boundary, date or Message-ID)', async () => {
    const m = message('escalation', 'zh');
    const first = await buildMessage(mailFor(m));
    await new Promise((r) => setTimeout(r, 1100)); // a second later: a date taken from the clock would differ
    expect((await buildMessage(mailFor(m))).raw.equals(first.raw)).toBe(true);
    expect(first.raw.toString('latin1')).toContain(`Message-ID: ${messageIdFor(m)}`);
  });

  it('leaves a part it cannot write at once (a stream) to nodemailer, and the message is whole', async () => {
    const mail = {
      ...mailFor(message('notice', 'zh')),
      attachments: [
        { filename: 'plan.txt', content: Readable.from([Buffer.from('第一部分\n'), Buffer.from('第二部分\n')]) },
      ],
    };
    const parsed = await simpleParser((await buildMessage(mail)).raw);
    expect(parsed.attachments.map((a) => [a.filename, a.content.toString('utf8')])).toEqual([
      ['plan.txt', '第一部分\n第二部分\n'],
    ]);
    expect(parsed.text).toContain('机械学院教工第一党支部');
  });

  it('goes out over SMTP as built: the server receives these bytes', async () => {
    const smtp = await startSmtp();
    let ledger: LedgerStore | undefined;
    try {
      ledger = await openLedger('sqlite::memory:');
      const mailer = await createMailer({ url: smtp.url, from: FROM, baseUrl: BASE, ledger });
      const m = message('reminder', 'zh');
      expect((await mailer.send(m)).status).toBe('sent');
      await mailer.close();
      expect(smtp.received).toHaveLength(1);
      // On the wire every line ends in CRLF (nodemailer's SMTP data stream makes the HTML's bare LFs so).
      const built = (await buildMessage(mailFor(m))).raw.toString('latin1').replace(/\r?\n/g, '\r\n');
      expect(smtp.received[0]!.raw.toString('latin1')).toBe(built);
    } finally {
      await smtp.stop();
      await ledger?.close();
    }
  });

  it("writes into the outbox the bytes nodemailer's stream transport wrote (Unix line breaks, Bcc kept), for every kind", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'outbox-bytes-'));
    const ledger = await openLedger('sqlite::memory:');
    const secret = 'a-link-secret-of-32-characters!!';
    const streams = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
    try {
      const mailer = await createMailer({
        url: `outbox:${dir}`,
        from: FROM,
        baseUrl: BASE,
        linkSecret: secret,
        ledger,
      });
      for (const kind of KINDS) {
        for (const locale of ['zh', 'en'] as const) {
          const m = { ...message(kind, locale), step: `${kind}-${locale}` };
          expect((await mailer.send(m)).status).toBe('sent');
          const file = readdirSync(dir).find((f) => f.includes(messageIdFor(m).slice(1).split('@')[0]!));
          const written = readFileSync(path.join(dir, file!));
          // The same mail with a Bcc, which the outbox keeps as the stream transport did.
          const withBcc = await buildMessage({ ...mailFor(m, secret), bcc: 'archive@example.org' }, { keepBcc: true });
          const { message: streamed } = (await streams.sendMail(mailFor(m, secret))) as { message: Buffer };
          const { message: streamedBcc } = (await streams.sendMail({
            ...mailFor(m, secret),
            bcc: 'archive@example.org',
          })) as { message: Buffer };
          expect([kind, locale, written.toString('latin1')]).toEqual([kind, locale, streamed.toString('latin1')]);
          expect(withBcc.raw.toString('latin1').replace(/\r/g, '')).toBe(streamedBcc.toString('latin1'));
          expect(streamedBcc.toString('latin1')).toContain('Bcc: archive@example.org');
        }
      }
      // Removed while the mailer runs: the next message makes the folder again.
      rmSync(dir, { recursive: true });
      expect((await mailer.send({ ...message('notice', 'zh'), step: 'notice-again' })).status).toBe('sent');
      expect(readdirSync(dir)).toHaveLength(1);
      await mailer.close();
      // A folder that cannot be made (a file stands in its way): not sent yet, and once the
      // way is clear the next try makes it.
      const blocked = path.join(dir, 'blocked');
      writeFileSync(blocked, 'a file, not a folder');
      const blockedMailer = await createMailer({ url: `outbox:${blocked}/out`, from: FROM, baseUrl: BASE, ledger });
      const m = { ...message('notice', 'zh'), step: 'notice-blocked' };
      await expect(blockedMailer.send(m)).rejects.toThrow(/not sent yet/);
      rmSync(blocked);
      expect((await blockedMailer.send(m)).status).toBe('sent');
      expect(readdirSync(path.join(blocked, 'out'))).toHaveLength(1);
      await blockedMailer.close();
    } finally {
      await ledger.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the calendar attachment', () => {
  const unfold = (ics: string) => ics.replace(/\r\n /g, '');

  it('folds long lines at 75 octets without splitting a character, and unfolds to the text', () => {
    const m = { ...message('reminder', 'zh'), unitName: '机械工程学院教工第一党支部😀'.repeat(6) };
    const ics = calendarEvent(m, dedupeKey(m), '【提醒】'.repeat(12) + 'a,b;c', BASE);
    for (const line of ics.split('\r\n')) expect(Buffer.byteLength(line, 'utf8')).toBeLessThanOrEqual(75);
    expect(ics).not.toContain('\uFFFD');
    const lines = unfold(ics).split('\r\n');
    expect(lines).toContain(`SUMMARY:${'【提醒】'.repeat(12)}a\\,b\\;c`);
    expect(lines).toContain(`DESCRIPTION:${'机械工程学院教工第一党支部😀'.repeat(6)} 2010年第三季度 季度工作汇报`);
  });

  it('writes instants in UTC whatever form they come in, and never moves a day that does not exist', () => {
    const at = (dueAt: string) =>
      unfold(calendarEvent({ ...message('due', 'zh'), dueAt }, 'k', 's', BASE))
        .split('\r\n')
        .find((l) => l.startsWith('DTSTART:'));
    expect(at('2010-09-25T15:59:59.000Z')).toBe('DTSTART:20100925T155959Z');
    expect(at('2010-09-25T15:59:59Z')).toBe('DTSTART:20100925T155959Z');
    expect(at('2010-09-25T23:59:59+08:00')).toBe('DTSTART:20100925T155959Z');
    expect(at('2010-09-25T15:59:59')).toBe('DTSTART:20100925T155959Z'); // no offset: UTC, not the machine's zone
    expect(at('2010-02-30T00:00:00.000Z')).not.toBe('DTSTART:20100302T000000Z'); // Date's reading of 30 February
  });
});
