/**
 * What a long activity has done so far, heartbeated so that a retry resumes rather than starts
 * over: a worker killed every few seconds must not cost the next attempt the whole work again.
 * The server keeps the last details a worker managed to send (the SDK sends at most one
 * heartbeat per 0.8 × the heartbeat timeout), so a retry may redo a little; the work it redoes
 * is idempotent by its keys.
 */
import { Context } from '@temporalio/activity';

/** The `startDeadlines` activity's progress, as its heartbeat details. */
export interface StarterProgress {
  /** Every deadline of the batch exists (started by an attempt, or found already started). */
  startsDone: boolean;
  /** Starts made and found made, over every attempt that heartbeated them. */
  started: number;
  alreadyStarted: number;
  /** Every notice of a deadline before this index (in the batch's order) has been handled. */
  noticesBelow: number;
}

export const NO_PROGRESS: StarterProgress = { startsDone: false, started: 0, alreadyStarted: 0, noticesBelow: 0 };

const isCount = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 0;

/**
 * The progress an earlier attempt heartbeated, or none: an attempt of a worker from before this
 * module heartbeated a bare count, which says too little to skip anything.
 */
export function starterProgressOf(details: unknown): StarterProgress {
  if (typeof details !== 'object' || details === null) return NO_PROGRESS;
  const d = details as Record<string, unknown>;
  if (
    typeof d.startsDone !== 'boolean' ||
    !isCount(d.started) ||
    !isCount(d.alreadyStarted) ||
    !isCount(d.noticesBelow)
  )
    return NO_PROGRESS;
  return {
    startsDone: d.startsDone,
    started: d.started,
    alreadyStarted: d.alreadyStarted,
    noticesBelow: d.noticesBelow,
  };
}

/**
 * The lowest index below which every item is done, over items that finish out of order (lanes):
 * what a retry may skip.
 */
export class Watermark {
  private readonly done = new Set<number>();

  constructor(public below: number) {}

  finished(index: number): void {
    this.done.add(index);
    while (this.done.delete(this.below)) this.below++;
  }
}

/**
 * Heartbeats `details()` every `everyMs` until the returned function is called: an attempt
 * whose worker is alive but waits (on the mail server, on the worker's other starts) is never
 * taken for dead, so the heartbeat timeout can be short and a dead worker noticed soon.
 */
export function keepHeartbeating(details: () => unknown, everyMs = 2_000): () => void {
  const ctx = Context.current();
  ctx.heartbeat(details());
  const timer = setInterval(() => ctx.heartbeat(details()), everyMs);
  return () => clearInterval(timer);
}
