/**
 * The mailer: renders a deadline message, sends it once, and records it in the ledger.
 *
 * Exactly once, in effect: every message has a dedupe key and a Message-ID derived from
 * (campaign, unit, obligation, cycle, step). Before sending, the ledger is asked whether the
 * message was already sent (then nothing is sent) or already failed for good (then nothing is
 * retried); the intent is recorded before sending and the outcome after. A crash between the
 * SMTP server's acceptance and the record can still send a second copy: it carries the same
 * Message-ID, so mail clients show one.
 *
 * Transports, chosen by URL: `smtp://user:pass@host:port` or `smtps://…` (nodemailer; add
 * `?pool=true` to reuse connections), and `outbox:<dir>`, the embedded default, which writes
 * each message as an .eml file a person can open.
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type { SendMailOptions, Transporter } from 'nodemailer';
import type { LedgerEvent, LedgerStore } from '../ledger/types';
import { renderMessage, TEMPLATES_DIR, type RenderedMail } from './render';
import { redactSecrets, redactUrl } from '../config/redact';
import { calendarEvent } from './ics';
import { buildMessage } from './mime';
import { outboxDirOf } from './outbox';
import type { DeadlineMessage, Mailer, SendOptions, SendResult } from './types';

/** The mail server could not take the message now (down, timed out, 4xx): try again later. */
export class MailTransientError extends Error {
  override readonly name = 'MailTransientError';
  readonly code = 'MAIL_TRANSIENT';
}

/** The mail configuration is unusable (bad URL). */
export class MailConfigError extends Error {
  override readonly name = 'MailConfigError';
  readonly code = 'MAIL_CONFIG';
}

export interface MailerOptions {
  /** `smtp://…`, `smtps://…` or `outbox:<dir>`. */
  url: string;
  from: string;
  /** Where people submit: links are <baseUrl>/s/<token> (or /submit/<campaign>/<obligation>/<cycle>/<unit> without a secret). */
  baseUrl: string;
  /** LINK_SECRET: signs the links (web/links.ts). */
  linkSecret?: string;
  ledger: LedgerStore;
  templatesDir?: string;
}

const DEADLINE_KINDS = new Set([
  'notice',
  'reminder',
  'due',
  'escalation',
  'rectification',
  'review-due',
  'review-reminder',
  'review-escalation',
]);

/** The ledger's records of one recipient's redelivery of the message keyed `key` (`…:sent`, `…:failed`). */
const redeliveryRecord = (key: string, email: string): string => `msg:${key}:to:${email.toLowerCase()}`;

/** Those of `recipients` that a redelivery of `m` has not reached (`Mailer.redeliver`). */
/**
 * Those of `recipients` that a redelivery of the message keyed `key` has neither reached nor given
 * up on (`Mailer.redeliver`, `abandon`): still owed the message.
 */
export async function stillOwed(
  ledger: Pick<LedgerStore, 'get'>,
  key: string,
  recipients: readonly string[],
): Promise<string[]> {
  const settled = await Promise.all(
    recipients.map(async (r) => {
      const id = redeliveryRecord(key, r);
      return (await ledger.get(`${id}:sent`)) !== undefined || (await ledger.get(`${id}:failed`)) !== undefined;
    }),
  );
  return recipients.filter((_, i) => !settled[i]);
}

export async function notRedelivered(
  ledger: Pick<LedgerStore, 'get'>,
  m: DeadlineMessage,
  recipients: readonly string[],
): Promise<string[]> {
  const key = dedupeKey(m);
  const reached = await Promise.all(recipients.map((r) => ledger.get(`${redeliveryRecord(key, r)}:sent`)));
  return recipients.filter((_, i) => reached[i] === undefined);
}

export function dedupeKey(m: DeadlineMessage): string {
  return [m.campaignId, m.unitId, m.obligationKey ?? '-', m.cycleKey ?? '-', m.step].join('/');
}

export function messageIdFor(m: DeadlineMessage): string {
  const hash = createHash('sha256').update(dedupeKey(m)).digest('hex').slice(0, 32);
  return `<${hash}@${m.campaignId}.campaign.invalid>`;
}

interface Transport {
  /**
   * `mail.signal` aborts it (nodemailer closes the connection). `envelopeTo`, when given, is who
   * the server is asked to deliver to, whatever the headers name (a redelivery to those deferred).
   */
  send(mail: SendMailOptions, envelopeTo?: string[]): Promise<Delivery>;
  close(): void;
}

