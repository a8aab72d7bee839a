/**
 * A cycle's materials as one ZIP (下载本期报送材料): what the office would otherwise gather by
 * hand from mail and phones to file or print. One folder per unit that reported, numbered in the
 * heatmap's order (by committee, then by unit), with the report as it stands (corrected, if the office corrected it) in
 * `报送内容.txt`, its files under the names they were sent with, and the files a correction
 * replaced under `更正前的附件/`; and `汇总.xlsx`, one row per unit: when it reported, on time or
 * late by how much, its receipt number, or that it has not reported. Built from the ledger and
 * the attachment store only, so a campaign the engine no longer holds downloads the same.
 */
import { stat } from 'node:fs/promises';
import archiver from 'archiver';
import type { FastifyReply } from 'fastify';
import { cycleLabelOfKey } from '../../domain/calendar';
import { formatInstant, formatLateness } from '../../domain/format';
import { currentReport, REPORT_KINDS } from '../../ledger/corrections';
import { xlsxWorkbook } from '../../ledger/report';
import type { Table } from '../../ledger/table';
import type { DeadlineRow, LedgerEvent } from '../../ledger/types';
import { deadlineWorkflowId } from '../../domain/engine/context';
import { refHash, type AttachmentMeta, type AttachmentStore } from '../attachments';
import { WebError } from '../errors';
import { receiptNumber } from '../deadlines';
import type { LedgerStore } from '../../ledger/types';
import { obligationTitle, unitName, type AuditScope, type CampaignContext } from './model';

/** One entry of the archive: text written as is, or a stored file by its hash. */
export type MaterialsEntry =
  { path: string; text: string } | { path: string; sha256: string; /** Kept as is, not deflated. */ stored: boolean };

/**
 * Files whose content is compressed already (images, and Word and Excel files of today, which are
 * zips): deflating them again costs time and saves nothing, so they go in as they are.
 */
const compressedAlready = (mime: string | undefined): boolean =>
  !!mime && (mime.startsWith('image/') || mime.includes('openxmlformats') || mime === 'application/zip');

export interface Materials {
  /** The archive's name, for Content-Disposition. */
  fileName: string;
  index: Table;
  entries: MaterialsEntry[];
}

export interface MaterialsInput {
  c: CampaignContext;
  obligationKey: string;
  cycleKey: string;
  /** The deadlines of the obligation's cycle in the person's scope. */
  rows: DeadlineRow[];
  /** The reports' events of that cycle (ledger/corrections.ts REPORT_KINDS). */
  events: LedgerEvent[];
  /** A stored file's description (its name as sent), by hash. */
  meta: (sha256: string) => Promise<AttachmentMeta | undefined>;
}

