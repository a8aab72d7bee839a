/**
 * Whether mail can go out now, for the worker's readiness: the outbox folder is writable, or
 * the SMTP server answers, greets and takes our login (nodemailer's `verify`; nothing is sent).
 */
import { access, constants, mkdir } from 'node:fs/promises';
import nodemailer from 'nodemailer';

/** Resolves when mail can go out through `url`; rejects with the reason. */
export async function checkMail(url: string, timeoutMs = 3000): Promise<void> {
  if (url.startsWith('outbox:')) {
    const dir = url.slice('outbox:'.length) || 'outbox';
    await mkdir(dir, { recursive: true });
    await access(dir, constants.W_OK);
    return;
  }
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
