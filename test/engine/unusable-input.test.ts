/**
 * Workflows meet input they cannot use and fail for good, naming the field, on the time-skipping
 * server with the real bundle: a campaign whose plan lacks a field the calendar reads (it passed
 * the check of v0.11 and then failed its workflow task on every attempt, RUNNING and stuck), and
 * a deadline started by hand with a due instant that is none or a slice without its unit. A
 * deadline with a sound input starts as before.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { WorkflowFailedError } from '@temporalio/client';
import { CampaignClient } from '../../client/campaigns';
import { reportDeadlineInput } from '../../domain/engine/deadline-opening';
import { WORKFLOW_TYPES, type DeadlineInput } from '../../domain/engine/inputs';
import { deadlineStatusQuery } from '../../workflows/messages';
import { loadMini, type Mini } from '../workflows/mini';
import { local } from '../helpers/mini-campaign';
import { startEngineStack, type EngineStack } from '../helpers/engine-stack';

const TASK_QUEUE = 'unusable-input';

describe('workflows with input they cannot use', () => {
  let env: TestWorkflowEnvironment;
  let stack: EngineStack;
  let mini: Mini;

  beforeAll(async () => {
    stack = await startEngineStack(TASK_QUEUE);
    env = stack.env;
    mini = await loadMini();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  /** Waits for the workflow's end and returns its failure (it must fail). */
  async function failureOf(workflowId: string): Promise<WorkflowFailedError> {
    const h = env.client.workflow.getHandle(workflowId);
    const failure = (await h.result().catch((e: unknown) => e)) as WorkflowFailedError;
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect((await h.describe()).status.name).toBe('FAILED');
    return failure;
  }

  it('a campaign whose obligation has no escalation ends FAILED, naming the field', async () => {
    const plan = structuredClone(mini.plan);
    plan.id = 'no-escalation';
    // Past the command line's checks, as another client might send it: the calendar reads it unguarded.
    delete (plan.obligations[2] as Partial<(typeof plan.obligations)[2]>).escalation;
    const cc = new CampaignClient(env.client);
    const clock = { originPlanMs: local('2010-06-15T10:00'), originServerMs: await env.currentTimeMs(), scale: 1 };
    const h = await cc.start({
      plan,
      org: mini.org,
      taskQueue: TASK_QUEUE,
      clock,
      options: { searchAttributes: false },
    });
    const failure = await failureOf(h.workflowId);
    expect(failure.cause).toMatchObject({
      name: 'ApplicationFailure',
      type: 'CampaignInputInvalid',
      nonRetryable: true,
    });
    expect(failure.cause!.message).toBe(
      "the campaign's input cannot be used: plan.obligations[2].escalation: is missing",
    );
  });

  /** A report deadline of the mini plan's branch plan, as its starter would send it. */
  function deadlineInput(deadlineId: string): DeadlineInput {
    const batch = mini.batchOf('branch-plan');
    const ctx = { ...mini.ctx, options: { ...mini.ctx.options, searchAttributes: false } };
    return structuredClone({ ...reportDeadlineInput({ ...batch, ctx }, batch.unitIds[0]!), deadlineId });
  }
  const startDeadline = (input: DeadlineInput) =>
    env.client.workflow.start(WORKFLOW_TYPES.deadline, {
      workflowId: input.deadlineId,
      taskQueue: TASK_QUEUE,
      args: [input],
    });

  it.each([
    [
      'a due instant that is none',
      (d: DeadlineInput) => (d.dueAt = '2010-02-30T15:59:59.000Z'),
      'dueAt: "2010-02-30T15:59:59.000Z" is not an instant',
    ],
    [
      'an organisation slice without its unit',
      (d: DeadlineInput) => delete d.org.units[d.unitId],
      'org.units.b-mech-t1: is missing',
    ],
    [
      'a reminder that is no offset',
      (d: DeadlineInput) => (d.obligation.reminders = ['-3 days']),
      'obligation.reminders[0]: "-3 days" is not an offset',
    ],
  ])('a deadline started with %s ends FAILED, naming the field', async (what, breakIt, field) => {
    const input = deadlineInput(`broken/${what.replaceAll(' ', '-')}`);
    breakIt(input);
    await startDeadline(input);
    const failure = await failureOf(input.deadlineId);
    expect(failure.cause).toMatchObject({
      name: 'ApplicationFailure',
      type: 'DeadlineInputInvalid',
      nonRetryable: true,
    });
    expect(failure.cause!.message).toContain(`the deadline's input cannot be used: ${field}`);
  });

  it('a deadline started with a sound input runs as before', async () => {
    const input = deadlineInput('sound/branch-plan/once/b-mech-t1');
    const h = await startDeadline(input);
    const status = await h.query(deadlineStatusQuery);
    expect(status).toMatchObject({ deadlineId: input.deadlineId, dueAt: input.dueAt });
    expect((await h.describe()).status.name).toBe('RUNNING');
    await h.terminate('the test is done with it');
  });
});
