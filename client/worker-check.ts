/**
 * Before a query or an update, whether anyone can answer it. A query or an update needs a worker
 * polling the workflow's task queue; with none, Temporal keeps the caller waiting (10 s for
 * `status`, 30 s for `submit`) and then says only "Failed to query Workflow". A closed workflow
 * can say why it closed. Both are asked of the server, which answers without a worker:
 * DescribeWorkflowExecution and DescribeTaskQueue.
 */
import { WorkflowFailedError, type Client, type WorkflowHandle } from '@temporalio/client';

/** Temporal's enum values (api/enums/v1/task_queue.proto), not to import a package the client does not declare. */
const TASK_QUEUE_KIND_NORMAL = 1;
const TASK_QUEUE_TYPE_WORKFLOW = 1;
const GRPC_UNIMPLEMENTED = 12;

/**
 * A poller the server saw within this is taken to be alive: a worker's long poll returns within
 * about a minute and it polls again at once, while the server remembers pollers for five.
 */
export const POLLER_FRESH_MS = 90_000;

export type WorkflowCheck =
  | { state: 'running'; taskQueue: string }
  | { state: 'closed'; status: string; failure?: string }
  | { state: 'not-found' };

/** What the server knows of a workflow, without asking a worker. */
export async function describeWorkflow(handle: WorkflowHandle): Promise<WorkflowCheck> {
  let d;
  try {
    d = await handle.describe();
  } catch (err) {
    if ((err as Error).name === 'WorkflowNotFoundError') return { state: 'not-found' };
    throw err;
  }
  if (d.status.name === 'RUNNING') return { state: 'running', taskQueue: d.taskQueue };
  if (d.status.name === 'COMPLETED' || d.status.name === 'CONTINUED_AS_NEW')
    return { state: 'closed', status: d.status.name };
  // The result of a failed run is its failure: the message the workflow gave, e.g. the field it could not use.
  const failure = await handle.result().then(
    () => undefined,
    (err: unknown) => (err instanceof WorkflowFailedError ? (err.cause?.message ?? err.message) : String(err)),
  );
  return { state: 'closed', status: d.status.name, failure };
}

/**
 * How long ago a worker last polled the workflow tasks of `taskQueue`: `undefined` when none is
 * known, `null` when the server cannot tell (the time-skipping test server lacks DescribeTaskQueue).
 */
export async function lastPollAgoMs(client: Client, taskQueue: string): Promise<number | undefined | null> {
  let r;
  try {
    r = await client.workflowService.describeTaskQueue({
      namespace: client.options.namespace,
      taskQueue: { name: taskQueue, kind: TASK_QUEUE_KIND_NORMAL },
      taskQueueType: TASK_QUEUE_TYPE_WORKFLOW,
    });
  } catch (err) {
    if ((err as { code?: number }).code === GRPC_UNIMPLEMENTED) return null;
    throw err;
  }
  const seen = (r.pollers ?? []).map((p) => {
    const t = p.lastAccessTime;
    return t ? Number(t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6) : 0;
  });
  return seen.length === 0 ? undefined : Date.now() - Math.max(...seen);
}

/** True when the server says no worker polled `taskQueue` lately (false when it cannot tell). */
export function noRecentPoll(agoMs: number | undefined | null): boolean {
  return agoMs !== null && (agoMs === undefined || agoMs > POLLER_FRESH_MS);
}

export function noWorkerMessage(taskQueue: string, agoMs: number | undefined): string {
  if (agoMs !== undefined && agoMs <= POLLER_FRESH_MS)
    return `a worker last polled the task queue "${taskQueue}" ${Math.round(agoMs / 1000)} s ago but did not answer; if it stopped, start it again (npm start)`;
  const seen =
    agoMs === undefined ? 'none has polled it lately' : `the last poll was ${Math.round(agoMs / 1000)} s ago`;
  return (
    `no worker is polling the task queue "${taskQueue}" (${seen}): the campaign cannot answer until one runs; ` +
    'start the worker (npm start) and ask again'
  );
}
