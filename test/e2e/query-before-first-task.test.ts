/**
 * A query that reaches a workflow before it has registered its handlers (a campaign just started
 * registers them after its first activity; a deadline listed by visibility may not have run its
 * first task) is asked again until it is answered, and a workflow that never gets there is
 * reported as not ready, not as a bare "did not register a handler". Real workflows on the dev
 * server (the time-skipping test server answers such a query otherwise).
 */
import os from 'node:os';
import path from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { freePort } from '../helpers/ports';
import { startDevServer, type Proc } from '../helpers/processes';
import { afterFirstTask, CampaignRequestError } from '../../client/campaigns';
import { answerQuery } from './late-handlers/workflows';

describe('a query before the first task', () => {
  let dir: string;
  let server: Proc;
  let client: Client;
  let native: NativeConnection;
  let worker: Worker;
  let running: Promise<void>;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'late-handlers-'));
    const port = await freePort();
    server = await startDevServer({ dbFile: path.join(dir, 'temporal.sqlite'), port });
    client = new Client({ connection: await Connection.connect({ address: `127.0.0.1:${port}` }) });
    native = await NativeConnection.connect({ address: `127.0.0.1:${port}` });
    worker = await Worker.create({
      connection: native,
      taskQueue: 'late-handlers',
      workflowsPath: path.join(__dirname, 'late-handlers', 'workflows.ts'),
    });
    running = worker.run();
  });
  afterAll(async () => {
    worker?.shutdown();
    await running;
    await native?.close();
    await client?.connection.close();
    await server?.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  });

  it('is asked again until the workflow registers its handler', async () => {
    const h = await client.workflow.start('lateHandlerWorkflow', {
      taskQueue: 'late-handlers',
      workflowId: 'late-handler',
    });
    // Asked at once: the handler comes a second later.
    await expect(h.query(answerQuery)).rejects.toThrow(/did not register a handler/);
    await expect(afterFirstTask('the test workflow', () => h.query(answerQuery))).resolves.toBe('ready');
  });

  it('says "not ready" of a workflow that never registers it', async () => {
    const h = await client.workflow.start('noHandlerWorkflow', { taskQueue: 'late-handlers', workflowId: 'none' });
    const err = await afterFirstTask('deadline none', () => h.query(answerQuery), 1_500).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CampaignRequestError);
    expect(err).toMatchObject({ code: 'NOT_READY' });
    expect((err as Error).message).toMatch(/^deadline none has not run its first step yet/);
  });
});
