/**
 * The `campaign` command line: preview a plan, start and drive a campaign, rehearse it,
 * audit the ledger, read the mail outbox. Run as `npm run cli -- <command>`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { DefaultLogger, Runtime, makeTelemetryFilterString } from '@temporalio/worker';
import { registerPreview } from './commands/preview';
import { registerStart } from './commands/start';
import { registerStatus } from './commands/status';
import { registerAdvance } from './commands/advance';
import { registerEndPhase } from './commands/end-phase';
import { registerDigest } from './commands/digest';
import { registerStop } from './commands/stop';
import { registerSubmit } from './commands/submit';
import { registerExtend } from './commands/extend';
import { registerWaive } from './commands/waive';
import { registerCorrect } from './commands/correct';
import { registerAppoint } from './commands/appoint';
import { registerContacts } from './commands/contacts';
import { registerList } from './commands/list';
import { registerSimulate } from './commands/simulate';
import { registerAudit } from './commands/audit';
import { registerOutbox } from './commands/outbox';
import { registerAttachments } from './commands/attachments';
import { registerGrade } from './commands/grade';
import { redactSecrets } from '../../config/redact';
import { resolveLang, say, setLang } from './lang';

/** The package's version, as `npm` knows it. */
function version(): string {
  return (JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string })
    .version;
}

export function buildProgram(): Command {
  const program = new Command('campaign')
    .description('campaign orchestration and reminders on Temporal')
    .version(version(), '-V, --version', 'print the version')
    .option('--lang <zh|en>', 'language of the output: zh (default) or en; LANG=en_… also means en')
    .showHelpAfterError()
    .hook('preAction', (cmd) => setLang(resolveLang(cmd.opts<{ lang?: string }>().lang)));
  const commands = [
    registerPreview,
    registerStart,
    registerStatus,
    registerAdvance,
    registerEndPhase,
    registerDigest,
    registerStop,
    registerSubmit,
    registerExtend,
    registerWaive,
    registerCorrect,
    registerAppoint,
    registerContacts,
    registerList,
    registerSimulate,
    registerGrade,
    registerAudit,
    registerOutbox,
    registerAttachments,
  ];
  // In this order in `--help`: read a plan, drive a campaign, rehearse it, read what it left.
  for (const register of commands) register(program);
  return program;
}

if (require.main === module) {
  // The CLI's own workers (simulate) should not drown its output in state changes, and every log
  // goes to stderr: stdout carries only the answer (one JSON document under --json). The SDK's
  // native side prints to stdout unless its logs are forwarded to this logger, which writes to stderr.
  Runtime.install({
    logger: new DefaultLogger('WARN'),
    telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'WARN', other: 'ERROR' }), forward: {} } },
  });
  buildProgram()
    .parseAsync(process.argv)
    .then(() => process.exit(0))
    .catch((err: unknown) => {
      // Every error a person can cause carries a message that says what to fix: print it alone.
      const e = err as Error & { code?: string; zh?: string; en?: string };
      // A message from a driver may quote a URL from the environment or the command line.
      const urls = [process.env.LEDGER_URL, process.env.MAIL_URL, ...process.argv].filter((u) => u !== undefined);
      // The connection's errors come in both languages (the worker logs both): print the run's.
      const message = e.zh !== undefined && e.en !== undefined ? say(e.zh, e.en) : e.message;
      console.error(`error${e.code ? ` [${e.code}]` : ''}: ${redactSecrets(message, urls)}`);
      process.exit(1);
    });
}
