/**
 * The files of a multipart form (a link's report, the office's correction): read whole and
 * checked by their content before any is kept, so that one bad file keeps none.
 */
import type { MultipartFile, MultipartValue } from '@fastify/multipart';
import { AttachmentRejected, checkAttachment, MAX_ATTACHMENTS } from './attachments';

export type Part = MultipartFile | MultipartValue;

/** Every part of a form field (`attachFieldsToBody` gives one part, or a list when repeated). */
export function parts(body: unknown, name: string): Part[] {
  const v = (body as Record<string, Part | Part[] | undefined> | undefined)?.[name];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

export interface Upload {
  name: string;
  mime: string;
  content: Buffer;
}

/**
 * The form's `attachments`, checked by content before any is kept: one bad file keeps none.
 * `kept`: files the report keeps from before (a correction's), counted against the limit.
 */
export async function uploads(body: unknown, kept = 0): Promise<Upload[]> {
  const files = parts(body, 'attachments').filter((p): p is MultipartFile => p.type === 'file');
  const out: Upload[] = [];
  for (const f of files) {
    const content = await f.toBuffer();
    if (f.filename === '' && content.length === 0) continue; // the empty file input of a form
    out.push({ name: f.filename, content, mime: (await checkAttachment(f.filename, content)).mime });
  }
  if (kept + out.length > MAX_ATTACHMENTS)
    throw new AttachmentRejected('attachments', `每次最多 ${MAX_ATTACHMENTS} 个附件`);
  return out;
}
