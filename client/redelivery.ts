/**
 * Those the mail server deferred (4xx: a full mailbox, greylisting) are asked again by the
 * worker's redelivery workflow (workflows/redelivery.ts), one per message: the engine's activities
 * start it for their mail, and the web service and the command line for theirs (a receipt, a
 * correction's notice), through `redelivering`.
 */
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { workflowRunning } from './workflow-running';
import { WORKFLOW_TYPES, type RedeliveryInput, type RedeliveryWorkflow } from '../domain/engine/inputs';
import { dedupeKey } from '../mail';
import type { Mailer } from '../mail/types';

/** The redelivery of the message whose dedupe key is `messageKey`: one per message. */
export const redeliveryIdOf = (messageKey: string): string => `redelivery/${messageKey}`;
export const redeliveryWorkflowId = (input: RedeliveryInput): string => redeliveryIdOf(dedupeKey(input.message));

/**
 * Whether the message's redelivery still runs: one stopped by hand, or never started (its start
 * failed and was only logged, `redelivering`), will neither deliver the message nor give it up.
 */
export function redeliveryRunning(client: Client, messageKey: string): Promise<boolean> {
  return workflowRunning(client, redeliveryIdOf(messageKey));
}

/**
 * Starts the message's redelivery on `taskQueue`. Started again (a retried send), it is the one
 * already running, or one that finds everybody delivered and ends.
 */
export async function startRedelivery(client: Client, taskQueue: string, input: RedeliveryInput): Promise<void> {
  try {
    await client.workflow.start<RedeliveryWorkflow>(WORKFLOW_TYPES.redelivery, {
      workflowId: redeliveryWorkflowId(input),
      taskQueue,
      args: [input],
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}

/**
 * A mailer that has those its sends deferred asked again (`start`). A redelivery that cannot be
 * started is told to `onError` and the send still counts: the message went to the others, and
 * the ledger's record of it names those deferred (`data.deferred`).
 */
export function redelivering(
  mailer: Mailer,
  start: (input: RedeliveryInput) => Promise<void>,
  onError: (err: unknown, input: RedeliveryInput) => void,
): Mailer {
  return {
    async send(message, opts) {
      const sent = await mailer.send(message, opts);
      if (sent.deferred?.length) {
        const input = { message, recipients: sent.deferred };
        await start(input).catch((err: unknown) => onError(err, input));
      }
      return sent;
    },
    redeliver: (message, recipients, opts) => mailer.redeliver(message, recipients, opts),
    abandon: (message, recipients, error) => mailer.abandon(message, recipients, error),
    close: () => mailer.close(),
  };
}
