/**
 * With no worker on the campaign's task queue, `status` and `submit` say so at once (the server
 * answers DescribeTaskQueue without a worker), where they waited 10 s and 30 s for "Failed to
 * query Workflow"; with a worker that polled and was killed, the query's failure says when the
 * queue was last polled.
 */
import path from 'node:path';
import os from 'node:os';
import { mkdtemp, rm } from 'node:fs/promises';
import { freePort } from '../helpers/postgres';
import { startDevServer, startWorkerProcess, type Proc } from '../helpers/processes';
import { runCli } from '../helpers/cli';

const ROOT = path.resolve(__dirname, '..', '..');
const PLAN = path.join(ROOT, 'test', 'fixtures', 'mini-plan.yaml');
const ORG = path.join(ROOT, 'test', 'fixtures', 'mini-org.yaml');

describe('requests while no worker polls the task queue', () => {
  let dir: string;
  let server: Proc;
  let env: Record<string, string>;
  const cli = (args: string[]) => runCli(args, env);

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'no-worker-'));
    const port = await freePort();
    server = await startDevServer({ dbFile: path.join(dir, 'temporal.sqlite'), port });
    env = {
      TEMPORAL_ADDRESS: `127.0.0.1:${port}`,
      TASK_QUEUE: 'no-worker',
      LEDGER_URL: `sqlite:${path.join(dir, 'ledger.sqlite')}`,
      MAIL_URL: `outbox:${path.join(dir, 'outbox')}`,
    };
  });
  afterAll(async () => {
    await server?.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  });

  it('status and submit say that no worker polls the queue, and a killed worker is named the same way', async () => {
    const started = await cli(['start', '--plan', PLAN, '--org', ORG, '--rehearse-from', '2010-06-15T10:00']);
    expect(started.code).toBe(0);

    const status = await cli(['status', 'mini']);
    expect(status.code).toBe(1);
    expect(status.stderr).toContain('error [NO_WORKER]: no worker is polling the task queue "no-worker"');
    expect(status.stderr).toContain('start the worker (npm start)');
    const submit = await cli(['submit', 'mini', 'branch-plan', 'once', 'b-mech-t1', '--by', '张伟', '--text', '方案']);
    expect(submit.code).toBe(1);
    expect(submit.stderr).toContain('error [NO_WORKER]: no worker is polling the task queue "no-worker"');
    console.log(`without a worker: status ${status.ms} ms, submit ${submit.ms} ms`);

    const worker = await startWorkerProcess(env);
    try {
      expect(await cli(['status', 'mini'])).toMatchObject({
        code: 0,
        stdout: expect.stringContaining('campaign mini'),
      });
    } finally {
      await worker.kill('SIGKILL');
    }
    // The server still remembers its polls: the check passes, the query waits until the server gives up.
    const afterKill = await cli(['status', 'mini']);
    expect(afterKill.code).toBe(1);
    expect(afterKill.stderr).toContain('error [NO_WORKER]: campaign "mini" did not answer');
    expect(afterKill.stderr).toContain('a worker last polled the task queue "no-worker"');
  });
});
