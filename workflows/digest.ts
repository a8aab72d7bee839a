/**
 * A campaign's weekly digest (每周督办简报, domain/digest.ts): it sleeps until 08:30 on the first
 * working day of the next week, on the campaign's clock (a rehearsal's plan time), mails that
 * week's digests through one activity, and goes on until the campaign no longer runs. A workflow
 * of its own beside the campaign, so that turning it on or off touches no campaign's history;
 * stopped by cancelling it. It continues as new every half year, to keep its history short.
 */
import { continueAsNew, proxyActivities, sleep } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { planTime, serverDelayUntil } from '../domain/clock';
import { digestWeekKey, nextDigestAt } from '../domain/digest';
import type { DigestInput } from '../domain/engine/inputs';
import { ACTIVITY_RETRY } from './activity-retry';

const { mailWeeklyDigest } = proxyActivities<Activities>({ startToCloseTimeout: '10 minutes', retry: ACTIVITY_RETRY });

/** Weeks a run covers before it continues as new. */
const WEEKS_PER_RUN = 26;

export async function digestWorkflow(input: DigestInput): Promise<void> {
  const { clock, ...about } = input;
  for (let week = 0; week < WEEKS_PER_RUN; week++) {
    const at = nextDigestAt(planTime(clock, Date.now()), input.timeZone);
    await sleep(serverDelayUntil(clock, Date.now(), at));
    const r = await mailWeeklyDigest({
      ...about,
      at: new Date(at).toISOString(),
      week: digestWeekKey(at, input.timeZone),
    });
    if (!r.campaignRunning) return;
  }
  await continueAsNew<typeof digestWorkflow>(input);
}
