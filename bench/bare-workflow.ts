/**
 * The yardstick of the fan-out benchmark: a workflow that does nothing but wait, like a freshly
 * opened deadline, started by a bare loop of `client.workflow.start`.
 */
import { sleep } from '@temporalio/workflow';

export async function bareWorkflow(): Promise<void> {
  await sleep('1 day');
}
