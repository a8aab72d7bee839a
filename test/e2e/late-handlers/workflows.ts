/** Workflows for test/engine/query-before-first-task.test.ts. */
import { defineQuery, setHandler, sleep } from '@temporalio/workflow';

export const answerQuery = defineQuery<string>('answer');

/** Registers its query only after a second, as a campaign does after its first activity. */
export async function lateHandlerWorkflow(): Promise<void> {
  await sleep('1 second');
  setHandler(answerQuery, () => 'ready');
  await sleep('1 hour');
}

/** Never registers it: a workflow whose first step never comes. */
export async function noHandlerWorkflow(): Promise<void> {
  await sleep('1 hour');
}
