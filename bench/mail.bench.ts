/**
 * Renders and delivers N deadline messages through the real send path (ledger intent →
 * template rendering with HTML and .ics → nodemailer → SMTP → ledger outcome) to a local
 * `smtp-server`, and prints messages per second, the CPU a message costs the sender and the SMTP
 * server (which other jobs on the machine disturb less than the rate), and memory.
 *   npx tsx bench/mail.bench.ts [--messages 10000] [--concurrency 1,8,32] [--sink process|inline]
 * Each concurrency level gets its own SMTP connection pool of that size and its own SQLite
 * ledger file, so the figures include the two ledger writes every message costs. The SMTP server
 * runs in a process of its own by default, as a mail server does (bench/smtp-sink.ts);
 * `--sink inline` puts it in the benchmark's process, on the sender's thread.
 */
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { SMTPServer } from 'smtp-server';
import { openLedger } from '../ledger';
import { createMailer } from '../mail';
import { renderMessage, TEMPLATES_DIR } from '../mail/render';
import type { DeadlineMessage, MessageKind } from '../mail/types';
import { freePort } from '../test/helpers/ports';
import { startSinkProcess } from './sink-process';

const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : dflt;
};
const MESSAGES = Number(arg('messages', '10000'));
const LEVELS = arg('concurrency', '1,8,32').split(',').map(Number);
const SINK = arg('sink', 'process');
const MiB = 1024 * 1024;

const KINDS: { kind: MessageKind; step: string }[] = [
  { kind: 'notice', step: 'notice' },
  { kind: 'reminder', step: 'reminder-1' },
  { kind: 'reminder', step: 'reminder-2' },
  { kind: 'due', step: 'due' },
  { kind: 'escalation', step: 'escalation-1' },
  { kind: 'escalation', step: 'escalation-2' },
  { kind: 'rectification', step: 'rectification' },
  { kind: 'review-due', step: 'review-due' },
];

/** Message i of the run: a different unit, kind and cycle each time, so no two share a dedupe key. */
function message(run: string, i: number): DeadlineMessage {
  const { kind, step } = KINDS[i % KINDS.length]!;
  const unit = Math.floor(i / KINDS.length);
  const q = (unit % 4) + 1;
  const due = new Date(Date.UTC(2010, q * 3 - 1, 25, 15, 59, 59));
  return {
    kind,
    campaignId: run,
    campaignTitle: '创先争优活动',
    timeZone: 'Asia/Shanghai',
    locale: 'zh',
    unitId: `b-${unit}`,
    unitName: `第${unit}党支部（机械工程学院教工）`,
    obligationKey: 'quarterly-report',
    obligationTitle: '季度工作汇报',
    cycleKey: `2010-Q${q}`,
    cycleLabel: `2010年第${'一二三四'[q - 1]}季度`,
    step,
    dueAt: due.toISOString(),
    rectificationDeadline:
      kind === 'rectification' ? new Date(due.getTime() + 10 * 86_400_000).toISOString() : undefined,
    reviewedUnitName: kind === 'review-due' ? `第${unit}党支部` : undefined,
    sentAt: new Date(due.getTime() - 3 * 86_400_000).toISOString(),
    to: [{ name: `联络员${unit}`, email: `liaison${unit}@example.org`, role: 'liaison' }],
    cc:
      kind === 'escalation' ? [{ name: '学院党委书记', email: 'secretary@example.org', role: 'parent-secretary' }] : [],
  };
}

/** An SMTP sink that counts what it accepts (parsing every message would measure the parser). */
interface Sink {
  port: number;
  count: () => number;
  bytes: () => number;
  /** The SMTP server's CPU so far (ms), when it runs in a process of its own. */
  cpuMs?: () => number;
  /** Resolves once the sink has reported `n` messages (a process reports every 100 ms). */
  reached(n: number): Promise<void>;
  close(): Promise<void>;
}

