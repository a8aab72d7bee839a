/**
 * `outbox list` and `outbox show <n>`: the mail the embedded transport wrote to disk.
 */
import type { Command } from 'commander';
import { listOutbox, showOutboxMessage } from '../../../mail/outbox';
import { processConfig } from '../../../config';

function defaultDir(): string {
  const url = processConfig().MAIL_URL;
  if (!url.startsWith('outbox:')) throw new Error(`MAIL_URL is ${url.split(':')[0]}:…, not an outbox; pass --dir`);
  return url.slice('outbox:'.length);
}

export function registerOutbox(program: Command): void {
  const outbox = program.command('outbox').description('the local mail outbox (.eml files)');
  outbox
    .command('list')
    .option('--dir <dir>', 'outbox folder (default: from MAIL_URL, .data/outbox)')
    .option('--json', 'machine-readable output')
    .action(async (o: { dir?: string; json?: boolean }) => {
      const entries = await listOutbox(o.dir ?? defaultDir());
      if (o.json) console.log(JSON.stringify(entries, null, 2));
      else if (entries.length === 0) console.log('the outbox is empty');
      else
        for (const e of entries) console.log(`${String(e.index).padStart(4)}  ${e.date ?? ''}  ${e.to}  ${e.subject}`);
    });
  outbox
    .command('show')
    .argument('<message>', 'its number in `outbox list`, or its file name')
    .option('--dir <dir>', 'outbox folder')
    .action(async (which: string, o: { dir?: string }) => {
      console.log(await showOutboxMessage(o.dir ?? defaultDir(), which));
    });
}
