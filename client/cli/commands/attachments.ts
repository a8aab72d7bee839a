/**
 * `attachments sweep`: removes the files of the attachment store that no event of the ledger
 * names, and the rosters previewed in the console and never taken, once older than the grace
 * period (web/attachment-sweep.ts). The web service sweeps by
 * itself (ATTACHMENT_SWEEP_HOURS); this is for a look first (`--dry-run`) or a sweep now.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { AttachmentStore } from '../../../web/attachments';
import { DEFAULT_GRACE_MS, sweepAttachments } from '../../../web/attachment-sweep';
import { withGrades } from '../grade-command';
import { say } from '../lang';

const DAY = 86_400_000;

export function registerAttachments(program: Command): void {
  const attachments = program.command('attachments').description('the attachment store (ATTACHMENTS_DIR)');
  attachments
    .command('sweep')
    .description('remove files that no report, correction or request names, once older than the grace period')
    .option('--dir <dir>', 'attachment folder (default: ATTACHMENTS_DIR, .data/attachments)')
    .option('--grace-days <n>', 'how old a file named by nobody must be', String(DEFAULT_GRACE_MS / DAY))
    .option('--dry-run', 'list what would go, remove nothing')
    .option('--ledger <url>', 'ledger URL (default: LEDGER_URL or sqlite:.data/ledger.sqlite)')
    .option('--json', 'machine-readable output')
    .action(async (o: { dir?: string; graceDays: string; dryRun?: boolean; ledger?: string; json?: boolean }) => {
      const graceDays = Number(o.graceDays);
      if (!Number.isFinite(graceDays) || graceDays < 1)
        throw new Error(
          say(
            `--grace-days：“${o.graceDays}”不是不小于 1 的天数`,
            `--grace-days: "${o.graceDays}" is not a number of days ≥ 1`,
          ),
        );
      const store = new AttachmentStore(path.resolve(o.dir ?? process.env.ATTACHMENTS_DIR ?? '.data/attachments'));
      const r = await withGrades(o, (ledger) =>
        sweepAttachments(store, ledger, { graceMs: graceDays * DAY, dryRun: o.dryRun === true }),
      );
      if (o.json) {
        console.log(JSON.stringify({ dryRun: o.dryRun === true, ...r }, null, 2));
        return;
      }
      for (const f of r.removed) console.log(`${f.sha256}  ${f.bytes}  ${f.name ?? ''}`.trimEnd());
      const bytes = r.removed.reduce((n, f) => n + f.bytes, 0);
      const verb = o.dryRun ? say('将删除', 'would remove') : say('已删除', 'removed');
      console.log(
        say(
          `${verb} ${r.removed.length} 个无人引用的文件（${bytes} 字节）、${r.leftovers} 个残留文件、` +
            `${r.uploadMarks} 个过期的上传标记和 ${r.stagedRosters} 份预览后未导入的组织名册；` +
            `保留 ${r.named} 个被引用的文件、${r.young} 个未满 ${graceDays} 天的文件`,
          `${verb} ${r.removed.length} file(s) named by nobody (${bytes} bytes), ${r.leftovers} leftover(s), ` +
            `${r.uploadMarks} expired upload mark(s) and ${r.stagedRosters} roster(s) previewed and never taken; ` +
            `kept ${r.named} named, ${r.young} younger than ${graceDays} day(s)`,
        ),
      );
    });
}
