/**
 * The campaign clock. A live campaign runs on real time (scale 1, no shift). A rehearsal runs
 * the plan's own dates (2010–2012) on a server whose clock reads today, and an end-to-end test
 * compresses days into seconds: both are one linear map from the server's time to the plan's.
 * Everything the plan speaks of (phases, due instants, office hours, ledger times) is in plan
 * time; only the sleeps are converted back to server time.
 */
import { DateTime } from 'luxon';

export interface ClockSpec {
  /** Plan time (epoch ms) at the origin. */
  originPlanMs: number;
  /** Server time (epoch ms) at the origin. */
  originServerMs: number;
  /** Plan milliseconds per server millisecond (1 for a live campaign). */
  scale: number;
}

export const REAL_TIME: ClockSpec = { originPlanMs: 0, originServerMs: 0, scale: 1 };

/**
 * A campaign that runs its plan's own calendar from now on, `scale` plan milliseconds a server
 * millisecond: from `fromPlanMs`, or by default from midnight of the day before its first phase
 * in the plan's zone (`start --rehearse-speed`, the API's `rehearseSpeed`).
 */
export function rehearsalClock(
  plan: { timeZone: string; phases: readonly { start: string }[] },
  scale: number,
  serverNowMs: number,
  fromPlanMs?: number,
): ClockSpec {
  if (!Number.isFinite(scale) || scale <= 0) throw new RangeError(`the speed must be a positive number, got ${scale}`);
  const first = plan.phases[0];
  if (fromPlanMs === undefined && !first) throw new RangeError('the plan has no phase to start from');
  const originPlanMs =
    fromPlanMs ?? DateTime.fromISO(first!.start, { zone: plan.timeZone }).minus({ days: 1 }).toMillis();
  return { originPlanMs, originServerMs: serverNowMs, scale };
}

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

/** Whether plan time is not server time: a rehearsal (its own years, or days compressed into seconds). */
export function isRehearsalClock(clock: ClockSpec): boolean {
  return clock.scale !== 1 || clock.originPlanMs !== clock.originServerMs;
}

/**
 * Server milliseconds a rehearsal's request may reach the engine after the instant it names.
 *
 * On the time-skipping server (a clock of scale 1) ten minutes: the rehearsal delivers all the
 * requests of one instant while the server's clock runs on (time skips only while nothing is in
 * flight), and the 5,000 submissions of one instant of a 5,000-branch rehearsal took over a
 * minute; under the old bound of 60 s the late ones were refused and the rehearsal stopped. Ten
 * minutes covers some 25,000 requests at the rates measured, and is ten minutes of plan time.
 *
 * On a compressed clock (the dev server's end-to-end runs, a plan day in seconds) still 60 s:
 * there a minute of server time is days of plan time, in which the deadline goes on mailing; a
 * request later than that takes effect when it arrives. A live campaign ignores the instant a
 * request names, so the bound only limits rehearsals.
 */
export function rehearsalLagServerMs(clock: ClockSpec): number {
  return clock.scale === 1 ? 600_000 : 60_000;
}

/**
 * The plan instant (epoch ms) a request takes effect at. A rehearsal names the instant its
 * behaviour file gives (`at`), and its request reaches the workflow some milliseconds of server
 * time later: on the workflow's clock a submission "9 days late" came 777,600,004 ms late. So on
 * a rehearsal clock the request's own instant counts, if it is not in the workflow's future and
 * at most `rehearsalLagServerMs` behind it. A live campaign's requests take effect when they
 * arrive, whatever they say. Throws (for an update's validator) when `at` cannot be taken.
 */
export function requestInstant(clock: ClockSpec, planNowMs: number, at: string | undefined): number {
  const now = planNowMs;
  if (at === undefined || !isRehearsalClock(clock)) return now;
  const t = Date.parse(at);
  if (Number.isNaN(t)) throw new Error(`"at" must be an ISO instant, got ${String(at)}`);
  const lagMs = rehearsalLagServerMs(clock);
  const earliest = now - lagMs * clock.scale;
  if (t > now || t < earliest)
    throw new Error(`"at" ${at} is not within the last ${lagMs / 1000} s of the campaign's clock`);
  return t;
}
