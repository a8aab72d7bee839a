/**
 * Starts bench/smtp-sink.ts in a child process, as a real mail server would run, and keeps what
 * it reports: the instant it accepted each message (by dedupe key) and the bytes it received.
 * The engine and mail benchmarks share it.
 */
import { fork } from 'node:child_process';
import { freePort } from '../test/helpers/ports';

export interface SinkProcess {
  port: number;
  /** Accepted messages by dedupe key, with the instant (epoch ms), as reported every 100 ms. */
  accepted: Map<string, number>;
  /** Bytes received so far, as reported. */
  bytes(): number;
  /** Messages received so far, as reported (a folded dedupe-key header may hide a message's key). */
  count(): number;
  /** The sink process's CPU time so far (user + system, ms), as reported with the count. */
  cpuMs(): number;
  close(): Promise<void>;
}

export async function startSinkProcess(): Promise<SinkProcess> {
  const port = await freePort();
  const accepted = new Map<string, number>();
  let bytes = 0;
  let count = 0;
  let cpuMs = 0;
  // fork() reuses this process's execArgv, so the child runs under tsx as the benchmark does.
  const child = fork(require.resolve('./smtp-sink'), [String(port)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  child.on('message', (m: unknown) => {
    if (typeof m !== 'object' || m === null || !('accepted' in m)) return;
    const report = m as { accepted: [string, number][]; bytes: number; count: number; cpuMs: number };
    for (const [key, at] of report.accepted) accepted.set(key, at);
    bytes = report.bytes;
    count = report.count;
    cpuMs = report.cpuMs;
  });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`the SMTP sink exited (${String(code)}) before it listened`)));
  });
  return {
    port,
    accepted,
    bytes: () => bytes,
    count: () => count,
    cpuMs: () => cpuMs,
    close: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.disconnect();
      }),
  };
}
