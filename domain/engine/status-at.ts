/**
 * A deadline's status as of a later instant than its own clock's. A deadline whose batch mails
 * its shared steps (since v0.17) does not wake for them, and a query is answered with the clock
 * of the deadline's last wake: the steps the batch has mailed since are in `byBatch`, still to
 * come. A client that knows the server's time counts them done here, and gives the colour they
 * leave the deadline in: a deadline wakes for that colour only to tell Temporal's visibility, not
 * at all when its campaign keeps no search attributes (since v0.18, `wakesOnlyForVisibility`). Pure.
 */
import type { ScheduledStep } from '../calendar-types';
import { planTime } from '../clock';
import { openDeadlineState, DEADLINE_STATES, type DeadlineState } from '../deadline-state';
import type { DeadlineStatus } from './requests';

/** `status` with the batch's steps passed by `serverNowMs` counted done, its colour then, and without `byBatch`. */
export function statusAt(status: DeadlineStatus, serverNowMs: number): DeadlineStatus {
  const { byBatch, ...rest } = status;
  if (!byBatch) return rest;
  const nowMs = planTime(byBatch.clock, serverNowMs);
  const state = colourBy(rest, byBatch.steps, nowMs);
  const passed = byBatch.steps.filter((s) => Date.parse(s.at) <= nowMs);
  if (passed.length === 0) return { ...rest, state };
  const upcoming = [byBatch.steps.find((s) => Date.parse(s.at) > nowMs), byBatch.next].filter((s) => s !== undefined);
  return {
    ...rest,
    state,
    stepsDone: [...rest.stepsDone, ...passed.map((s) => s.step)],
    nextStep: rest.nextStep && upcoming.sort((a, b) => Date.parse(a.at) - Date.parse(b.at))[0],
  };
}

/**
 * An open deadline's colour by `nowMs`: green turns blue at its first reminder (or a while before
 * its due instant, with none) as the batch reminds it. Never an earlier colour than the deadline
 * itself says: red and closed are its own to tell, and it wakes for its due instant itself.
 */
function colourBy(status: DeadlineStatus, batchSteps: readonly ScheduledStep[], nowMs: number): DeadlineState {
  if (status.state !== 'green' && status.state !== 'blue') return status.state;
  const byClock = openDeadlineState(nowMs, status.dueAt, batchSteps);
  return DEADLINE_STATES.indexOf(byClock) > DEADLINE_STATES.indexOf(status.state) ? byClock : status.state;
}
