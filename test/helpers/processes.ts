/**
 * Real processes for the end-to-end tests: the dev server and the worker, each in a process
 * of its own so that a test can kill it (SIGKILL, no goodbye) and start it again.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { TEMPORAL_CLI, DEV_SERVER_PRAGMAS } from '../../worker/servers';
import { searchAttributeFlags } from '../../domain/engine/search-attributes';

const ROOT = path.resolve(__dirname, '..', '..');

export interface Proc {
  child: ChildProcess;
  /** What the process printed, for the failure message of a test. */
  output: () => string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Keeps what a child process prints and lets a test kill it and wait for its end. */
export function track(child: ChildProcess): Proc {
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    output: () => out,
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/** Polls `ok` until it answers true; fails early with the process's output if the process exits. */
export async function until(what: string, ok: () => Promise<boolean>, proc: Proc, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null) throw new Error(`${what}: the process exited early:\n${proc.output()}`);
    if (await ok().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what}: not ready after ${timeoutMs} ms:\n${proc.output()}`);
}

/** `temporal server start-dev` on a SQLite file, with the engine's search attributes; resolves once it answers. */
export async function startDevServer(opts: { dbFile: string; port: number; metricsPort?: number }): Promise<Proc> {
  const args = [
    'server',
    'start-dev',
    '--headless',
    '--ip',
    '127.0.0.1',
    '--port',
    String(opts.port),
    '--db-filename',
    opts.dbFile,
    '--log-level',
    'error',
    ...DEV_SERVER_PRAGMAS,
    ...searchAttributeFlags(),
    ...(opts.metricsPort ? ['--metrics-port', String(opts.metricsPort)] : []),
  ];
  const proc = track(spawn(TEMPORAL_CLI, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
  await until(
    `dev server on port ${opts.port}`,
    async () => {
      const c = await Connection.connect({ address: `127.0.0.1:${opts.port}`, connectTimeout: 1000 });
      try {
        await c.workflowService.getSystemInfo({});
        return true;
      } finally {
        await c.close();
      }
    },
    proc,
  );
  return proc;
}

/**
 * One of the service's own processes (`script`), configured through its environment; resolves
 * once it prints `mark`. One that is not ready within `readyWithinMs` is killed: it would come up
 * later, unseen by the caller, who starts another.
 */
async function startServiceProcess(
  script: string,
  env: Record<string, string>,
  mark: string,
  readyWithinMs = 60_000,
): Promise<Proc> {
  // Node itself with tsx as a loader: the `tsx` command would run the process in a child process
  // of its own, and killing the command would leave the service running.
  const proc = track(
    spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, script)], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  try {
    await until(script, () => Promise.resolve(proc.output().includes(mark)), proc, readyWithinMs);
  } catch (err) {
    await proc.kill('SIGKILL');
    throw err;
  }
  return proc;
}

/** The service's own worker (`worker/main.ts`); resolves once it polls. */
export const startWorkerProcess = (env: Record<string, string>, readyWithinMs?: number): Promise<Proc> =>
  startServiceProcess(path.join('worker', 'main.ts'), env, 'worker: task queue', readyWithinMs);

/** The web service (`web/main.ts`, as `npm run web` runs it); resolves once it listens. */
export const startWebProcess = (env: Record<string, string>): Promise<Proc> =>
  startServiceProcess(path.join('web', 'main.ts'), env, 'web: ');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** How long the command took, in ms (for a test's message, never for an assertion). */
  ms: number;
}

/** The `campaign` command line as a person runs it (Node with tsx as a loader), stdout and stderr apart. */
export function runCli(args: string[], env: Record<string, string | undefined> = {}): Promise<CliRun> {
  return runScript(path.join('client', 'cli', 'main.ts'), args, env);
}

/** A TypeScript script of the project (a path from its root) run to its end, as `npm run` runs it. */
export function runScript(
  script: string,
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<CliRun> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, script), ...args],
      { cwd: ROOT, env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) =>
        resolve({
          code: err ? ((err as { code?: number }).code ?? 1) : 0,
          stdout: String(stdout),
          stderr: String(stderr),
          ms: Date.now() - started,
        }),
    );
  });
}

/**
 * Which of `procs` holds the loopback TCP connection whose local end is `port` (the sender of a
 * message an SMTP test server is holding, say): the socket's inode from /proc/net/tcp, then the
 * process whose file descriptors include it. Linux only, as the tests are.
 */
export function ownerOfLocalPort(port: number, procs: Proc[]): Proc | undefined {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(table)) continue;
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      const local = cols[1];
      if (local && parseInt(local.split(':').pop()!, 16) === port && cols[9]) inodes.add(cols[9]);
    }
  }
  return procs.find((p) => {
    const pid = p.child.pid;
    if (pid === undefined || p.child.exitCode !== null) return false;
    try {
      return readdirSync(`/proc/${pid}/fd`).some((fd) => {
        try {
          const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
          return m !== null && inodes.has(m[1]!);
        } catch {
          return false; // the descriptor closed while we looked
        }
      });
    } catch {
      return false;
    }
  });
}
