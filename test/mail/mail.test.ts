import path from 'node:path';
import os from 'node:os';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { simpleParser } from 'mailparser';
import { openLedger } from '../../ledger';
import type { LedgerStore } from '../../ledger/types';
import { createMailer, dedupeKey, messageIdFor } from '../../mail';
import type { DeadlineMessage, Mailer } from '../../mail/types';
import { renderMessage, roleLabel, TEMPLATES_DIR } from '../../mail/render';
import { listOutbox, showOutboxMessage } from '../../mail/outbox';
import { recipientsFor } from '../../domain/recipients';
import { unitPhonesFor } from '../../domain/engine/mail-message';
import { CurrentContacts } from '../../mail/current-contacts';
import { reimportEvent } from '../../ledger/org-versions';
import { contactProblems, unitsReaching, type MailDelivery, type MailFailure } from '../../domain/contact-problems';
import { mailRefusals } from '../../mail/refusals';
import { parseOrg } from '../../domain/org-loader';
import { startSmtp, type TestSmtp } from '../helpers/smtp';
import { miniReminder } from '../helpers/mail-message';

const org = parseOrg(readFileSync(`${__dirname}/../fixtures/mini-org.yaml`, 'utf8'), 'mini-org.yaml');

const message = (over: Partial<DeadlineMessage> = {}): DeadlineMessage => miniReminder(org, over);

/** What a Temporal activity retry does: call again after a backoff while the error is transient. */
async function withRetries<T>(fn: () => Promise<T>, attempts: string[]): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await fn();
    } catch (err) {
      attempts.push((err as Error).name);
      if ((err as Error).name !== 'MailTransientError' || i > 20) throw err;
      await new Promise((r) => setTimeout(r, 50 * 2 ** Math.min(i, 4)));
    }
  }
}

