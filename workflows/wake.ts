/**
 * Waiting for "this condition, or that instant", without ever cancelling a timer.
 *
 * `condition(fn, timeout)` cancels its timer when `fn` comes true first. Temporal's Java
 * time-skipping server refuses a workflow task that cancels a timer which fired while the task
 * was running ("invalid history builder state for action", sdk-java#2606/#3088) and the
 * workflow then never gets another task: a rehearsal hangs. So each instant gets one timer,
 * reused by every wait for that instant (a campaign woken by a batch report waits again for the
 * same instant), and left to fire when the wait ends otherwise: a timer for an instant that no
 * longer matters wakes the workflow once, for nothing. This also spends fewer history events
 * than cancelling and restarting a timer on every wake.
 */
import { condition, sleep } from '@temporalio/workflow';
import { serverDelayUntil, type ClockSpec } from '../domain/clock';

export type Waiter = (until: () => boolean, planInstantMs: number) => Promise<boolean>;

/** A waiter for one workflow run. Resolves true if `until` came true, false if the instant came. */
export function instantWaiter(clock: ClockSpec): Waiter {
  const timers = new Set<number>();
  const reached = new Set<number>();
  return async (until, planInstantMs) => {
    if (!timers.has(planInstantMs) && !reached.has(planInstantMs)) {
      timers.add(planInstantMs);
      void sleep(serverDelayUntil(clock, Date.now(), planInstantMs) || 1).then(() => {
        timers.delete(planInstantMs);
        reached.add(planInstantMs);
      });
    }
    await condition(() => until() || reached.has(planInstantMs));
    return until();
  };
}
