/**
 * Calls that share a key run one after the other, in the order they came; calls of other keys
 * are not held up. For work whose check and act must not interleave within the web service: two
 * posts to one deadline, two sends of one receipt.
 */
export class PerKeyQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  /** Runs `fn` once every earlier call of `key` has settled, whether it succeeded or failed. */
  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const before = this.tails.get(key) ?? Promise.resolve();
    const mine = before.then(
      () => fn(),
      () => fn(),
    );
    this.tails.set(key, mine);
    try {
      return await mine;
    } finally {
      // The last in line clears the key, so the map holds only keys with calls under way.
      if (this.tails.get(key) === mine) this.tails.delete(key);
    }
  }

  /** Keys with calls under way or waiting. */
  get size(): number {
    return this.tails.size;
  }
}
