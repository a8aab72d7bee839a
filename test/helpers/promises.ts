/** Promises a test settles by hand, to hold work open while other work arrives. */

/** A promise that resolves (`finish`) or rejects (`fail`) when the test says so. */
export function controlled(): { done: Promise<void>; finish: () => void; fail: (err: Error) => void } {
  let finish!: () => void;
  let fail!: (err: Error) => void;
  const done = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  return { done, finish, fail };
}

/** Lets every settled promise's continuations run. */
export const settle = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));