async function startSink(): Promise<Sink> {
  if (SINK === 'process') {
    const child = await startSinkProcess();
    return {
      port: child.port,
      count: () => child.count(),
      bytes: () => child.bytes(),
      cpuMs: () => child.cpuMs(),
      reached: async (n) => {
        const until = Date.now() + 5_000;
        while (child.count() < n && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      },
      close: () => child.close(),
    };
  }
  if (SINK !== 'inline') throw new Error(`--sink must be process or inline, got ${SINK}`);
  const port = await freePort();
  let count = 0;
  let bytes = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    maxClients: 256,
    onData(stream, _session, cb) {
      stream.on('data', (c: Buffer) => (bytes += c.length));
      stream.on('end', () => {
        count++;
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port,
    count: () => count,
    bytes: () => bytes,
    reached: () => Promise.resolve(),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function pool<T>(items: number, concurrency: number, fn: (i: number) => Promise<T>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items) await fn(next++);
    }),
  );
}

function renderOnly(): void {
  const t0 = performance.now();
  let size = 0;
  for (let i = 0; i < MESSAGES; i++) {
    const r = renderMessage(message('render', i), 'https://dj.example.edu.cn', TEMPLATES_DIR);
    size += r.html.length + r.text.length;
  }
  const s = (performance.now() - t0) / 1000;
  console.log(
    `render only: ${MESSAGES} messages in ${s.toFixed(2)} s = ${Math.round(MESSAGES / s)} msg/s (${Math.round(size / MESSAGES)} chars each)`,
  );
}

async function main(): Promise<void> {
  console.log(
    `mail benchmark: ${MESSAGES} messages, node ${process.version}, ${os.cpus().length} cores, ` +
      `SMTP server ${SINK === 'process' ? 'in a process of its own' : "in the sender's process"}, load average ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
  );
  renderOnly();
  const sink = await startSink();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mail-bench-'));
  try {
    for (const concurrency of LEVELS) {
      const before = sink.count();
      const sinkCpu0 = sink.cpuMs?.();
      const ledger = await openLedger(`sqlite:${path.join(dir, `ledger-${concurrency}.sqlite`)}`);
      const mailer = await createMailer({
        url: `smtp://127.0.0.1:${sink.port}/?pool=true&maxConnections=${concurrency}&maxMessages=Infinity`,
        from: '创先争优办公室 <office@example.org>',
        baseUrl: 'https://dj.example.edu.cn',
        ledger,
      });
      global.gc?.();
      const rss0 = process.memoryUsage().rss;
      let peakRss = rss0;
      let peakHeap = 0;
      const sampler = setInterval(() => {
        const m = process.memoryUsage();
        peakRss = Math.max(peakRss, m.rss);
        peakHeap = Math.max(peakHeap, m.heapUsed);
      }, 100);
      const run = `bench-c${concurrency}`;
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      let failed = 0;
      await pool(MESSAGES, concurrency, async (i) => {
        const r = await mailer.send(message(run, i));
        if (r.status !== 'sent') failed++;
      });
      const s = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      clearInterval(sampler);
      await sink.reached(before + MESSAGES);
      const delivered = sink.count() - before;
      const sinkCpu =
        sinkCpu0 === undefined ? '' : `, SMTP server ${((sink.cpuMs!() - sinkCpu0) / MESSAGES).toFixed(2)}`;
      // Sending the whole run again must deliver nothing: every message is in the ledger as sent.
      const t1 = performance.now();
      await pool(MESSAGES, concurrency, async (i) => {
        await mailer.send(message(run, i));
      });
      const s2 = (performance.now() - t1) / 1000;
      await new Promise((r) => setTimeout(r, SINK === 'process' ? 300 : 0)); // a late report would show here
      const again = sink.count() - before - delivered;
      await mailer.close();
      await ledger.close();
      console.log(
        `concurrency ${String(concurrency).padStart(2)}: ${delivered} delivered (${failed} failed) in ${s.toFixed(1)} s = ` +
          `${Math.round(delivered / s)} msg/s; sender CPU ${((cpu.user + cpu.system) / 1000 / MESSAGES).toFixed(2)}${sinkCpu} ms/msg; peak RSS ${Math.round(peakRss / MiB)} MiB ` +
          `(+${Math.round((peakRss - rss0) / MiB)}), peak heap ${Math.round(peakHeap / MiB)} MiB; ` +
          `resend of all: ${again} delivered, ${Math.round(MESSAGES / s2)} checks/s`,
      );
      if (delivered !== MESSAGES || again !== 0) throw new Error(`expected ${MESSAGES} then 0 deliveries`);
    }
    console.log(`average message size on the wire: ${Math.round(sink.bytes() / sink.count() / 1024)} KiB`);
  } finally {
    await sink.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