/** A name every zip tool and file system takes: no separators, no characters Windows refuses. */
const safeName = (s: string): string =>
  s
    .replace(/[\\/:*?"<>|]/g, '_')
    .replace(/\p{Cc}/gu, '_')
    .replace(/^[.\s]+|[.\s]+$/g, '')
    .slice(0, 120) || '_';

/** `name`, or `name (2)` and so on when the folder already holds it. */
function unique(name: string, taken: Set<string>): string {
  let out = name;
  const dot = name.lastIndexOf('.');
  const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
  for (let i = 2; taken.has(out.toLowerCase()); i++) out = `${stem} (${i})${ext}`;
  taken.add(out.toLowerCase());
  return out;
}

export async function buildMaterials(input: MaterialsInput): Promise<Materials> {
  const { c, obligationKey, cycleKey } = input;
  const zone = c.timeZone;
  const at = (iso: string | null | undefined): string => (iso ? formatInstant(iso, zone, 'zh') : '');
  const title = obligationTitle(c, obligationKey, 'zh');
  const cycle = cycleKey === 'once' ? '' : (cycleLabelOfKey(cycleKey, 'zh') ?? cycleKey);
  // The heatmap's order: by committee, then by unit.
  const rows = [...input.rows].sort(
    (a, b) => (a.committeeId ?? '').localeCompare(b.committeeId ?? '') || a.unitId.localeCompare(b.unitId),
  );
  const byUnit = new Map<string, LedgerEvent[]>();
  for (const e of input.events) byUnit.set(e.unitId ?? '', [...(byUnit.get(e.unitId ?? '') ?? []), e]);

  const entries: MaterialsEntry[] = [];
  const indexRows: (string | number)[][] = [];
  const width = String(rows.length).length;
  for (const [i, row] of rows.entries()) {
    const name = unitName(c, row.unitId);
    const committee = unitName(c, row.committeeId ?? c.unitById.get(row.unitId)?.parentId);
    const report = currentReport(byUnit.get(row.unitId) ?? []);
    const folder = `${String(i + 1).padStart(width, '0')}-${safeName(name)}`;
    const due = at(row.dueAt);
    if (!report) {
      const state = row.waivedAt
        ? '已免报'
        : row.dueAt && Date.parse(row.dueAt) < Date.parse(c.now)
          ? '未报送（已逾期）'
          : '未报送';
      indexRows.push([i + 1, name, committee, due, state, '', '', '', '', 0, '']);
      continue;
    }
    const original = report.original;
    const lateMs = row.lateMs ?? (typeof original.data?.lateMs === 'number' ? original.data.lateMs : 0);
    const state = lateMs > 0 ? `迟报 ${formatLateness(lateMs, 'zh')}` : '按时';
    const receipt = receiptNumber({
      deadlineId: deadlineWorkflowId(c.campaignId, obligationKey, cycleKey, row.unitId),
      receivedAt: original.at,
    });
    const taken = new Set<string>(['报送内容.txt']);
    const files: string[] = [];
    for (const ref of report.attachments) {
      const sha256 = refHash(ref);
      if (!sha256) continue;
      const meta = await input.meta(sha256);
      const file = unique(safeName(meta?.name ?? sha256), taken);
      files.push(file);
      entries.push({ path: `${folder}/${file}`, sha256, stored: compressedAlready(meta?.mime) });
    }
    const earlierTaken = new Set<string>();
    for (const ref of report.earlierAttachments) {
      const sha256 = refHash(ref);
      if (!sha256) continue;
      const meta = await input.meta(sha256);
      const file = unique(safeName(meta?.name ?? sha256), earlierTaken);
      entries.push({ path: `${folder}/更正前的附件/${file}`, sha256, stored: compressedAlready(meta?.mime) });
    }
    const corrections = report.corrections.map(
      (k, n) => `更正（第${n + 1}次）：${at(k.at)}，${k.actor ?? ''}，原因：${k.reason ?? ''}`,
    );
    const lines = [
      `单位：${name}${committee ? `（${committee}）` : ''}`,
      `事项：${title}${cycle ? `（${cycle}）` : ''}`,
      `截止时间：${due}`,
      `报送时间：${at(original.at)}（${state}）`,
      `报送人：${original.actor ?? ''}`,
      `回执编号：${receipt}`,
      ...corrections,
      `附件：${files.length > 0 ? files.join('、') : '无'}`,
      '',
      report.corrections.length > 0 ? '—— 报送内容（更正后）——' : '—— 报送内容 ——',
      report.text,
      '',
    ];
    // A byte order mark and CRLF: Windows' Notepad of any age opens it as UTF-8 text.
    entries.push({ path: `${folder}/报送内容.txt`, text: `\ufeff${lines.join('\r\n')}` });
    indexRows.push([
      i + 1,
      name,
      committee,
      due,
      state,
      at(original.at),
      original.actor ?? '',
      receipt,
      report.corrections.length > 0 ? `已更正 ${report.corrections.length} 次` : '',
      files.length,
      folder,
    ]);
  }
  const headers = [
    '序号',
    '单位',
    '所属党委',
    '截止时间',
    '状态',
    '报送时间',
    '报送人',
    '回执编号',
    '更正',
    '附件数',
    '文件夹',
  ];
  const index: Table = {
    name: 'materials',
    locale: 'zh',
    title: `${c.title}：${title}${cycle ? `（${cycle}）` : ''}报送汇总`,
    headers,
    rows: indexRows,
    records: indexRows.map((r) => Object.fromEntries(headers.map((h, k) => [h, r[k]]))),
  };
  const fileName = safeName(`${title}${cycle ? `-${cycle}` : ''}-报送材料.zip`);
  return { fileName, index, entries };
}

/** The deflate level of the archive (`MATERIALS_ZIP_LEVEL` lets the web bench compare). */
const ZIP_LEVEL = Number(process.env.MATERIALS_ZIP_LEVEL ?? 1);

/**
 * Answers with the ZIP of one cycle's materials in `scope` (the console's page and the API's
 * route). Streamed: each stored file is opened only when the archive reaches it, so memory stays
 * flat however many units and files the cycle has.
 */
export async function sendMaterials(
  reply: FastifyReply,
  deps: { ledger: LedgerStore; attachments: AttachmentStore },
  c: CampaignContext,
  scope: AuditScope,
  q: { obligationKey: string; cycleKey: string },
  /** How a refusal names its field: the console's form fields, the API's `query.` ones. */
  field = (name: string): string => name,
): Promise<FastifyReply> {
  const { obligationKey, cycleKey } = q;
  if (obligationKey.endsWith('.review'))
    throw new WebError(400, '请求有误', '点评没有报送材料，请选择报送事项。', field('obligation'));
  const rows = await deps.ledger.deadlineRows({ campaignId: c.campaignId, obligationKey, cycleKey, ...scope });
  if (rows.length === 0)
    throw new WebError(
      404,
      '没有材料',
      `在您的范围内，“${obligationKey}”没有周期“${cycleKey}”的事项。`,
      field('cycle'),
    );
  const owing = new Set(rows.map((r) => r.unitId));
  const events = await deps.ledger.events({
    campaignId: c.campaignId,
    obligationKey,
    cycleKey,
    kinds: [...REPORT_KINDS],
  });
  const m = await buildMaterials({
    c,
    obligationKey,
    cycleKey,
    rows,
    events: events.filter((e) => owing.has(e.unitId ?? '')),
    meta: (sha256) => deps.attachments.meta(sha256),
  });
  // Level 1: a PDF or an old Office file shrinks nearly as much as at the default level, in a
  // fraction of the time (the web bench measures both).
  const zip = archiver('zip', { zlib: { level: ZIP_LEVEL } });
  zip.on('warning', (err) => reply.log.warn({ code: err.code }, 'materials archive warning'));
  zip.append(Buffer.from(await xlsxWorkbook([m.index]).xlsx.writeBuffer()), { name: '汇总.xlsx' });
  for (const e of m.entries) {
    if ('text' in e) {
      zip.append(e.text, { name: e.path });
      continue;
    }
    const file = deps.attachments.file(e.sha256);
    // A file the store lacks (a data folder restored without it) would cut the download short
    // midway: it is named in a note in its place instead, and logged.
    if (
      !(await stat(file).then(
        (st) => st.isFile(),
        () => false,
      ))
    ) {
      reply.log.warn({ sha256: e.sha256 }, 'materials: attachment missing from the store');
      zip.append(`\ufeff附件库中缺少此文件（SHA-256：${e.sha256}），请联系系统管理员。\r\n`, {
        name: `${e.path}.缺失.txt`,
      });
      continue;
    }
    // zip-stream reads `store` on every entry; the types list it for append only.
    zip.file(file, { name: e.path, store: e.stored } as archiver.ZipEntryData);
  }
  void zip.finalize();
  return reply
    .type('application/zip')
    .header(
      'Content-Disposition',
      `attachment; filename="materials.zip"; filename*=UTF-8''${encodeURIComponent(m.fileName)}`,
    )
    .header('Cache-Control', 'no-store')
    .send(zip);
}
