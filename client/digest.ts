/**
 * Turning a campaign's weekly digest (每周督办简报, workflows/digest.ts) on and off: a workflow
 * beside the campaign, `digest/<campaign>`, on the campaign's clock. On when the office starts a
 * campaign with it (the console's box, `start --digest`, the API's `digest`), or later from the
 * dashboard; off by cancelling it, and on again as a new run.
 */
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { ClockSpec } from '../domain/clock';
import { digestWorkflowId } from '../domain/engine/context';
import { WORKFLOW_TYPES, type DigestInput, type DigestWorkflow } from '../domain/engine/inputs';
import type { Plan } from '../domain/plan-schema';
import { workflowRunning } from './workflow-running';

/** What the digest of a campaign of `plan` on `clock` needs: the titles in the campaign's language. */
export function digestInputOf(plan: Plan, clock: ClockSpec): DigestInput {
  const en = plan.locale === 'en';
  return {
    campaignId: plan.id,
    campaignTitle: plan.title,
    timeZone: plan.timeZone,
    locale: plan.locale,
    clock,
    titles: Object.fromEntries(plan.obligations.map((o) => [o.key, en ? (o.titleEn ?? o.title) : o.title])),
  };
}

/** Starts the campaign's digest on `taskQueue`; `running` when it was on already. */
export async function startDigest(
  client: Client,
  taskQueue: string,
  input: DigestInput,
): Promise<'started' | 'running'> {
  try {
    await client.workflow.start<DigestWorkflow>(WORKFLOW_TYPES.digest, {
      workflowId: digestWorkflowId(input.campaignId),
      taskQueue,
      args: [input],
    });
    return 'started';
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return 'running';
    throw err;
  }
}

/** Whether the campaign's digest is on. */
export function digestOn(client: Client, campaignId: string): Promise<boolean> {
  return workflowRunning(client, digestWorkflowId(campaignId));
}

/** Turns the campaign's digest off (cancels its workflow); false when it was not on. */
export async function stopDigest(client: Client, campaignId: string): Promise<boolean> {
  if (!(await digestOn(client, campaignId))) return false;
  await client.workflow.getHandle(digestWorkflowId(campaignId)).cancel();
  return true;
}
