/**
 * What Temporal does to a campaign once its namespace's retention has passed, at once: the
 * campaign's workflow is stopped and deleted, so that the engine no longer holds it and only the
 * ledger keeps its history.
 */
import type { Client } from '@temporalio/client';
import { campaignWorkflowId } from '../../domain/engine/context';

export async function forgetCampaign(client: Client, campaignId: string): Promise<void> {
  const handle = client.workflow.getHandle(campaignWorkflowId(campaignId));
  await handle.terminate('the test: the engine forgets the campaign');
  await client.workflowService.deleteWorkflowExecution({
    namespace: client.options.namespace,
    workflowExecution: { workflowId: handle.workflowId },
  });
}
