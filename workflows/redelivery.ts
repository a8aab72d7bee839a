/**
 * A message's redelivery to the recipients the mail server deferred (4xx: a full mailbox,
 * greylisting), whether it took the message for the others or for nobody. Asked again with
 * backoff, five minutes at first, then up to every two hours, for three days; whoever is still
 * deferred then is recorded as refused, which puts the address on the office's list of what to
 * mend (通讯录待补正). A workflow of its own, so that the deadline that sent the message goes on
 * with its steps meanwhile.
 */
import { ActivityFailure, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { REDELIVERY_WINDOW, type RedeliveryInput, type RedeliveryResult } from '../domain/engine/inputs';
import { ACTIVITY_RETRY } from './activity-retry';

const { redeliver } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  scheduleToCloseTimeout: REDELIVERY_WINDOW,
  retry: { initialInterval: '5 minutes', backoffCoefficient: 2, maximumInterval: '2 hours' },
});
const { abandonRedelivery } = proxyActivities<Activities>({ startToCloseTimeout: '2 minutes', retry: ACTIVITY_RETRY });

export async function redeliveryWorkflow(input: RedeliveryInput): Promise<RedeliveryResult> {
  try {
    const r = await redeliver(input);
    return { delivered: r.accepted, refused: r.rejected, abandoned: [] };
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    // The window closed with someone still deferred: the last answer is in the failure's cause.
    const cause: Error | undefined = err.cause;
    const last = (cause?.cause instanceof Error ? cause.cause : (cause ?? err)).message;
    const abandoned = await abandonRedelivery({ ...input, reason: last });
    return { delivered: [], refused: [], abandoned };
  }
}