describe('deadline mail', () => {
  let smtp: TestSmtp;
  let ledger: LedgerStore;
  let mailer: Mailer;
  beforeEach(async () => {
    smtp = await startSmtp();
    ledger = await openLedger('sqlite::memory:');
    mailer = await createMailer({
      url: smtp.url,
      from: '创先争优办公室 <office@example.org>',
      baseUrl: 'https://cxzy.example.org',
      ledger,
    });
  });
  afterEach(async () => {
    await mailer.close();
    await smtp.stop();
    await ledger.close();
  });

  it('arrives in Chinese, with text, HTML and a calendar attachment, once', async () => {
    const r = await mailer.send(message());
    expect(r.status).toBe('sent');
    expect(smtp.received).toHaveLength(1);
    const { mail } = smtp.received[0]!;
    expect(mail.subject).toBe('【提醒】机械学院教工第一党支部「2010年第三季度工作汇报」将于2010年9月25日截止');
    expect(mail.to).toMatchObject({ value: [{ name: '刘洋', address: 'liu.yang@example.org' }] });
    expect(mail.messageId).toBe(messageIdFor(message()));
    expect(mail.text).toContain('截止时间：2010年9月25日（星期六）23:59');
    expect(mail.text).toContain('距截止还有：3天14小时');
    expect(mail.text).toContain('https://cxzy.example.org/submit/mini/quarterly-report/2010-Q3/b-mech-t1');
    expect(mail.text).toContain('刘洋 <liu.yang@example.org>（本单位联络员）');
    expect(mail.html).toContain('<a href="https://cxzy.example.org/submit/mini/quarterly-report/2010-Q3/b-mech-t1">');
    const ics = mail.attachments.find((a) => a.filename === 'deadline.ics')!;
    expect(ics.contentType).toBe('text/calendar');
    const icsText = ics.content.toString('utf8');
    expect(icsText).toContain('DTSTART:20100925T155959Z');
    expect(icsText).toMatch(/UID:mini_b-mech-t1_quarterly-report_2010-Q3_reminder-1@campaign.invalid/);

    expect((await mailer.send(message())).status).toBe('already-sent');
    expect(smtp.received).toHaveLength(1);
    expect(await ledger.get(`msg:${dedupeKey(message())}:sent`)).toMatchObject({
      kind: 'message-sent',
      recipients: ['liu.yang@example.org'],
      step: 'reminder-1',
    });
  });

  it('escalations name everyone told and why, and HTML-escape what they show', async () => {
    const to = recipientsFor(org, 'b-mech-t1', ['unit', 'parent', 'office']);
    expect(to.to.map((r) => r.role)).toEqual(['liaison']);
    expect(to.cc.map((r) => r.role)).toEqual(['parent-secretary', 'office']);
    await mailer.send(
      message({
        kind: 'escalation',
        step: 'escalation-2',
        sentAt: '2010-09-28T01:00:00.000Z',
        unitName: '支部<b>',
        ...to,
      }),
    );
    const { mail, envelopeTo } = smtp.received[0]!;
    expect(envelopeTo.sort()).toEqual(['li.mech@example.org', 'liu.yang@example.org', 'office@example.org']);
    expect(mail.subject).toContain('【督办】');
    expect(mail.text).toContain('已逾期2天9小时');
    expect(mail.text).toContain('李书记 <li.mech@example.org>（上级党委书记（督办抄送））');
    expect(mail.html).toContain('支部&lt;b&gt;');
    expect(mail.html).not.toContain('支部<b>');
  });

  it('an SMTP server that is down for a while: retries with backoff, then exactly one copy arrives', async () => {
    await smtp.stop();
    const attempts: string[] = [];
    setTimeout(() => void smtp.start(), 600);
    const r = await withRetries(() => mailer.send(message()), attempts);
    expect(attempts.length).toBeGreaterThan(0);
    expect(new Set(attempts)).toEqual(new Set(['MailTransientError']));
    expect(r.status).toBe('sent');
    expect(smtp.received).toHaveLength(1);
    // The retry loop of an activity that already succeeded sends nothing more.
    expect((await withRetries(() => mailer.send(message()), attempts)).status).toBe('already-sent');
    expect(smtp.received).toHaveLength(1);
  });

  it('a rejected recipient is recorded as failed and not retried', async () => {
    smtp.reject.add('liu.yang@example.org');
    const r = await mailer.send(message());
    expect(r).toMatchObject({ status: 'failed', rejected: ['liu.yang@example.org'] });
    expect(smtp.received).toHaveLength(0);
    expect(await ledger.get(`msg:${dedupeKey(message())}:failed`)).toMatchObject({ kind: 'message-failed' });
    smtp.reject.clear();
    expect((await mailer.send(message())).status).toBe('failed'); // not sent later by a retry either
    expect(smtp.received).toHaveLength(0);
  });

  it('a partly rejected message reaches the others and lists who was refused', async () => {
    smtp.reject.add('office@example.org');
    const r = await mailer.send(
      message({ step: 'escalation-3', kind: 'escalation', ...recipientsFor(org, 'b-mech-t1', ['unit', 'office']) }),
    );
    expect(r).toMatchObject({ status: 'sent', rejected: ['office@example.org'], accepted: ['liu.yang@example.org'] });
  });

  it('a refused copy joins the roster’s list of what to mend, with the server’s reason, until a later message reaches it', async () => {
    const units = Object.keys(org.units);
    const escalation = (unitId: string, unitName: string, sentAt = '2010-09-22T01:00:00.000Z') =>
      message({
        unitId,
        unitName,
        sentAt,
        step: 'escalation-1',
        kind: 'escalation',
        ...recipientsFor(org, unitId, ['unit', 'parent']),
      });
    const mend = async () =>
      contactProblems(
        org,
        units,
        // As the roster's page asks: each address among the messages of the units it can reach.
        ...(Object.values(await mailRefusals(ledger, 'mini', unitsReaching(org))) as [MailFailure[], MailDelivery[]]),
      );
    // The committee secretary's address, in copy of a branch's escalation, is refused; the branch's is taken.
    smtp.reject.add('li.mech@example.org');
    const sent = await mailer.send(escalation('b-mech-t1', '机械学院教工第一党支部'));
    expect(sent).toMatchObject({
      status: 'sent',
      accepted: ['liu.yang@example.org'],
      rejected: ['li.mech@example.org'],
    });
    expect(await ledger.get(`msg:${dedupeKey(escalation('b-mech-t1', '机械学院教工第一党支部'))}:sent`)).toMatchObject({
      error: 'rejected: li.mech@example.org (550 mailbox li.mech@example.org unavailable)',
      data: {
        rejected: ['li.mech@example.org'],
        reasons: { 'li.mech@example.org': '550 mailbox li.mech@example.org unavailable' },
      },
    });
    // And a reminder refused as a whole, to the branch's liaison.
    smtp.reject.add('liu.yang@example.org');
    expect((await mailer.send(message({ step: 'reminder-2' }))).status).toBe('failed');
    const listed = await mend();
    expect(
      listed.refused.map((r) => [r.email, r.holders.map((h) => `${h.unitId} ${h.post}`), r.times, r.error]),
    ).toEqual([
      ['li.mech@example.org', ['c-mech secretary'], 1, '550 mailbox li.mech@example.org unavailable'],
      ['liu.yang@example.org', ['b-mech-t1 liaison'], 1, '550 mailbox liu.yang@example.org unavailable'],
    ]);

    // The committee's secretary is reached in copy of another branch's escalation: her refusal is answered.
    smtp.reject.clear();
    const next = escalation('b-mech-s1', '机械学院学生第一党支部', '2010-09-23T01:00:00.000Z');
    expect((await mailer.send(next)).status).toBe('sent');
    expect((await mend()).refused.map((r) => r.email)).toEqual(['liu.yang@example.org']);
  });

  it('a recipient deferred (4xx) while the others take the message is asked again until delivered, each once', async () => {
    const m = message({
      step: 'escalation-1',
      kind: 'escalation',
      ...recipientsFor(org, 'b-mech-t1', ['unit', 'parent']),
    });
    const key = dedupeKey(m);
    smtp.defer.add('li.mech@example.org');
    const sent = await mailer.send(m);
    expect(sent).toMatchObject({
      status: 'sent',
      accepted: ['liu.yang@example.org'],
      rejected: [],
      deferred: ['li.mech@example.org'],
    });
    expect(await ledger.get(`msg:${key}:sent`)).toMatchObject({
      error: 'deferred: li.mech@example.org (451 mailbox li.mech@example.org busy, try again later)',
      data: { rejected: [], deferred: ['li.mech@example.org'] },
    });
    // Deferred is not refused: nothing for the roster to mend while it is asked again, but a warning.
    const asked = await mailRefusals(ledger, 'mini');
    expect(asked.failures).toEqual([]);
    expect(asked.deferrals).toEqual([
      {
        at: m.sentAt,
        email: 'li.mech@example.org',
        messageKey: key,
        error: '451 mailbox li.mech@example.org busy, try again later',
      },
    ]);
    // A caller retried after the send still learns whom to ask again.
    expect(await mailer.send(m)).toMatchObject({ status: 'already-sent', deferred: ['li.mech@example.org'] });

    // Still deferred: a transient error, nothing recorded for her, nothing delivered.
    await expect(mailer.redeliver(m, ['li.mech@example.org'])).rejects.toMatchObject({ name: 'MailTransientError' });
    expect(await ledger.get(`msg:${key}:to:li.mech@example.org:sent`)).toBeUndefined();
    expect(smtp.received).toHaveLength(1);
    // Taken at last: the same message, its headers naming both, delivered to her alone, and recorded.
    smtp.defer.clear();
    expect(await mailer.redeliver(m, ['li.mech@example.org'])).toEqual({
      accepted: ['li.mech@example.org'],
      rejected: [],
    });
    expect(smtp.received).toHaveLength(2);
    const again = smtp.received[1]!;
    expect(again.envelopeTo).toEqual(['li.mech@example.org']);
    expect(again.mail.messageId).toBe(messageIdFor(m));
    expect(again.mail.subject).toBe(smtp.received[0]!.mail.subject);
    expect(again.mail.cc).toMatchObject({ value: [{ address: 'li.mech@example.org' }] });
    expect(
      await ledger.firstDeliveriesAfter('mini', [{ email: 'li.mech@example.org', after: '2010-01-01T00:00:00.000Z' }]),
    ).toEqual(new Map([['li.mech@example.org', m.sentAt]]));
    expect((await mailRefusals(ledger, 'mini')).deferrals).toEqual([]);
    // Asked again (a retried activity): nobody owed, nothing sent; given up on: nothing to give up.
    expect(await mailer.redeliver(m, ['li.mech@example.org'])).toEqual({ accepted: [], rejected: [] });
    expect(await mailer.abandon(m, ['li.mech@example.org'], 'deferred')).toEqual([]);
    expect(smtp.received).toHaveLength(2);
  });

  it('a deferred recipient refused for good, or given up on, joins the roster’s list of what to mend', async () => {
    const m = message({
      step: 'escalation-1',
      kind: 'escalation',
      ...recipientsFor(org, 'b-mech-t1', ['unit', 'parent']),
    });
    const other = message({ ...m, step: 'escalation-2' });
    smtp.defer.add('li.mech@example.org');
    await mailer.send(m);
    await mailer.send(other);
    smtp.defer.clear();
    smtp.reject.add('li.mech@example.org');
    expect(await mailer.redeliver(m, ['li.mech@example.org'])).toEqual({
      accepted: [],
      rejected: ['li.mech@example.org'],
    });
    expect(
      await mailer.abandon(other, ['li.mech@example.org'], 'deferred, not delivered within 3 days: 451 busy'),
    ).toEqual(['li.mech@example.org']);
    expect(await mailer.abandon(other, ['li.mech@example.org'], 'again')).toEqual([]);
    const { failures, deferrals } = await mailRefusals(ledger, 'mini');
    expect(failures.map((f) => [f.recipients, f.error])).toEqual([
      [['li.mech@example.org'], '550 mailbox li.mech@example.org unavailable'],
      [['li.mech@example.org'], 'deferred, not delivered within 3 days: 451 busy'],
    ]);
    // Refused for good or given up on: no longer deferred.
    expect(deferrals).toEqual([]);
    expect(smtp.received).toHaveLength(2);
  });

  it('a message every recipient of which is refused, some only for now, is sent to nobody yet and not retried whole', async () => {
    // The branch's liaison's mailbox is full; the copy to the committee's secretary is refused for good.
    const m = message({
      step: 'escalation-1',
      kind: 'escalation',
      ...recipientsFor(org, 'b-mech-t1', ['unit', 'parent']),
    });
    const key = dedupeKey(m);
    smtp.defer.add('liu.yang@example.org');
    smtp.reject.add('li.mech@example.org');
    const sent = await mailer.send(m);
    expect(sent).toMatchObject({
      status: 'sent',
      accepted: [],
      rejected: ['li.mech@example.org'],
      deferred: ['liu.yang@example.org'],
    });
    expect(smtp.received).toHaveLength(0);
    expect(await ledger.get(`msg:${key}:sent`)).toMatchObject({
      kind: 'message-sent',
      recipients: [],
      error:
        'rejected: li.mech@example.org (550 mailbox li.mech@example.org unavailable); ' +
        'deferred: liu.yang@example.org (451 mailbox liu.yang@example.org busy, try again later)',
      data: { rejected: ['li.mech@example.org'], deferred: ['liu.yang@example.org'] },
    });
    expect(await ledger.get(`msg:${key}:failed`)).toBeUndefined();
    // The one refused for good is on the roster's list; the one deferred is not (yet).
    expect((await mailRefusals(ledger, 'mini')).failures.map((f) => f.recipients)).toEqual([['li.mech@example.org']]);
    // A retried caller learns whom to ask again, and nothing goes out twice.
    expect(await mailer.send(m)).toMatchObject({ status: 'already-sent', deferred: ['liu.yang@example.org'] });
    // Her mailbox takes mail again: the message reaches her alone, once.
    smtp.defer.clear();
    expect(await mailer.redeliver(m, ['liu.yang@example.org'])).toEqual({
      accepted: ['liu.yang@example.org'],
      rejected: [],
    });
    expect(smtp.received.map((r) => r.envelopeTo)).toEqual([['liu.yang@example.org']]);
    expect(smtp.received[0]!.mail.messageId).toBe(messageIdFor(m));
  });

  it('a message refused in the envelope for good is failed, and a server that is down is retried, as before', async () => {
    smtp.reject.add('liu.yang@example.org');
    smtp.reject.add('li.mech@example.org');
    const both = message({
      step: 'escalation-1',
      kind: 'escalation',
      ...recipientsFor(org, 'b-mech-t1', ['unit', 'parent']),
    });
    expect(await mailer.send(both)).toMatchObject({
      status: 'failed',
      rejected: ['liu.yang@example.org', 'li.mech@example.org'],
    });
    // A server that answers 451 to the message itself (DATA), not to its recipients, is asked again whole.
    smtp.reject.clear();
    smtp.beforeAccept = () => false;
    await expect(mailer.send(message({ step: 'reminder-2' }))).rejects.toMatchObject({ name: 'MailTransientError' });
    expect(await ledger.get(`msg:${dedupeKey(message({ step: 'reminder-2' }))}:sent`)).toBeUndefined();
  });
  it('every template renders in Chinese and in English without unknown placeholders', () => {
    // Every template there is, read from the directory: a kind added without its English twin fails here.
    const kinds = readdirSync(path.join(TEMPLATES_DIR, 'zh')).map((f) => f.replace(/\.txt$/, ''));
    expect(readdirSync(path.join(TEMPLATES_DIR, 'en')).map((f) => f.replace(/\.txt$/, ''))).toEqual(kinds);
    expect(kinds).toEqual(
      expect.arrayContaining(['notice', 'extension-request', 'extension-granted', 'extension-declined']),
    );
    for (const kind of kinds as DeadlineMessage['kind'][]) {
      for (const locale of ['zh', 'en'] as const) {
        const r = renderMessage(
          message({
            kind,
            locale,
            rectificationDeadline: '2010-10-15T15:59:59.000Z',
            phaseName: '全面争创',
            receiptNumber: 'R1A2B-3C4D-5E6F',
            receivedAt: '2010-09-24T02:00:00.000Z',
            correctedBy: '组织部 王主任',
            correctionReason: '书记出差',
            requestedUntil: '2010-10-08T09:00:00.000Z',
            requestNumber: 1,
          }),
          'https://x.example.org',
        );
        expect(r.subject.length).toBeGreaterThan(5);
        expect(r.text).not.toMatch(/\{\{|undefined/);
        expect(r.html).toContain('<html');
      }
    }
    const asked = (locale: 'zh' | 'en') =>
      renderMessage(
        message({
          kind: 'extension-request',
          locale,
          correctedBy: '刘洋',
          correctionReason: '书记出差',
          requestedUntil: '2010-10-08T09:00:00.000Z',
          requestNumber: 2,
        }),
        'https://x.example.org',
      ).text;
    expect(asked('zh')).toContain('延至2010年10月8日（星期五）17:00');
    // Every address in the HTML part is a link, broken anywhere on a narrow screen, not only the submission link.
    expect(
      renderMessage(message({ kind: 'extension-request', requestNumber: 2 }), 'https://x.example.org').html,
    ).toContain(
      '<span style="word-break: break-all"><a href="https://x.example.org/console/mini/o/quarterly-report/2010-Q3/b-mech-t1/extend?request=2">',
    );
    expect(asked('en')).toContain(
      'https://x.example.org/console/mini/o/quarterly-report/2010-Q3/b-mech-t1/extend?request=2',
    );
    expect(
      renderMessage(message({ kind: 'rectification', rectificationDeadline: '2010-10-15T15:59:59.000Z' }), 'x').text,
    ).toContain('于2010年10月15日（星期五）23:59前完成整改');
  });

  it('names a one-off report by its title alone, a cycle once, and a phase in 「」, never in ASCII quotes', () => {
    const oneOff = (kind: DeadlineMessage['kind'], locale: 'zh' | 'en' = 'zh') =>
      renderMessage(
        message({
          kind,
          locale,
          obligationKey: 'branch-plan',
          obligationTitle: '党支部创先争优活动实施方案',
          cycleKey: 'once',
          cycleLabel: '一次性',
          phaseName: '全面争创',
          rectificationDeadline: '2010-07-16T15:59:59.000Z',
        }),
        'x',
      );
    expect(oneOff('notice').subject).toBe(
      '【创先争优测试活动】请按时报送「党支部创先争优活动实施方案」（截止2010年9月25日）',
    );
    expect(oneOff('reminder').subject).toBe(
      '【提醒】机械学院教工第一党支部「党支部创先争优活动实施方案」将于2010年9月25日截止',
    );
    expect(oneOff('notice').text).toContain('应报送「党支部创先争优活动实施方案」。');
    expect(oneOff('notice', 'en').subject).toBe('[创先争优测试活动] 党支部创先争优活动实施方案 due Sat 25 Sept 2010');
    expect(oneOff('phase-started').subject).toBe('【创先争优测试活动】进入「全面争创」阶段');
    for (const kind of [
      'notice',
      'reminder',
      'due',
      'escalation',
      'rectification',
      'phase-started',
      'review-due',
    ] as const) {
      const r = oneOff(kind);
      expect([kind, r.subject]).toEqual([kind, expect.not.stringMatching(/一次性|"/)]);
      expect([kind, r.text]).toEqual([kind, expect.not.stringMatching(/一次性|"/)]);
      expect([kind, oneOff(kind, 'en').text]).toEqual([kind, expect.not.stringMatching(/one-off|一次性| for \./)]);
    }
    // A recurring report names its cycle, and the cadence word they share once.
    expect(renderMessage(message({ kind: 'escalation', sentAt: '2010-09-28T01:00:00.000Z' }), 'x').subject).toBe(
      '【督办】机械学院教工第一党支部逾期未报送「2010年第三季度工作汇报」（已逾期2天9小时）',
    );
  });
});

describe('lateness in a receipt', () => {
  const DAY = 86_400_000;
  const receipt = (lateMs: number, locale: 'zh' | 'en') =>
    renderMessage(
      message({
        kind: 'receipt',
        locale,
        receiptNumber: 'R-0001',
        // Due Sat 25 Sept 2010 23:59:59 China time; received 9 days later, give or take the few
        // milliseconds a rehearsal's clock adds or loses.
        receivedAt: new Date(Date.parse('2010-09-25T15:59:59.000Z') + lateMs).toISOString(),
        lateMs,
      }),
      'x',
    ).text;

  it('is said to the minute, not floored: 9 days and 4 ms, or less 4 ms, is 9 days', () => {
    for (const lateMs of [9 * DAY + 4, 9 * DAY - 4]) {
      expect(receipt(lateMs, 'zh')).toMatch(/^报送情况：迟交9天$/m);
      expect(receipt(lateMs, 'en')).toMatch(/^Timeliness: late by 9 d$/m);
    }
    // Half a minute short of 9 days and 1 hour rounds up to it; a few seconds past it rounds down.
    expect(receipt(9 * DAY + 3_600_000 - 30_000, 'zh')).toMatch(/^报送情况：迟交9天1小时$/m);
    expect(receipt(9 * DAY + 3_600_000 + 4_000, 'zh')).toMatch(/^报送情况：迟交9天1小时$/m);
    expect(receipt(0, 'zh')).toMatch(/^报送情况：按时报送$/m);
  });
});

describe('the local outbox', () => {
  it('writes each message once as an .eml file a person can open, and lists it', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'outbox-'));
    const ledger = await openLedger('sqlite::memory:');
    const mailer = await createMailer({
      url: `outbox:${dir}`,
      from: 'office@example.org',
      baseUrl: 'http://localhost:8080',
      ledger,
    });
    try {
      await mailer.send(message());
      await mailer.send(message());
      await mailer.send(message({ step: 'due', kind: 'due', sentAt: '2010-09-25T00:30:00.000Z' }));
      const list = await listOutbox(dir);
      expect(list.map((e) => e.subject)).toEqual([
        expect.stringContaining('【提醒】'),
        expect.stringContaining('【今日截止】'),
      ]);
      const eml = await simpleParser(readFileSync(list[0]!.file));
      expect(eml.attachments[0]!.filename).toBe('deadline.ics');
      expect((await showOutboxMessage(dir, '2')).subject).toContain('【今日截止】');
    } finally {
      await mailer.close();
      await ledger.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('shows an outbox message by its number or id only, never a path', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'outbox-show-'));
    const ledger = await openLedger('sqlite::memory:');
    const mailer = await createMailer({ url: `outbox:${dir}`, from: 'o@example.org', baseUrl: 'http://x', ledger });
    try {
      await mailer.send(message());
      const [entry] = await listOutbox(dir);
      expect(entry!.id).toMatch(/^[0-9a-f]{32}$/);
      expect(messageIdFor(message())).toContain(entry!.id);
      expect((await showOutboxMessage(dir, '1')).subject).toContain('【提醒】');
      expect((await showOutboxMessage(dir, entry!.id)).subject).toContain('【提醒】');
      const secret = `${dir}-secret.eml`; // beside the outbox, not in it
      writeFileSync(secret, 'Subject: not in the outbox\n\nprivate');
      for (const which of [
        '/etc/passwd',
        secret,
        `../${path.basename(secret)}`,
        path.basename(entry!.file),
        '1.eml',
        '-1',
      ]) {
        await expect(showOutboxMessage(dir, which)).rejects.toMatchObject({
          code: 'OUTBOX_NO_SUCH_MESSAGE',
          message: expect.stringContaining('is neither a message number nor a message id'),
        });
      }
      await expect(showOutboxMessage(dir, '7')).rejects.toThrow('no message 7 in the outbox (it has 1)');
    } finally {
      await mailer.close();
      await ledger.close();
      rmSync(dir, { recursive: true, force: true });
      rmSync(`${dir}-secret.eml`, { force: true });
    }
  });

  it('refuses a mail URL of no known kind', async () => {
    const ledger = await openLedger('sqlite::memory:');
    await expect(
      createMailer({ url: 'pigeon://coop', from: 'a@example.org', baseUrl: 'x', ledger }),
    ).rejects.toMatchObject({ name: 'MailConfigError' });
    await ledger.close();
  });
});

describe('recipients', () => {
  it('a unit with no usable address: its committee is told at once, and that is said', () => {
    const r = recipientsFor(org, 'b-info-s1', ['unit']);
    expect(r).toMatchObject({ unreachable: true, escalatedTo: 'c-info' });
    expect(r.to).toEqual([{ name: '赵书记', email: 'zhao.info@example.org', role: 'parent-secretary' }]);
  });

  it('a message told in the stead of a unit without an address says why, and what to do with it', () => {
    const instead = miniReminder(org, {
      unitId: 'b-info-s1',
      unitName: '信息学院研究生党支部',
      ...recipientsFor(org, 'b-info-s1', ['unit']),
      unitUnreachable: true,
    });
    const zh = renderMessage(instead, 'x');
    expect(zh.text).toContain('赵书记同志');
    expect(zh.text).toContain(
      '信息学院研究生党支部在组织名册中没有可用邮箱，本通知改发给您，请转告该单位（链接可直接转发）；活动办公室补正名册后，此后的通知将直接发给该单位。',
    );
    expect(zh.html).toContain('信息学院研究生党支部在组织名册中没有可用邮箱');
    expect(renderMessage({ ...instead, locale: 'en' }, 'x').text).toContain(
      'has no usable address in the roster, so this notice comes to you instead',
    );
    // She is the addressee in the branch's stead, not copied to follow it up.
    expect(zh.text).toContain('赵书记 <zhao.info@example.org>（上级党委书记（代为转告））');
    expect(zh.text).not.toContain('督办抄送');
    expect(renderMessage({ ...instead, locale: 'en' }, 'x').text).toContain(
      "赵书记 <zhao.info@example.org>（secretary of the committee above (told in the unit's stead)）",
    );
    // A unit told itself is told nothing of the kind.
    expect(renderMessage(miniReminder(org), 'x').text).not.toContain('没有可用邮箱');
  });

  it('names the committee secretary as what she is in each mail: in copy, addressee, or told instead', () => {
    const copied = miniReminder(org, { ...recipientsFor(org, 'b-mech-t1', ['unit', 'parent']) });
    expect(renderMessage(copied, 'x').text).toContain('李书记 <li.mech@example.org>（上级党委书记（督办抄送））');
    // A step for the committee alone (the branch not told): she is its addressee.
    const hers = miniReminder(org, { ...recipientsFor(org, 'b-mech-t1', ['parent']) });
    expect(hers.to).toEqual([expect.objectContaining({ email: 'li.mech@example.org' })]);
    expect(renderMessage(hers, 'x').text).toContain('李书记 <li.mech@example.org>（上级党委书记（督办））');
    // A branch under the office itself without an address: the office is told in its stead.
    const office = { name: '组织部', email: 'office@example.org', role: 'office' as const };
    expect(roleLabel(office, true, true, 'zh')).toBe('活动领导小组办公室（代为转告）');
    expect(roleLabel(office, false, true, 'zh')).toBe('活动领导小组办公室（督办）');
    expect(roleLabel(office, true, false, 'zh')).toBe('活动领导小组办公室（督办）');
    expect(roleLabel({ ...office, role: 'liaison' }, true, false, 'en')).toBe("the unit's liaison");
  });

  it('an escalation and a rectification order give the unit’s telephones, as the roster of the moment has them', async () => {
    const withPhones = parseOrg(
      readFileSync(`${__dirname}/../fixtures/mini-org.yaml`, 'utf8')
        .replace(
          '{ name: 张伟, email: zhang.wei@example.org }',
          "{ name: 张伟, email: zhang.wei@example.org, phone: '13804512233' }",
        )
        .replace(
          '{ name: 刘洋, email: liu.yang@example.org }',
          "{ name: 刘洋, email: liu.yang@example.org, phone: '0451-86412345转8001' }",
        ),
      'mini-org-phones.yaml',
    );
    const toCommittee = { kind: 'escalation' as const, ...recipientsFor(withPhones, 'b-mech-t1', ['unit', 'parent']) };
    expect(unitPhonesFor(withPhones, 'b-mech-t1', toCommittee)).toEqual([
      { post: 'secretary', name: '张伟', phone: '13804512233' },
      { post: 'liaison', name: '刘洋', phone: '0451-86412345转8001' },
    ]);
    // A notice or reminder asks nobody to chase the unit, nor an escalation to the unit alone;
    // a unit without a number has none.
    expect(unitPhonesFor(withPhones, 'b-mech-t1', { ...toCommittee, kind: 'reminder' })).toEqual([]);
    const toItself = { kind: 'escalation' as const, ...recipientsFor(withPhones, 'b-mech-t1', ['unit']) };
    expect(unitPhonesFor(withPhones, 'b-mech-t1', toItself)).toEqual([]);
    expect(
      unitPhonesFor(withPhones, 'b-mech-s1', {
        kind: 'escalation',
        ...recipientsFor(withPhones, 'b-mech-s1', ['parent']),
      }),
    ).toEqual([]);

    const escalation = miniReminder(withPhones, {
      kind: 'escalation',
      step: 'escalation-1',
      sentAt: '2010-09-28T01:00:00.000Z',
      unitPhones: unitPhonesFor(withPhones, 'b-mech-t1', toCommittee),
      ...recipientsFor(withPhones, 'b-mech-t1', ['unit', 'parent']),
    });
    expect(renderMessage(escalation, 'x').text).toContain(
      '请督促尽快报送。联系电话：书记 张伟 13804512233；联络员 刘洋 0451-86412345转8001。',
    );
    expect(renderMessage({ ...escalation, locale: 'en' }, 'x').text).toContain(
      'followed up. Telephone: secretary 张伟, 13804512233; liaison 刘洋, 0451-86412345转8001.',
    );
    const order = { ...escalation, kind: 'rectification' as const, rectificationDeadline: '2010-10-15T09:00:00.000Z' };
    expect(renderMessage(order, 'x').text).toContain('前完成整改并报送整改情况。联系电话：书记 张伟 13804512233；');
    // None on file: the sentence ends as before.
    expect(renderMessage(miniReminder(org, { kind: 'escalation', step: 'escalation-1' }), 'x').text).toContain(
      '请督促尽快报送。\n',
    );

    // A re-import that changes the liaison's number: the next escalation gives the new one.
    const ledger = await openLedger('sqlite::memory:');
    try {
      const changed = parseOrg(
        readFileSync(`${__dirname}/../fixtures/mini-org.yaml`, 'utf8').replace(
          '{ name: 刘洋, email: liu.yang@example.org }',
          "{ name: 刘洋, email: liu.yang@example.org, phone: '13900001111' }",
        ),
        'mini-org-changed.yaml',
      );
      const ref = await ledger.storeOrg('mini', changed);
      await ledger.record(reimportEvent('mini', ref, changed.order.length, '2010-09-27T00:00:00.000Z', '组织部'));
      const contacts = new CurrentContacts(ledger, async (r) => (await ledger.orgVersion(r.hash))!, 0);
      expect((await contacts.readdress(escalation)).unitPhones).toEqual([
        { post: 'liaison', name: '刘洋', phone: '13900001111' },
      ]);
    } finally {
      await ledger.close();
    }
  });

  it("the unit's liaison first, else its secretary; the office last", () => {
    expect(recipientsFor(org, 'b-mech-t1', ['unit']).to[0]!.role).toBe('liaison');
    expect(recipientsFor(org, 'b-mech-s1', ['unit']).to[0]).toMatchObject({
      role: 'secretary',
      email: 'chen.jing@example.org',
    });
    expect(recipientsFor(org, 'b-mech-s1', ['office']).to).toEqual([
      { name: org.units.office!.name, email: 'office@example.org', role: 'office' },
    ]);
  });
});
