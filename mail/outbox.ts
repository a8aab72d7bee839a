/**
 * Reading the local outbox (the embedded mail transport's folder of .eml files).
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { clip } from '../domain/errors';

export interface OutboxEntry {
  index: number;
  /** The message's id: the hash in its file name and its Message-ID (mail/index.ts). */
  id: string;
  file: string;
  date?: string;
  to: string;
  subject: string;
}

/** The outbox folder a mail URL names (`outbox:<dir>`, `outbox:` alone for ./outbox), or undefined for SMTP. */
export function outboxDirOf(mailUrl: string): string | undefined {
  return mailUrl.startsWith('outbox:') ? mailUrl.slice('outbox:'.length) || 'outbox' : undefined;
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
  return (await outboxPage(dir)).entries;
}

/**
 * The messages from the `offset`-th (oldest first, as `outbox list` numbers them), at most
 * `limit`, and how many the outbox holds: only the page's files are read.
 */
export async function outboxPage(
  dir: string,
  range: { offset?: number; limit?: number } = {},
): Promise<{ total: number; entries: OutboxEntry[] }> {
  const files = await outboxFiles(dir);
  const offset = range.offset ?? 0;
  const page = files.slice(offset, range.limit !== undefined ? offset + range.limit : undefined);
  const entries = await Promise.all(
    page.map(async (file, i) => {
      const m = await simpleParser(await readFile(file));
      return {
        index: offset + i + 1,
        id: messageIdOf(file) ?? '',
        file,
        date: m.date?.toISOString(),
        to: addressText(m.to),
        subject: m.subject ?? '',
      };
    }),
  );
  return { total: files.length, entries };
}

/** One message of the outbox, as its reader shows it. */
export interface OutboxMessage {
  file: string;
  /** As in the list: the hash in the file's name. */
  id: string;
  from: string;
  to: string;
  cc?: string;
  date?: string;
  subject: string;
  attachments: string[];
  text: string;
}

/** The file names the outbox writes: `<date>-<32 hex digits>.eml`. */
const MESSAGE_FILE = /-([0-9a-f]{32})\.eml$/;
const messageIdOf = (file: string): string | undefined => MESSAGE_FILE.exec(file)?.[1];

/** Thrown when `outbox show` is asked for something that is not a message of the outbox. */
export class OutboxRequestError extends Error {
  override readonly name = 'OutboxRequestError';
  readonly code = 'OUTBOX_NO_SUCH_MESSAGE';
}

/**
 * One message, by its number in `outbox list` or its id, and nothing else: a path or a file name
 * would let `show` read any file on the machine.
 */
export async function showOutboxMessage(dir: string, which: string): Promise<OutboxMessage> {
  const files = await outboxFiles(dir);
  let file: string | undefined;
  if (/^\d{1,9}$/.test(which)) file = files[Number(which) - 1];
  else if (/^[0-9a-f]{32}$/.test(which)) file = files.find((f) => messageIdOf(f) === which);
  else
    throw new OutboxRequestError(
      `"${clip(which)}" is neither a message number nor a message id (32 hexadecimal digits); see \`outbox list\``,
    );
  if (!file) throw new OutboxRequestError(`no message ${which} in the outbox (it has ${files.length})`);
  const m = await simpleParser(await readFile(file));
  return {
    file,
    id: messageIdOf(file) ?? '',
    from: addressText(m.from),
    to: addressText(m.to),
    cc: m.cc ? addressText(m.cc) : undefined,
    date: m.date?.toISOString(),
    subject: m.subject ?? '',
    attachments: m.attachments.map((a) => a.filename ?? ''),
    text: m.text ?? '',
  };
}
