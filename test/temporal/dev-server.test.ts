import path from 'node:path';
import os from 'node:os';
import { mkdtemp, rm } from 'node:fs/promises';
import { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createDevServerEnv } from '../../worker/servers';
import { release, waitForRelease } from './fixtures/workflows';

describe('the dev server built from the Temporal CLI Go module', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'devserver-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps a running workflow across a stop and a start on the same SQLite file', async () => {
    const dbFile = path.join(dir, 'temporal.sqlite');
    let env: TestWorkflowEnvironment = await createDevServerEnv({ dbFile });
    const handle = await env.client.workflow.start(waitForRelease, {
      taskQueue: 'restart',
      workflowId: 'survives-restart',
    });
    const runId = handle.firstExecutionRunId;
    await env.teardown();

    env = await createDevServerEnv({ dbFile });
    try {
      const again = env.client.workflow.getHandle('survives-restart', runId);
      expect((await again.describe()).status.name).toBe('RUNNING');
      const worker = await Worker.create({
        connection: env.nativeConnection,
        taskQueue: 'restart',
        workflowsPath: require.resolve('./fixtures/workflows'),
      });
      const result = await worker.runUntil(async () => {
        await again.signal(release, 'after-restart');
        return (await again.result()) as string;
      });
      expect(result).toBe('after-restart:0');
    } finally {
      await env.teardown();
    }
  });
});
