/**
 * How the activities pace their work: lanes over a list (one batch's starts or mails) and the
 * worker-wide gate on workflow starts. Plain promises, no Temporal: tested on their own.
 */

/**
 * Runs `fn` over `items`, at most `lanes` at a time. After a failure no new item is taken, and
 * the first error is thrown only once the items under way have settled: an attempt that failed
 * must not go on mailing beside the retry that follows it.
 */
export async function inLanes<T>(
  lanes: number,
  items: readonly T[],
  fn: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failed = false;
  const settled = await Promise.allSettled(
    Array.from({ length: Math.min(lanes, items.length) }, async () => {
      while (next < items.length && !failed) {
        const i = next++;
        try {
          await fn(items[i]!, i);
        } catch (err) {
          failed = true;
          throw err;
        }
      }
    }),
  );
  const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failure) throw failure.reason;
}

/**
 * The workflow starts of one worker, whatever the number of batches starting at once: at most
 * `places` run together, served first come, first served, and others can wait until none is
 * queued or in flight (`idle`). Served in arrival order, a cycle's batches finish starting
 * together; waiting for idle lets the opening mail give way to the starts.
 */
export class StartGate {
  private free: number;
  private readonly queue: (() => void)[] = [];
  private pendingCount = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(places: number) {
    if (!Number.isInteger(places) || places < 1) throw new RangeError(`places must be a positive integer: ${places}`);
    this.free = places;
  }

  /** Starts queued or in flight. */
  get pending(): number {
    return this.pendingCount;
  }

  /**
   * Counts as a start in flight while `work` runs, taking no place: for the work that leads to
   * starts (a ledger write before a batch's starts), so the opening mail does not slip in ahead.
   */
  async holding<T>(work: () => Promise<T>): Promise<T> {
    this.pendingCount++;
    try {
      return await work();
    } finally {
      this.settle();
    }
  }

  /** Runs `start` once a place is free, and gives the place to the next in line after. */
  async run<T>(start: () => Promise<T>): Promise<T> {
    this.pendingCount++;
    try {
      if (this.free > 0) this.free--;
      else await new Promise<void>((resolve) => this.queue.push(resolve));
      try {
        return await start();
      } finally {
        const next = this.queue.shift();
        if (next) next();
        else this.free++;
      }
    } finally {
      this.settle();
    }
  }

  private settle(): void {
    if (--this.pendingCount === 0) {
      for (const resolve of this.idleWaiters) resolve();
      this.idleWaiters = [];
    }
  }

  /** Resolves when no start is queued or in flight (at once if none is). */
  idle(): Promise<void> {
    if (this.pendingCount === 0) return Promise.resolve();
    return new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }
}
