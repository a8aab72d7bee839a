/**
 * Reading the local outbox (the embedded mail transport's folder of .eml files).
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { simpleParser } from 'mailparser';

export interface OutboxEntry {
  index: number;
  file: string;
  date?: string;
  to: string;
  subject: string;
}

export async function outboxFiles(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir))
      .filter((f) => f.endsWith('.eml'))
      .sort()
      .map((f) => path.join(dir, f));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

const addressText = (a: unknown): string => {
  if (!a) return '';
  const list = Array.isArray(a) ? a : [a];
  return list.map((x: { text?: string }) => x.text ?? '').join(', ');
};

export async function listOutbox(dir: string): Promise<OutboxEntry[]> {
  const files = await outboxFiles(dir);
  return Promise.all(
    files.map(async (file, i) => {
      const m = await simpleParser(await readFile(file));
      return { index: i + 1, file, date: m.date?.toISOString(), to: addressText(m.to), subject: m.subject ?? '' };
    }),
  );
}

/** One message of the outbox, as its reader shows it. */
export interface OutboxMessage {
  file: string;
  from: string;
  to: string;
  cc?: string;
  date?: string;
  subject: string;
  attachments: string[];
  text: string;
}

export async function showOutboxMessage(dir: string, which: string): Promise<OutboxMessage> {
  const files = await outboxFiles(dir);
  const file = /^\d+$/.test(which) ? files[Number(which) - 1] : (files.find((f) => f.endsWith(which)) ?? which);
  if (!file) throw new Error(`no message ${which} in ${dir} (it has ${files.length})`);
  const m = await simpleParser(await readFile(file));
  return {
    file,
    from: addressText(m.from),
    to: addressText(m.to),
    cc: m.cc ? addressText(m.cc) : undefined,
    date: m.date?.toISOString(),
    subject: m.subject ?? '',
    attachments: m.attachments.map((a) => a.filename ?? ''),
    text: m.text ?? '',
  };
}
