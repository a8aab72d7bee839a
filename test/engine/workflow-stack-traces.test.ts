/**
 * Inside the workflow sandbox a stack trace keeps three frames (workflows/stack-depth.ts), set
 * before the worker freezes the sandbox's globals: no more are captured than that, and what the
 * stack-trace query and a workflow's failure show of our code is still there.
 */
import path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import { reportDeadlineInput } from '../../domain/engine/deadline-opening';
import { WORKFLOW_TYPES, type DeadlineInput } from '../../domain/engine/inputs';
import { WORKFLOW_BUNDLER_OPTIONS, createWorker } from '../../worker/worker';
import { WORKFLOW_STACK_FRAMES } from '../../workflows/stack-depth';
import { loadMini, type Mini } from '../workflows/mini';
import { startEngineStack, type EngineStack } from '../helpers/engine-stack';

const TASK_QUEUE = 'workflow-stack-traces';
const PROBE_QUEUE = 'workflow-stack-probe';
const quiet = { info() {}, warn() {}, error() {}, debug() {}, trace() {}, log() {} };

describe('stack traces inside the workflow sandbox', () => {
  let stack: EngineStack;
  let mini: Mini;

  beforeAll(async () => {
    stack = await startEngineStack(TASK_QUEUE);
    mini = await loadMini();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('keep three frames, set before the sandbox is frozen', async () => {
    // The engine's workflows and a probe, bundled with the worker's options (its preloaded modules).
    const workflowBundle = await bundleWorkflowCode({
      workflowsPath: path.join(__dirname, '..', 'fixtures', 'workflows', 'stack-probe.ts'),
      ...WORKFLOW_BUNDLER_OPTIONS,
      logger: quiet,
    });
    const worker = await createWorker({
      connection: stack.env.nativeConnection,
      taskQueue: PROBE_QUEUE,
      deps: { ledger: stack.ledger, mailer: stack.mailer, client: stack.env.client },
      workflowBundle,
    });
    const probe = await worker.runUntil(
      stack.env.client.workflow.execute('stackProbeWorkflow', { workflowId: 'stack/probe', taskQueue: PROBE_QUEUE }),
    );
    expect(WORKFLOW_STACK_FRAMES).toBe(3);
    // V8's default is ten: that is what a module evaluated after the freeze would leave.
    expect(probe).toEqual({ limit: WORKFLOW_STACK_FRAMES, frames: WORKFLOW_STACK_FRAMES });
  });

  function deadlineInput(deadlineId: string): DeadlineInput {
    const batch = mini.batchOf('branch-plan');
    const ctx = { ...mini.ctx, options: { ...mini.ctx.options, searchAttributes: false } };
    return structuredClone({ ...reportDeadlineInput({ ...batch, ctx }, batch.unitIds[0]!), deadlineId });
  }
  const start = (input: DeadlineInput) =>
    stack.env.client.workflow.start(WORKFLOW_TYPES.deadline, {
      workflowId: input.deadlineId,
      taskQueue: TASK_QUEUE,
      args: [input],
    });

  it("a failed workflow's stack still names where it threw", async () => {
    const h = await start({ ...deadlineInput('stack/failed'), dueAt: 'no instant' });
    const failure = (await h.result().catch((e: unknown) => e)) as WorkflowFailedError;
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect(failure.cause!.stack).toMatch(/\n\s+at refuseUnusableInput \(.*workflows\/deadline\.ts:\d+:\d+\)/);
  });

  it('the stack-trace query still names where a waiting deadline waits', async () => {
    const h = await start(deadlineInput('stack/waiting'));
    const trace = await h.query<string>('__stack_trace');
    expect(trace).toMatch(/at \w+ \(.*workflows\/deadline\.ts:\d+:\d+\)/);
    await h.terminate('the test is done with it');
  });
});