interface Delivery {
  accepted: string[];
  /** Refused for good (5xx) or without a code. */
  rejected: string[];
  /** Refused for now (4xx: a full mailbox, greylisting): worth asking again later (`redeliver`). */
  deferred?: string[];
  /** The server's answer to each refused recipient, where it gave one (`550 5.1.1 …`). */
  reasons?: Record<string, string>;
}

/** Each recipient the server refused (nodemailer's `rejectedErrors`): its answer, and whether only for now. */
function refusalsOf(rejectedErrors: unknown): { reasons?: Record<string, string>; deferred: Set<string> } {
  const reasons: Record<string, string> = {};
  const deferred = new Set<string>();
  if (Array.isArray(rejectedErrors))
    for (const e of rejectedErrors as { recipient?: unknown; response?: unknown; responseCode?: unknown }[]) {
      if (typeof e.recipient !== 'string') continue;
      if (typeof e.response === 'string') reasons[e.recipient] = e.response;
      if (typeof e.responseCode === 'number' && e.responseCode >= 400 && e.responseCode < 500)
        deferred.add(e.recipient);
    }
  return { ...(Object.keys(reasons).length > 0 ? { reasons } : {}), deferred };
}
const reasonsOf = (rejectedErrors: unknown) => refusalsOf(rejectedErrors).reasons;

/**
 * A message the server refused in the envelope, every recipient by an answer of its own, at
 * least one only for now (nodemailer's EENVELOPE with `rejectedErrors`): a full mailbox, not a
 * mail server that is down. Such a message is no better sent again as a whole a minute later
 * than those deferred are asked again on their own (`redeliver`), while the step that sent it
 * goes on. Undefined for anything else (the server down, MAIL FROM refused, DATA refused).
 */
function deferredEnvelope(err: unknown, recipients: readonly string[]): Delivery | undefined {
  const e = err as { code?: unknown; rejectedErrors?: unknown };
  if (e.code !== 'EENVELOPE' || !Array.isArray(e.rejectedErrors)) return undefined;
  const answered = new Set(
    (e.rejectedErrors as { recipient?: unknown }[]).flatMap((r) =>
      typeof r.recipient === 'string' ? [r.recipient.toLowerCase()] : [],
    ),
  );
  if (!recipients.every((r) => answered.has(r.toLowerCase()))) return undefined;
  const { reasons, deferred } = refusalsOf(e.rejectedErrors);
  if (deferred.size === 0) return undefined;
  const later = new Set([...deferred].map((r) => r.toLowerCase()));
  return {
    accepted: [],
    rejected: recipients.filter((r) => !later.has(r.toLowerCase())),
    deferred: recipients.filter((r) => later.has(r.toLowerCase())),
    ...(reasons ? { reasons } : {}),
  };
}

/** `a@x (550 …), b@y`: each address with the server's reason, for the ledger's error. */
function refusalText(list: readonly string[], reasons: Delivery['reasons']): string {
  return list.map((a) => (reasons?.[a] ? `${a} (${reasons[a]})` : a)).join(', ');
}

/** The ledger's error of a message some recipients refused: the refused for good, then the deferred. */
function partialError(d: Delivery): string | undefined {
  const parts = [
    ...(d.rejected.length > 0 ? [`rejected: ${refusalText(d.rejected, d.reasons)}`] : []),
    ...(d.deferred?.length ? [`deferred: ${refusalText(d.deferred, d.reasons)}`] : []),
  ];
  return parts.length > 0 ? parts.join('; ') : undefined;
}

function addresses(list: unknown): string[] {
  return Array.isArray(list)
    ? list.map((a) => (typeof a === 'string' ? a : String((a as { address?: string }).address)))
    : [];
}

/**
 * The outbox: each message an .eml file with Unix line breaks and its Bcc kept, the bytes
 * nodemailer's stream transport wrote (`newline: 'unix'`), built at once (mail/mime.ts) rather
 * than through its streams, which cost a rehearsal more than writing the files.
 */
