/**
 * Whether mail can go out now, for the readiness of the worker and the web service: the outbox
 * folder is writable, or the SMTP server answers, greets and takes our login (nodemailer's
 * `verify`; nothing is sent).
 */
import nodemailer from 'nodemailer';
import { writableDir, type HealthCheck } from '../config/health';
import { outboxDirOf } from './outbox';

/** Resolves when mail can go out through `url`; rejects with the reason. */
export async function checkMail(url: string, timeoutMs = 3000): Promise<void> {
  const outbox = outboxDirOf(url);
  if (outbox !== undefined) return writableDir(outbox);
  // A probe must answer within the prober's patience: nodemailer would wait minutes.
  const u = new URL(url);
  for (const k of ['connectionTimeout', 'greetingTimeout', 'socketTimeout']) u.searchParams.set(k, String(timeoutMs));
  const t = nodemailer.createTransport(u.toString());
  try {
    await t.verify();
  } finally {
    t.close();
  }
}

/** The readiness check of a process that sends mail through `url`. */
export const mailCheck = (url: string): HealthCheck => ({ name: 'mail', run: () => checkMail(url) });
