/**
 * The attachment store: files kept by the SHA-256 of their content (`<dir>/<2 hex>/<64 hex>`),
 * so that the same file uploaded twice is kept once, and the ledger can name a file by its hash
 * (`sha256:<hex>`). What a file is comes from its bytes (file-type), not from its name.
 *
 * file-type 16.5.4: the last release that is CommonJS (17 and later are ESM-only, and jest's
 * CommonJS runtime cannot load them), with the fix for CVE-2022-36313 in it. It recognises
 * PDF, OOXML (docx/xlsx) by their zip entries, the older Office files as CFB, and images.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fromBuffer } from 'file-type';

export const MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024;
export const MAX_ATTACHMENTS = 5;
/**
 * How many files one deadline may have uploaded through the API (…/attachments) within the grace
 * period of the sweep: six reports' worth, room for second thoughts, not for filling the disk.
 */
export const MAX_UPLOADS_PER_DEADLINE = 30;

/** What may be attached, by detected type: PDF, Word, Excel, images. */
const ALLOWED: Record<string, string> = {
  'application/pdf': 'PDF',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'Word',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'Excel',
  // .doc and .xls (Compound File Binary): file-type cannot tell them apart, both are allowed.
  'application/x-cfb': 'Word/Excel',
  'image/png': '图片',
  'image/jpeg': '图片',
  'image/gif': '图片',
  'image/webp': '图片',
};

export interface AttachmentMeta {
  sha256: string;
  name: string;
  mime: string;
  size: number;
}

export class AttachmentRejected extends Error {
  override readonly name = 'AttachmentRejected';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** The attachment's detected type, or a refusal naming the file. */
export async function checkAttachment(name: string, content: Buffer): Promise<{ mime: string }> {
  if (content.length === 0) throw new AttachmentRejected('attachments', `附件“${name}”是空文件`);
  if (content.length > MAX_ATTACHMENT_BYTES) throw new AttachmentRejected('attachments', `附件“${name}”超过 20 MB`);
  const t = await fromBuffer(content);
  if (!t || !(t.mime in ALLOWED)) {
    throw new AttachmentRejected(
      'attachments',
      `附件“${name}”的内容不是 PDF、Word、Excel 或图片（按文件内容识别${t ? `为 ${t.ext}` : '不出类型'}）`,
    );
  }
  return { mime: t.mime };
}

/** The folder of the marks of API uploads (AttachmentStore.markUpload), beside the files' shards. */
export const UPLOADS_DIR = 'uploads';

export const attachmentRef = (sha256: string): string => `sha256:${sha256}`;
export const refHash = (ref: string): string | undefined => /^sha256:([0-9a-f]{64})$/.exec(ref)?.[1];

/** A file's description, its hash included, without keeping it. */
export function describeAttachment(name: string, mime: string, content: Buffer): AttachmentMeta {
  return { sha256: createHash('sha256').update(content).digest('hex'), name, mime, size: content.length };
}

export class AttachmentStore {
  constructor(readonly dir: string) {}

  /** Where a stored file lies (for a reader that streams it, such as a ZIP of a cycle's materials). */
  file(sha256: string): string {
    return path.join(this.dir, sha256.slice(0, 2), sha256);
  }

  /**
   * Keeps the file (once per content) and its description (`meta`, when the caller hashed it
   * already); returns the description. A file kept already is touched: the sweep of files nobody
   * names (web/attachment-sweep.ts) spares a file put within its grace period, and this upload is
   * about to be named.
   */
  async put(
    name: string,
    mime: string,
    content: Buffer,
    meta: AttachmentMeta = describeAttachment(name, mime, content),
  ): Promise<AttachmentMeta> {
    const file = this.file(meta.sha256);
    const now = new Date();
    // Touched if kept already; written if not (never kept, or taken by a sweep since).
    const kept = await utimes(file, now, now).then(
      () => true,
      () => false,
    );
    if (!kept) {
      await mkdir(path.dirname(file), { recursive: true });
      // Written beside and renamed: a reader never sees half a file.
      const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
      await writeFile(tmp, content);
      await rename(tmp, file);
    }
    // The description of the first upload stays (the same bytes under another name are one file).
    await writeFile(`${file}.json`, JSON.stringify(meta), { flag: 'wx' }).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
    return meta;
  }

  /**
   * The API takes a report's files in two steps: each uploaded for one deadline, then named by
   * its submission. A mark (`uploads/<hash of the deadline>/<file's hash>`, empty, dated by the
   * upload) ties the file to the deadline, so that a submission names only files uploaded for it
   * and a hash learnt elsewhere opens nothing. The sweep removes marks past its grace period.
   */
  private uploadMark(deadline: string, sha256?: string): string {
    const dir = path.join(this.dir, UPLOADS_DIR, createHash('sha256').update(deadline).digest('hex'));
    return sha256 ? path.join(dir, sha256) : dir;
  }

  /** Marks a file as uploaded for a deadline (again: dated anew). */
  async markUpload(deadline: string, sha256: string): Promise<void> {
    const mark = this.uploadMark(deadline, sha256);
    await mkdir(path.dirname(mark), { recursive: true });
    await writeFile(mark, '');
  }

  async uploadedFor(deadline: string, sha256: string): Promise<boolean> {
    return stat(this.uploadMark(deadline, sha256)).then(
      () => true,
      () => false,
    );
  }

  /** How many files are marked as uploaded for a deadline. */
  async uploadsFor(deadline: string): Promise<number> {
    const names = await readdir(this.uploadMark(deadline)).catch(() => [] as string[]);
    return names.filter((n) => /^[0-9a-f]{64}$/.test(n)).length;
  }

  async meta(sha256: string): Promise<AttachmentMeta | undefined> {
    try {
      return JSON.parse(await readFile(`${this.file(sha256)}.json`, 'utf8')) as AttachmentMeta;
    } catch {
      return undefined;
    }
  }

  read(sha256: string): Promise<Buffer> {
    return readFile(this.file(sha256));
  }
}
