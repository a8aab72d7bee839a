/**
 * The campaign clock. A live campaign runs on real time (scale 1, no shift). A rehearsal runs
 * the plan's own dates (2010–2012) on a server whose clock reads today, and an end-to-end test
 * compresses days into seconds: both are one linear map from the server's time to the plan's.
 * Everything the plan speaks of (phases, due instants, office hours, ledger times) is in plan
 * time; only the sleeps are converted back to server time.
 */
export interface ClockSpec {
  /** Plan time (epoch ms) at the origin. */
  originPlanMs: number;
  /** Server time (epoch ms) at the origin. */
  originServerMs: number;
  /** Plan milliseconds per server millisecond (1 for a live campaign). */
  scale: number;
}

export const REAL_TIME: ClockSpec = { originPlanMs: 0, originServerMs: 0, scale: 1 };

export function planTime(clock: ClockSpec, serverMs: number): number {
  return clock.originPlanMs + (serverMs - clock.originServerMs) * clock.scale;
}

export function serverTime(clock: ClockSpec, planMs: number): number {
  return clock.originServerMs + (planMs - clock.originPlanMs) / clock.scale;
}

/** Server milliseconds to wait from `serverNowMs` until plan instant `planMs` (never negative). */
export function serverDelayUntil(clock: ClockSpec, serverNowMs: number, planMs: number): number {
  return Math.max(0, Math.ceil(serverTime(clock, planMs) - serverNowMs));
}
