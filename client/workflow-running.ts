/** Whether a workflow runs, asked of Temporal by its id. */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';

/** Whether the workflow `workflowId` runs (its latest run): not once it completed, failed, was stopped, or never was. */
export async function workflowRunning(client: Client, workflowId: string): Promise<boolean> {
  try {
    return (await client.workflow.getHandle(workflowId).describe()).status.name === 'RUNNING';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}
