/**
 * Admission of work by its size in bytes, in order, within a budget of bytes in flight: the
 * campaign starts the batches of every cycle being opened through one queue (since v0.7), so
 * that no workflow task carries more than Temporal's servers take in one message. Plain
 * promises: deterministic inside a workflow, and tested without one.
 */

/**
 * Bytes of batch inputs that may wait in scheduled `startBatch` activities at once (since v0.7).
 * The commands of one workflow task travel in one gRPC message, which Temporal's servers cap at
 * 4 MiB: a university of 5,000 branches opened three cycles of 20 batches of about 90 KB each
 * in one task, and the test server refused it ("Decompressed gRPC message exceeds maximum
 * size"). With this budget a task carries at most 2 MB of batches beside the phase's
 * announcement (about 200 bytes a unit: 1.4 MB for 7,000 branches, the most the campaign's
 * input allows), and the engine bench's fan-out (21 batches, 1.9 MB) still starts in one wave.
 */
export const START_BYTES_IN_FLIGHT = 2_000_000;

/** UTF-8 bytes of a string, for a budget: a surrogate pair counts 6 rather than 4. */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
  }
  return n;
}

/**
 * Work waits until the work before it has been admitted and the budget has room for it, unless
 * nothing is in flight, so that work larger than the budget still goes. Admission reserves at
 * once: a workflow's conditions are only checked after a task's code has run, so all the work
 * of one task would pass a condition together.
 */
export class AdmissionQueue {
  private inFlight = 0;
  private readonly waiting: { bytes: number; admit: () => void }[] = [];

  constructor(private readonly budget: number) {}

  /** Bytes admitted and not yet released. */
  get bytesInFlight(): number {
    return this.inFlight;
  }

  /** Resolves once `bytes` are admitted; hand them back with `release`. */
  admit(bytes: number): Promise<void> {
    return new Promise<void>((admit) => {
      this.waiting.push({ bytes, admit });
      this.admitWaiting();
    });
  }

  release(bytes: number): void {
    this.inFlight -= bytes;
    this.admitWaiting();
  }

  /** Runs `work` once `bytes` are admitted, and releases them when it ends, however it ends. */
  async run<T>(bytes: number, work: () => Promise<T>): Promise<T> {
    await this.admit(bytes);
    try {
      return await work();
    } finally {
      this.release(bytes);
    }
  }

  private admitWaiting(): void {
    for (let next = this.waiting[0]; next; next = this.waiting[0]) {
      if (this.inFlight > 0 && this.inFlight + next.bytes > this.budget) return;
      this.waiting.shift();
      this.inFlight += next.bytes;
      next.admit();
    }
  }
}
