/**
 * The README's first command, `npm start` (scripts/start.sh), as a new user runs it: the dev
 * server with Temporal's Web UI, the worker, the web service and the sample campaign come up;
 * the link secret is made once into the data folder; the campaign answers `status` as soon as
 * the script says the service is running (it waits for the worker's first poll); the dev server
 * runs with the SQLite settings of the tests (`DEV_SERVER_PRAGMAS`); Ctrl-C (SIGINT) stops it
 * all. Ports and the data folder are the test's own (DATA_DIR, UI_PORT, …). When the web
 * service cannot listen (another program holds its port), the script says so and stops what it
 * started instead of announcing a sign-in page nobody serves.
 */
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { freePort } from '../helpers/ports';
import { runCli, track, type Proc } from '../helpers/processes';
import { DEV_SERVER_PRAGMAS } from '../../worker/servers';

const ROOT = path.resolve(__dirname, '..', '..');

/** The command line, word by word, of the process whose command line holds every one of `words`. */
function commandLineWith(words: string[]): string[] | undefined {
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      continue; // it ended while we looked
    }
    if (words.every((w) => argv.includes(w))) return argv;
  }
  return undefined;
}

describe('npm start', () => {
  let dir: string;
  let service: Proc | undefined;
  let env: Record<string, string>;
  let ports: { temporal: number; ui: number; web: number };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'quick-start-'));
    ports = { temporal: await freePort(), ui: await freePort(), web: await freePort() };
    env = {
      DATA_DIR: path.join(dir, 'data'),
      TEMPORAL_ADDRESS: `127.0.0.1:${ports.temporal}`,
      UI_PORT: String(ports.ui),
      BASE_URL: `http://127.0.0.1:${ports.web}`,
      TASK_QUEUE: 'quick-start',
    };
    // A process group of its own: Ctrl-C reaches the script, which stops what it started.
    service = track(
      spawn('bash', ['scripts/start.sh'], {
        cwd: ROOT,
        env: { ...process.env, ...env, LINK_SECRET: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      }),
    );
    const until = Date.now() + 240_000;
    while (!service.output().includes('The service is running')) {
      if (service.child.exitCode !== null) throw new Error(`npm start ended:\n${service.output()}`);
      if (Date.now() > until) throw new Error(`npm start not up after 240 s:\n${service.output()}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }, 300_000);

  afterAll(async () => {
    if (service && service.child.exitCode === null) {
      process.kill(-service.child.pid!, 'SIGKILL');
      await service.kill('SIGKILL');
    }
    await rm(dir, { recursive: true, force: true });
  });

  it('serves the Web UI, the sign-in page and the sample campaign, with a link secret of its own', async () => {
    const out = service!.output();
    expect(out).toContain(`Temporal's Web UI: http://127.0.0.1:${ports.ui}/namespaces/default/workflows`);
    const ui = await fetch(`http://127.0.0.1:${ports.ui}/`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toMatch(/<html/i);
    const login = await fetch(`${env.BASE_URL}/login`);
    expect(login.status).toBe(200);
    expect(await login.text()).toContain('用邮箱登录');

    const secret = path.join(env.DATA_DIR!, 'link-secret');
    expect(readFileSync(secret, 'utf8')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(existsSync(path.join(env.DATA_DIR!, 'ledger.sqlite'))).toBe(true);

    const status = await runCli(['status', 'changchun-2010'], {
      ...env,
      LEDGER_URL: `sqlite:${path.join(env.DATA_DIR!, 'ledger.sqlite')}`,
    });
    expect(status).toMatchObject({ code: 0, stderr: '' });
    expect(status.stdout).toContain('changchun-2010');
    // The sample runs with its weekly digest on.
    const digest = await runCli(['digest', 'changchun-2010', '--json'], env);
    expect(digest).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(digest.stdout)).toEqual({ campaignId: 'changchun-2010', digest: true });
  }, 120_000);

  it('runs the dev server with the SQLite settings the tests and the benchmarks use', () => {
    const argv = commandLineWith(['start-dev', '--port', String(ports.temporal)]);
    expect(argv).toBeDefined();
    const at = argv!.indexOf(DEV_SERVER_PRAGMAS[0]!);
    expect(at).toBeGreaterThan(-1);
    expect(argv!.slice(at, at + DEV_SERVER_PRAGMAS.length)).toEqual(DEV_SERVER_PRAGMAS);
  });

  it('stops everything on Ctrl-C', async () => {
    process.kill(-service!.child.pid!, 'SIGINT');
    await service!.kill('SIGINT');
    const gone = await fetch(`${env.BASE_URL}/login`).then(
      () => false,
      () => true,
    );
    expect(gone).toBe(true);
  }, 60_000);
});

describe('npm start with a port taken', () => {
  let dir: string;
  let holder: net.Server;
  let taken: number;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'quick-start-taken-'));
    // Another program on a port the service wants: it drops whoever connects.
    holder = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    taken = (holder.address() as net.AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise((resolve) => holder.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  /** start.sh on these ports, to its end: its exit code (null: still running after 240 s) and what it printed. */
  async function startOn(name: string, ports: { temporal: number; web: number }) {
    const run = track(
      spawn('bash', ['scripts/start.sh'], {
        cwd: ROOT,
        env: {
          ...process.env,
          DATA_DIR: path.join(dir, name),
          TEMPORAL_ADDRESS: `127.0.0.1:${ports.temporal}`,
          UI_PORT: String(await freePort()),
          BASE_URL: `http://127.0.0.1:${ports.web}`,
          TASK_QUEUE: `quick-start-${name}`,
          LINK_SECRET: '',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      }),
    );
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => {
        process.kill(-run.child.pid!, 'SIGKILL');
        resolve(null);
      }, 240_000);
      run.child.once('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    const out = run.output();
    if (code !== 1) throw new Error(`start.sh ended with ${String(code)}:\n${out}`);
    expect(out).not.toContain('The service is running');
    return out;
  }

  it('the web service’s: says it is not answering, and stops the dev server and the worker it started', async () => {
    const temporal = await freePort();
    const out = await startOn('web', { temporal, web: taken });
    expect(out).toContain('EADDRINUSE');
    expect(out).toContain('start.sh: the web service is not answering');
    // What it started is gone with it: the dev server's port is free again.
    expect(commandLineWith(['start-dev', '--port', String(temporal)])).toBeUndefined();
  }, 300_000);

  it('the Temporal server’s: says the dev server ended, with the end of its log, before starting anything else', async () => {
    const out = await startOn('temporal', { temporal: taken, web: await freePort() });
    expect(out).toContain('start.sh: the Temporal dev server ended; its log');
    expect(out).toMatch(new RegExp(`can't set frontend port ${taken}: .*address already in use`));
    expect(out).not.toContain('已启动活动');
  }, 300_000);
});
