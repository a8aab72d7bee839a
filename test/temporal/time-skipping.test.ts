import { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createTimeSkippingEnv } from '../../worker/servers';
import { bump, release, sleepNinetyDays, waitForRelease } from './fixtures/workflows';

describe('the time-skipping test server from Maven Central', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await createTimeSkippingEnv();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  it('runs a workflow that sleeps 90 days in seconds', async () => {
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: 'ninety-days',
      workflowsPath: require.resolve('./fixtures/workflows'),
    });
    const wall = Date.now();
    const before = await env.currentTimeMs();
    const result = await worker.runUntil(
      env.client.workflow.execute(sleepNinetyDays, { taskQueue: 'ninety-days', workflowId: 'sleep-90-days' }),
    );
    expect(result).toBe('woke');
    expect((await env.currentTimeMs()) - before).toBeGreaterThanOrEqual(90 * 24 * 3600 * 1000);
    expect(Date.now() - wall).toBeLessThan(60_000);
  });

  it('accepts updates with validators (the engine relies on them)', async () => {
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: 'updates',
      workflowsPath: require.resolve('./fixtures/workflows'),
    });
    await worker.runUntil(async () => {
      const h = await env.client.workflow.start(waitForRelease, { taskQueue: 'updates', workflowId: 'updates-1' });
      expect(await h.executeUpdate(bump, { args: [2] })).toBe(2);
      await expect(h.executeUpdate(bump, { args: [-1] })).rejects.toThrow();
      await h.signal(release, 'done');
      expect(await h.result()).toBe('done:2');
    });
  });
});
