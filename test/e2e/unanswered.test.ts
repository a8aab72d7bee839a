/**
 * Campaigns that cannot answer say why. A campaign whose workflow input is unusable (a plan that
 * skipped the command line's checks, with 2010-02-30) ends FAILED at once, naming the field, and
 * `status` prints that; started again with the input put right, under the same id, it runs.
 *
 * With no worker on the campaign's task queue, `status` and `submit` say so at once (the server
 * answers DescribeTaskQueue without a worker), where they waited 10 s and 30 s for "Failed to
 * query Workflow"; with a worker that polled and was killed, the query's failure says when the
 * queue was last polled.
 */
import path from 'node:path';
import { readFile, writeFile } from 'node:fs/promises';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { startDevStack, type DevStack } from '../helpers/dev-stack';
import { startWorkerProcess } from '../helpers/processes';
import { loadOrgFile, loadPlanFile } from '../../plans/load';
import { openSqlLedger } from '../../ledger/store';
import { CampaignClient } from '../../client/campaigns';

const ROOT = path.resolve(__dirname, '..', '..');
const PLAN = path.join(ROOT, 'test', 'fixtures', 'mini-plan.yaml');
const ORG = path.join(ROOT, 'test', 'fixtures', 'mini-org.yaml');

describe('campaigns that cannot answer', () => {
  let stack: DevStack;
  const cli = (args: string[]) => stack.cli(args);

  beforeAll(async () => {
    // The answers below are read in English.
    stack = await startDevStack({ name: 'no-worker', worker: false, env: { LANG: 'en_US.UTF-8' } });
  });
  afterAll(() => stack?.stop());

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

    const worker = await startWorkerProcess(stack.env);
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

  it('a campaign whose input it cannot use fails, naming the field; status says so; fixed, it starts again', async () => {
    const worker = await startWorkerProcess(stack.env);
    try {
      const plan = await loadPlanFile(PLAN);
      const org = await loadOrgFile(ORG);
      const bad = structuredClone(plan);
      bad.id = 'bad-date';
      const o = bad.obligations[0]!;
      o.due = { at: '2010-02-30' }; // past the command line's checks: as another client might send it
      const client = new Client({ connection: await Connection.connect({ address: stack.env.TEMPORAL_ADDRESS! }) });
      try {
        const h = await new CampaignClient(client).start({ plan: bad, org, taskQueue: stack.env.TASK_QUEUE! });
        const failure = (await h.result().catch((e: unknown) => e)) as WorkflowFailedError;
        expect(failure).toBeInstanceOf(WorkflowFailedError);
        expect(failure.cause).toMatchObject({
          name: 'ApplicationFailure',
          type: 'CampaignInputInvalid',
          nonRetryable: true,
        });
        expect(failure.cause!.message).toContain(
          'plan.obligations[0].due.at: "2010-02-30" is not a day of the calendar',
        );
        expect((await h.describe()).status.name).toBe('FAILED');
      } finally {
        await client.connection.close();
      }
      const status = await cli(['status', 'bad-date']);
      expect(status.code).toBe(1);
      expect(status.stderr).toContain(
        'error [CAMPAIGN_FAILED]: campaign "bad-date" failed: the campaign\'s input cannot be used: plan.obligations[0].due.at: "2010-02-30"',
      );
      // The office puts the plan right and starts the campaign again under its id, over whatever
      // rows the failed run left in the ledger (here a unit it registered).
      const ledger = await openSqlLedger(stack.env.LEDGER_URL!);
      try {
        await ledger.upsertUnits([
          { campaignId: 'bad-date', unitId: 'b-mech-t1', name: '教工第一支部', level: 'branch' },
        ]);
      } finally {
        await ledger.close();
      }
      const fixed = path.join(stack.dir, 'bad-date-fixed.yaml');
      await writeFile(fixed, (await readFile(PLAN, 'utf8')).replace(/^id: mini$/m, 'id: bad-date'));
      const again = await cli(['start', '--plan', fixed, '--org', ORG, '--rehearse-from', '2010-06-15T10:00']);
      expect(again).toMatchObject({ code: 0, stdout: expect.stringContaining('started campaign bad-date') });
      expect(await cli(['status', 'bad-date'])).toMatchObject({
        code: 0,
        stdout: expect.stringContaining('campaign bad-date'),
      });
    } finally {
      await worker.kill('SIGKILL');
    }
  });
});