function outboxTransport(dir: string): Transport {
  // The folder is made once, and again if someone removed it or making it failed.
  let made: Promise<unknown> | undefined;
  const makeDir = (): Promise<unknown> =>
    (made ??= mkdir(dir, { recursive: true }).catch((err: unknown) => {
      made = undefined;
      throw err;
    }));
  const write = async (file: string, bytes: Buffer): Promise<void> => {
    await makeDir();
    try {
      await writeFile(file, bytes);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      made = undefined;
      await makeDir();
      await writeFile(file, bytes);
    }
  };
  return {
    async send(mail) {
      const { raw, envelope } = await buildMessage(mail, { keepBcc: true });
      // The file is named after the Message-ID: writing the same message twice leaves one file.
      const id = String(mail.messageId).replace(/[<>]/g, '').split('@')[0];
      const stamp = String(mail.date instanceof Date ? mail.date.toISOString() : new Date().toISOString()).replace(
        /[:.]/g,
        '-',
      );
      // Unix line breaks as nodemailer's `newline: 'unix'` makes them: every CR byte dropped.
      await write(
        path.join(dir, `${stamp}-${id}.eml`),
        Buffer.from(raw.toString('latin1').replace(/\r/g, ''), 'latin1'),
      );
      return { accepted: envelope.to, rejected: [] };
    },
    close() {},
  };
}

const SMTP_TIMEOUTS = { connectionTimeout: '8000', greetingTimeout: '8000', socketTimeout: '15000' };

function smtpTransport(url: string): Transport {
  let t: Transporter;
  try {
    // nodemailer waits up to 2 minutes for a connection and 10 for a quiet socket; a send must
    // end well inside the phase announcement's heartbeat timeout (20 s), or a retry could
    // overlap it. The URL's own values win.
    const u = new URL(url);
    for (const [k, v] of Object.entries(SMTP_TIMEOUTS)) if (!u.searchParams.has(k)) u.searchParams.set(k, v);
    t = nodemailer.createTransport(u.toString());
  } catch (err) {
    throw new MailConfigError(`invalid mail URL ${redactUrl(url)}: ${redactSecrets((err as Error).message, [url])}`);
  }
  return {
    async send(mail, envelopeTo) {
      // Built whole before it goes out: streamed, a message left nodemailer in dozens of small
      // socket writes, the largest cost of sending in a profile of the fan-out; as one buffer
      // it is one write. The envelope is the one nodemailer would have derived.
      const { raw, envelope } = await buildMessage(mail);
      // The Message-ID given: nodemailer would otherwise make a random one for the envelope's node.
      const info = (await t.sendMail({
        envelope: envelopeTo ? { ...envelope, to: envelopeTo } : envelope,
        raw,
        messageId: mail.messageId,
        signal: mail.signal,
      })) as { accepted: unknown; rejected: unknown; rejectedErrors?: unknown };
      const { reasons, deferred } = refusalsOf(info.rejectedErrors);
      const refused = addresses(info.rejected);
      return {
        accepted: addresses(info.accepted),
        rejected: refused.filter((a) => !deferred.has(a)),
        ...(deferred.size > 0 ? { deferred: refused.filter((a) => deferred.has(a)) } : {}),
        ...(reasons ? { reasons } : {}),
      };
    },
    close() {
      t.close();
    },
  };
}

