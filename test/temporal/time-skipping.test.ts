import { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { spawn } from 'node:child_process';
import { createTimeSkippingEnv, TEST_SERVER } from '../../worker/servers';
import { freePort } from '../helpers/ports';
import { bump, release, sleepNinetyDays, waitForRelease } from './fixtures/workflows';

const QUIET_SLEEP_MS = 100_000;

describe('the time-skipping test server from Maven Central', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await createTimeSkippingEnv();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  // Without the launcher, a rehearsal's server time grows with the square of its length
  // (scripts/test-server/TestServerLauncher.java says why); it says so once it has done its work.
  it('starts through the launcher that indexes its timer lock log', async () => {
    const port = await freePort();
    const child = spawn(TEST_SERVER, [String(port), '--enable-time-skipping'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      // The launcher speaks on stderr (stdout stays clean for a rehearsal's --json), among the JVM's own lines.
      let stdout = '';
      child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
      const said = await new Promise<string>((resolve, reject) => {
        let err = '';
        child.stderr.on('data', (b: Buffer) => {
          err += b.toString();
          const complete = err.split('\n').slice(0, -1);
          const line = complete.find((l) => l.startsWith('temporal-test-server:'));
          if (line !== undefined) resolve(line.trim());
        });
        child.once('exit', (code) => reject(new Error(`the test server exited (${String(code)}): ${err}`)));
      });
      expect(said).toBe(`temporal-test-server: listening on ${port}, lock log indexed`);
      expect(stdout).toBe('');
    } finally {
      child.kill('SIGTERM');
    }
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

  // The rehearsal of 1,000 branches stalled when the client's keepalive pings made the server
  // drop a quiet `env.sleep` and the client retried it: time skipping was unlocked twice and
  // relocked once. Holding one extra lock keeps the clock at wall speed, so this sleep stays
  // quiet for 100 s, past the three pings (90 s) after which the server hangs up.
  it(
    'keeps a quiet 100-second sleep on one connection: the clock moves 100 s, not twice that',
    async () => {
      const testService = env.connection.testService;
      if (!testService) throw new Error('the time-skipping environment has no test service');
      await testService.lockTimeSkipping({});
      const before = await env.currentTimeMs();
      try {
        await env.sleep(QUIET_SLEEP_MS);
      } finally {
        await testService.unlockTimeSkipping({});
      }
      const moved = (await env.currentTimeMs()) - before;
      expect(moved).toBeGreaterThanOrEqual(QUIET_SLEEP_MS);
      // A retried sleep would move it by about 190 s: 90 s until the hang-up, then 100 s again.
      expect(moved).toBeLessThan(QUIET_SLEEP_MS + 30_000);
    },
    QUIET_SLEEP_MS + 120_000,
  );
});
