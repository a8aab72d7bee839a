/**
 * `outbox list` and `outbox show <n|id>`: the mail the embedded transport wrote to disk, with each
 * message's date in China time, like every instant the command line prints.
 */
import type { Command } from 'commander';
import { listOutbox, outboxDirOf, showOutboxMessage } from '../../../mail/outbox';
import { processConfig } from '../../../config';
import { formatInstant } from '../../../domain/format';
import { lang, say } from '../lang';

const ZONE = 'Asia/Shanghai';

function defaultDir(): string {
  const url = processConfig().MAIL_URL;
  const dir = outboxDirOf(url);
  if (dir === undefined) throw new Error(`MAIL_URL is ${url.split(':')[0]}:…, not an outbox; pass --dir`);
  return dir;
}

const when = (iso: string | undefined): string => (iso ? formatInstant(iso, ZONE, lang()) : '');

export function registerOutbox(program: Command): void {
  const outbox = program.command('outbox').description('the local mail outbox (.eml files)');
  outbox
    .command('list')
    .description('every message in the outbox: number, date, recipients, subject')
    .option('--dir <dir>', 'outbox folder (default: from MAIL_URL, .data/outbox)')
    .option('--json', 'machine-readable output (dates as UTC ISO instants)')
    .action(async (o: { dir?: string; json?: boolean }) => {
      const entries = await listOutbox(o.dir ?? defaultDir());
      if (o.json) console.log(JSON.stringify(entries, null, 2));
      else if (entries.length === 0) console.log(say('发件箱为空', 'the outbox is empty'));
      else {
        console.log(
          [say('序号', 'no.').padStart(4), say('日期', 'date'), say('收件人', 'to'), say('主题', 'subject')].join('  '),
        );
        for (const e of entries) console.log(`${String(e.index).padStart(4)}  ${when(e.date)}  ${e.to}  ${e.subject}`);
        console.log(say(`共 ${entries.length} 封`, `${entries.length} in all`));
      }
    });
  outbox
    .command('show')
    .description('one message: its headers, attachments and text')
    .argument('<message>', 'its number in `outbox list`, or its id (`outbox list --json`); never a path')
    .option('--dir <dir>', 'outbox folder (default: from MAIL_URL, .data/outbox)')
    .action(async (which: string, o: { dir?: string }) => {
      const m = await showOutboxMessage(o.dir ?? defaultDir(), which);
      const field = (zh: string, en: string, value: string): string => say(`${zh}：${value}`, `${en}: ${value}`);
      const lines = [
        field('发件人', 'From', m.from),
        field('收件人', 'To', m.to),
        ...(m.cc ? [field('抄送', 'Cc', m.cc)] : []),
        field('日期', 'Date', when(m.date)),
        field('主题', 'Subject', m.subject),
        field('附件', 'Attachments', m.attachments.join(', ') || say('（无）', '(none)')),
        '',
        m.text,
      ];
      console.log(lines.join('\n'));
    });
}