function makeTransport(url: string): Transport {
  const outbox = outboxDirOf(url);
  if (outbox !== undefined) return outboxTransport(outbox);
  if (/^smtps?:\/\//.test(url)) return smtpTransport(url);
  throw new MailConfigError(`mail URL must start with smtp://, smtps:// or outbox: (got "${url.split(':')[0]}:…")`);
}

/** What nodemailer is given for a deadline message: the same options, so the same bytes, on every retry. */
export function deadlineMail(
  m: DeadlineMessage,
  key: string,
  messageId: string,
  rendered: RenderedMail,
  opts: Pick<MailerOptions, 'from' | 'baseUrl' | 'linkSecret'>,
): SendMailOptions {
  return {
    from: opts.from,
    to: m.to.map((r) => ({ name: r.name, address: r.email })),
    cc: (m.cc ?? []).map((r) => ({ name: r.name, address: r.email })),
    subject: rendered.subject,
    text: rendered.text,
    html: rendered.html,
    messageId,
    // The MIME boundaries from the Message-ID's hash rather than random bytes for every part
    // (3% of the sender's CPU): a retried send builds the same bytes, and no text of ours
    // contains a 32-digit hash.
    baseBoundary: messageId.slice(1, 33),
    date: new Date(m.sentAt),
    headers: { 'X-Campaign-Dedupe-Key': key },
    attachments:
      DEADLINE_KINDS.has(m.kind) && m.dueAt
        ? [
            {
              filename: 'deadline.ics',
              contentType: 'text/calendar; charset=utf-8; method=PUBLISH',
              content: calendarEvent(m, key, rendered.subject, opts.baseUrl, opts.linkSecret),
            },
          ]
        : [],
  };
}

const isAbortError = (err: unknown): boolean => err instanceof Error && err.name === 'AbortError';

/** A permanent refusal: the server said 5xx, for the envelope or every recipient. */
function isPermanent(err: unknown): boolean {
  const e = err as { responseCode?: number; code?: string };
  return typeof e.responseCode === 'number' && e.responseCode >= 500 && e.responseCode < 600;
}

export function createMailer(opts: MailerOptions): Promise<Mailer> {
  let transport: Transport;
  try {
    transport = makeTransport(opts.url);
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new MailConfigError(String(err)));
  }
  const { ledger } = opts;

  const event = (
    m: DeadlineMessage,
    key: string,
    messageId: string,
    kind: LedgerEvent['kind'],
    extra: Partial<LedgerEvent>,
  ): LedgerEvent => ({
    id: `msg:${key}:${kind.slice('message-'.length)}`,
    campaignId: m.campaignId,
    kind,
    at: m.sentAt,
    phaseKey: m.phaseKey,
    obligationKey: m.obligationKey,
    cycleKey: m.cycleKey,
    unitId: m.unitId,
    step: m.step,
    dueAt: m.dueAt,
    messageId,
    data: { kind: m.kind },
    ...extra,
  });

  return Promise.resolve({
    async send(m: DeadlineMessage, sendOpts: SendOptions = {}): Promise<SendResult> {
      const key = dedupeKey(m);
      const messageId = messageIdFor(m);
      const sent = await ledger.get(`msg:${key}:sent`);
      if (sent) {
        // Said again, so that a caller retried after the send still has those deferred asked again.
        const deferred = Array.isArray(sent.data?.deferred) ? (sent.data.deferred as string[]) : [];
        return {
          status: 'already-sent',
          dedupeKey: key,
          messageId,
          accepted: sent.recipients ?? [],
          rejected: [],
          ...(deferred.length > 0 ? { deferred } : {}),
        };
      }
      const failed = await ledger.get(`msg:${key}:failed`);
      if (failed)
        return {
          status: 'failed',
          dedupeKey: key,
          messageId,
          accepted: [],
          rejected: failed.recipients ?? [],
          error: failed.error,
        };

      const rendered = renderMessage(m, opts.baseUrl, opts.templatesDir ?? TEMPLATES_DIR, opts.linkSecret);
      const all = [...m.to, ...(m.cc ?? [])].map((r) => r.email);
      await ledger.record(
        event(m, key, messageId, 'message-intent', {
          recipients: all,
          data: { kind: m.kind, subject: rendered.subject },
        }),
      );
      // The caller's signal goes with it: nodemailer closes the connection on abort.
      const mail = { ...deadlineMail(m, key, messageId, rendered, opts), signal: sendOpts.signal };
      let result: Delivery;
      try {
        result = await transport.send(mail);
      } catch (err) {
        // Aborted by the caller (a stopping worker): neither sent nor failed, for a retry to send.
        if (isAbortError(err)) throw err;
        const deferred = deferredEnvelope(err, all);
        if (!deferred) {
          if (!isPermanent(err))
            throw new MailTransientError(`mail to ${all.join(', ')} not sent yet: ${(err as Error).message}`);
          const error = (err as Error).message;
          // Every recipient refused in the envelope: each one's own answer kept beside the last.
          const reasons = reasonsOf((err as { rejectedErrors?: unknown }).rejectedErrors);
          await ledger.record(
            event(m, key, messageId, 'message-failed', {
              recipients: all,
              error,
              ...(reasons ? { data: { kind: m.kind, reasons } } : {}),
            }),
          );
          return { status: 'failed', dedupeKey: key, messageId, accepted: [], rejected: all, error };
        }
        // Handed over to nobody yet: recorded as sent to none, those deferred to be asked again.
        result = deferred;
      }
      if (result.accepted.length === 0 && !result.deferred?.length) {
        const refused = result.rejected;
        const error = `every recipient was rejected: ${refusalText(refused, result.reasons)}`;
        await ledger.record(
          event(m, key, messageId, 'message-failed', {
            recipients: refused,
            error,
            data: { kind: m.kind, ...(result.reasons ? { reasons: result.reasons } : {}) },
          }),
        );
        return { status: 'failed', dedupeKey: key, messageId, accepted: [], rejected: refused, error };
      }
      await ledger.record(
        event(m, key, messageId, 'message-sent', {
          recipients: result.accepted,
          // Those refused for good did not get it: the roster's list of what to mend counts them
          // (mail/refusals.ts). Those deferred are asked again (`redeliver`).
          error: partialError(result),
          data: {
            kind: m.kind,
            subject: rendered.subject,
            rejected: result.rejected,
            ...(result.deferred?.length ? { deferred: result.deferred } : {}),
            ...(result.reasons ? { reasons: result.reasons } : {}),
          },
        }),
      );
      return {
        status: 'sent',
        dedupeKey: key,
        messageId,
        accepted: result.accepted,
        rejected: result.rejected,
        ...(result.deferred?.length ? { deferred: result.deferred } : {}),
      };
    },

    async redeliver(m: DeadlineMessage, recipients: readonly string[], sendOpts: SendOptions = {}) {
      const key = dedupeKey(m);
      const messageId = messageIdFor(m);
      // One record per recipient redelivered: a retry asks only those still owed.
      const owed = await stillOwed(ledger, key, recipients);
      if (owed.length === 0) return { accepted: [], rejected: [] };
      const rendered = renderMessage(m, opts.baseUrl, opts.templatesDir ?? TEMPLATES_DIR, opts.linkSecret);
      // The same message, headers and Message-ID, to those owed alone.
      const mail = { ...deadlineMail(m, key, messageId, rendered, opts), signal: sendOpts.signal };
      const one = (
        email: string,
        kind: 'message-sent' | 'message-failed',
        error?: string,
        reasons?: Delivery['reasons'],
      ) =>
        event(m, key, messageId, kind, {
          id: `${redeliveryRecord(key, email)}:${kind.slice('message-'.length)}`,
          recipients: [email],
          ...(error !== undefined ? { error } : {}),
          data: { kind: m.kind, subject: rendered.subject, redelivery: true, ...(reasons ? { reasons } : {}) },
        });
      let result: Delivery;
      try {
        result = await transport.send(mail, owed);
      } catch (err) {
        if (isAbortError(err)) throw err;
        if (!isPermanent(err))
          throw new MailTransientError(`mail to ${owed.join(', ')} still deferred: ${(err as Error).message}`);
        const reasons = reasonsOf((err as { rejectedErrors?: unknown }).rejectedErrors);
        for (const email of owed)
          await ledger.record(one(email, 'message-failed', reasons?.[email] ?? (err as Error).message, reasons));
        return { accepted: [], rejected: owed };
      }
      for (const email of result.accepted) await ledger.record(one(email, 'message-sent'));
      for (const email of result.rejected)
        await ledger.record(one(email, 'message-failed', result.reasons?.[email] ?? 'rejected', result.reasons));
      if (result.deferred?.length)
        throw new MailTransientError(`mail to ${refusalText(result.deferred, result.reasons)} still deferred`);
      return { accepted: result.accepted, rejected: result.rejected };
    },

    async abandon(m: DeadlineMessage, recipients: readonly string[], error: string) {
      const key = dedupeKey(m);
      const messageId = messageIdFor(m);
      const given: string[] = [];
      for (const email of recipients) {
        const id = redeliveryRecord(key, email);
        if (await ledger.get(`${id}:sent`)) continue;
        const { inserted } = await ledger.record(
          event(m, key, messageId, 'message-failed', {
            id: `${id}:failed`,
            recipients: [email],
            error,
            data: { kind: m.kind, redelivery: true },
          }),
        );
        if (inserted) given.push(email);
      }
      return given;
    },

    close() {
      transport.close();
      return Promise.resolve();
    },
  });
}

/** A message outside any campaign, such as a sign-in link: sent as is, never recorded (it carries a secret). */
export interface PlainMail {
  to: string;
  subject: string;
  text: string;
}

export interface PlainSender {
  send(m: PlainMail): Promise<void>;
  close(): void;
}

export function createPlainSender(url: string, from: string): PlainSender {
  const transport = makeTransport(url);
  return {
    async send(m) {
      await transport.send({ from, to: m.to, subject: m.subject, text: m.text });
    },
    close: () => transport.close(),
  };
}

export type { DeadlineMessage, Mailer, SendOptions, SendResult } from './types';
