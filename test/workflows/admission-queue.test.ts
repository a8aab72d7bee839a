/** The campaign's budget of batch starts, without a server: in order, within the budget, never stuck. */
import { AdmissionQueue, utf8Length } from '../../workflows/admission-queue';

/** Lets every promise callback that is ready run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('AdmissionQueue', () => {
  it('admits in order while the budget has room, and the rest as bytes come back', async () => {
    const q = new AdmissionQueue(100);
    const admitted: string[] = [];
    for (const [name, bytes] of [
      ['a', 40],
      ['b', 50],
      ['c', 30],
      ['d', 5],
    ] as const)
      void q.admit(bytes).then(() => admitted.push(name));
    await settle();
    // c does not fit, and d waits behind it: admission keeps the order.
    expect(admitted).toEqual(['a', 'b']);
    expect(q.bytesInFlight).toBe(90);
    q.release(40);
    await settle();
    expect(admitted).toEqual(['a', 'b', 'c', 'd']);
    expect(q.bytesInFlight).toBe(85);
  });

  it('admits work larger than the budget when nothing is in flight', async () => {
    const q = new AdmissionQueue(10);
    let admitted = false;
    void q.admit(25).then(() => (admitted = true));
    await settle();
    expect(admitted).toBe(true);
  });

  it('releases what it ran, however the work ended', async () => {
    const q = new AdmissionQueue(10);
    await expect(q.run(8, () => Promise.reject(new Error('refused')))).rejects.toThrow('refused');
    expect(q.bytesInFlight).toBe(0);
    await expect(q.run(8, () => Promise.resolve('started'))).resolves.toBe('started');
    expect(q.bytesInFlight).toBe(0);
  });

  it('counts UTF-8 bytes', () => {
    expect(utf8Length('abc')).toBe(3);
    expect(utf8Length('支部')).toBe(6);
    expect(utf8Length('é')).toBe(2);
  });
});
