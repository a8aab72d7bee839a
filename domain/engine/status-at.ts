/**
 * A deadline's status as of a later instant than its own clock's. A deadline whose batch mails
 * its shared steps (since v0.17) does not wake for them, and a query is answered with the clock
 * of the deadline's last wake: the steps the batch has mailed since are in `byBatch`, still to
 * come. A client that knows the server's time counts them done here. Pure.
 */
import { planTime } from '../clock';
import type { DeadlineStatus } from './requests';

/** `status` with the batch's steps passed by `serverNowMs` counted done, and without `byBatch`. */
export function statusAt(status: DeadlineStatus, serverNowMs: number): DeadlineStatus {
  const { byBatch, ...rest } = status;
  if (!byBatch) return rest;
  const nowMs = planTime(byBatch.clock, serverNowMs);
  const passed = byBatch.steps.filter((s) => Date.parse(s.at) <= nowMs);
  if (passed.length === 0) return rest;
  const upcoming = [byBatch.steps.find((s) => Date.parse(s.at) > nowMs), byBatch.next].filter((s) => s !== undefined);
  return {
    ...rest,
    stepsDone: [...rest.stepsDone, ...passed.map((s) => s.step)],
    nextStep: rest.nextStep && upcoming.sort((a, b) => Date.parse(a.at) - Date.parse(b.at))[0],
  };
}
