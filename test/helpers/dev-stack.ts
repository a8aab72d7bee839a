/**
 * The set-up every command-line end-to-end test shares: a temporary folder, the dev server on a
 * SQLite file in it, the environment that the CLI and the worker read (ledger and outbox in the
 * same folder), and the service's own worker process unless a test starts its own. `stop` undoes
 * all of it, whatever part of the start failed.
 */
import os from 'node:os';
import path from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import { freePort } from './ports';
import { runCli, startDevServer, startWorkerProcess, type CliRun, type Proc } from './processes';

export interface DevStack {
  dir: string;
  env: Record<string, string>;
  server: Proc;
  /** The service's worker; absent when the test asked for none. */
  worker?: Proc;
  /** The CLI as a person runs it, with the stack's environment (plus `extraEnv`). */
  cli(args: string[], extraEnv?: Record<string, string>): Promise<CliRun>;
  /** `cli`, failing the test with its output unless it exits 0; its stdout. */
  ok(args: string[]): Promise<string>;
  /** `ok` with `--json`, its stdout parsed. */
  json<T>(args: string[]): Promise<T>;
  /**
   * The units whose deadlines of `obligation` are still open, sorted, from Temporal's visibility:
   * asked again (up to 18 s) until there are `expected` of them, as visibility is eventually consistent.
   */
  openUnits(campaign: string, obligation: string, expected: number): Promise<string[]>;
  stop(): Promise<void>;
}

export async function startDevStack(opts: {
  /** Names the temporary folder and the task queue. */
  name: string;
  /** False: no worker (the test starts and kills its own). */
  worker?: boolean;
  env?: Record<string, string>;
}): Promise<DevStack> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `${opts.name}-`));
  let server: Proc | undefined;
  let worker: Proc | undefined;
  const stop = async (): Promise<void> => {
    await worker?.kill();
    await server?.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const port = await freePort();
    server = await startDevServer({ dbFile: path.join(dir, 'temporal.sqlite'), port });
    const env: Record<string, string> = {
      TEMPORAL_ADDRESS: `127.0.0.1:${port}`,
      TASK_QUEUE: opts.name,
      LEDGER_URL: `sqlite:${path.join(dir, 'ledger.sqlite')}`,
      MAIL_URL: `outbox:${path.join(dir, 'outbox')}`,
      ...opts.env,
    };
    if (opts.worker !== false) worker = await startWorkerProcess(env);
    const cli = (args: string[], extraEnv: Record<string, string> = {}): Promise<CliRun> =>
      runCli(args, { ...env, ...extraEnv });
    const ok = async (args: string[]): Promise<string> => {
      const r = await cli(args);
      if (r.code !== 0) throw new Error(`${args.join(' ')} failed (${r.code}):\n${r.stderr}\n${r.stdout}`);
      return r.stdout;
    };
    const json = async <T>(args: string[]): Promise<T> => JSON.parse(await ok([...args, '--json'])) as T;
    const openUnits = async (campaign: string, obligation: string, expected: number): Promise<string[]> => {
      let units: string[] = [];
      for (let i = 0; i < 60; i++) {
        const open = await json<{ unitId: string }[]>(['list', campaign, '--obligation', obligation]);
        units = open.map((d) => d.unitId).sort();
        if (units.length === expected) return units;
        await new Promise((r) => setTimeout(r, 300));
      }
      return units;
    };
    return { dir, env, server, worker, cli, ok, json, openUnits, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
