/**
 * What a submission may attach, decided by content (file-type), with real files of each kind the
 * issue names: PDF, Word, Excel, images; and the store that keeps them by their SHA-256.
 */
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import ExcelJS from 'exceljs';
import { AttachmentRejected, AttachmentStore, checkAttachment, MAX_ATTACHMENT_BYTES } from '../../web/attachments';
import { encodePng } from '../../web/console/png';
import { storedZip, tinyPdf } from '../helpers/web';

async function xlsx(): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.addWorksheet('表1').addRow(['支部', '得分']);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

const docx = (): Buffer => storedZip({ '[Content_Types].xml': '<Types/>', 'word/document.xml': '<w:document/>' });

const jpeg = (): Buffer => Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01]);

describe('attachments', () => {
  it('accepts PDF, Word, Excel and images by their content, whatever their name', async () => {
    const accepted: [string, Buffer, string][] = [
      ['汇报.pdf', tinyPdf(), 'application/pdf'],
      ['汇报.docx', docx(), 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
      ['统计.xlsx', await xlsx(), 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
      ['照片.png', encodePng(4, 3, () => [200, 20, 20]), 'image/png'],
      ['照片.jpg', jpeg(), 'image/jpeg'],
      // Named wrongly, but a spreadsheet all the same: the content decides.
      ['统计.pdf', await xlsx(), 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
    ];
    for (const [name, content, mime] of accepted) expect(await checkAttachment(name, content)).toEqual({ mime });
  });

  it('refuses empty, oversized and other files, naming the file', async () => {
    const refused: [string, Buffer][] = [
      ['空.pdf', Buffer.alloc(0)],
      ['大.pdf', Buffer.concat([tinyPdf(), Buffer.alloc(MAX_ATTACHMENT_BYTES)])],
      ['汇报.pdf', Buffer.from('plain text, not a PDF')],
      ['表.xlsx', storedZip({ 'notes.txt': 'a zip, not a workbook' })],
      ['程序.pdf', Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]), Buffer.alloc(64)])],
    ];
    for (const [name, content] of refused) {
      const err = await checkAttachment(name, content).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(AttachmentRejected);
      expect((err as AttachmentRejected).message).toContain(name);
    }
  });

  it('keeps each content once under its SHA-256, with the first name it came with', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'attachments-'));
    try {
      const store = new AttachmentStore(dir);
      const content = await xlsx();
      const sha = createHash('sha256').update(content).digest('hex');
      const first = await store.put('统计.xlsx', 'application/vnd.ms-excel', content);
      const second = await store.put('另一个名字.xlsx', 'application/vnd.ms-excel', content);
      expect(first.sha256).toBe(sha);
      expect(second.sha256).toBe(sha);
      expect((await store.read(sha)).equals(content)).toBe(true);
      expect(await readFile(path.join(dir, sha.slice(0, 2), sha))).toEqual(content);
      expect((await store.meta(sha))?.name).toBe('统计.xlsx');
      expect(await store.meta('0'.repeat(64))).toBeUndefined();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
