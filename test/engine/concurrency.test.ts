/**
 * The pacing of the starter activity: lanes over a batch and the worker-wide start gate. The
 * fan-out bench shows what the gate buys (a start ratio of 0.40 without it, 0.61 with it);
 * these tests pin down the rules it rests on.
 */
import { inLanes, StartGate } from '../../activities/concurrency';
import { controlled, settle } from '../helpers/promises';

describe('StartGate', () => {
  it('runs at most its places at once and serves the queue in arrival order', async () => {
    const gate = new StartGate(2);
    const starts = Array.from({ length: 5 }, () => controlled());
    const began: number[] = [];
    const runs = starts.map((s, i) =>
      gate.run(async () => {
        began.push(i);
        await s.done;
        return i;
      }),
    );
    // Watched from the start, so the failing start below is never an unhandled rejection.
    const outcomes = runs.map((run) =>
      run.then(
        () => 'ok',
        () => 'failed',
      ),
    );
    await settle();
    expect(began).toEqual([0, 1]);
    expect(gate.pending).toBe(5);

    starts[1]!.finish();
    await settle();
    expect(began).toEqual([0, 1, 2]);
    starts[0]!.finish();
    await settle();
    expect(began).toEqual([0, 1, 2, 3]);
    starts[2]!.fail(new Error('server busy'));
    await settle();
    // A failed start gives its place on like a finished one.
    expect(began).toEqual([0, 1, 2, 3, 4]);
    starts[3]!.finish();
    starts[4]!.finish();

    expect(await Promise.all(outcomes)).toEqual(['ok', 'ok', 'failed', 'ok', 'ok']);
    expect(gate.pending).toBe(0);
  });

  it('frees its places again: after a burst, the next starts run at once', async () => {
    const gate = new StartGate(1);
    await Promise.all([1, 2, 3].map((n) => gate.run(() => Promise.resolve(n))));
    const order: string[] = [];
    const a = controlled();
    const first = gate.run(async () => {
      order.push('a');
      await a.done;
    });
    const second = gate.run(() => {
      order.push('b');
      return Promise.resolve();
    });
    await settle();
    expect(order).toEqual(['a']);
    a.finish();
    await Promise.all([first, second]);
    expect(order).toEqual(['a', 'b']);
  });

  it('is idle only when nothing is queued or in flight', async () => {
    const gate = new StartGate(1);
    let idle = false;
    await gate.idle(); // nothing pending: resolves at once
    const a = controlled();
    const b = controlled();
    const runA = gate.run(() => a.done);
    const runB = gate.run(() => b.done);
    void gate.idle().then(() => (idle = true));
    a.finish();
    await runA;
    await settle();
    expect(idle).toBe(false); // b still queued or running
    b.finish();
    await runB;
    await settle();
    expect(idle).toBe(true);
  });

  it('is not idle while it holds the work that leads to starts, though that work takes no place', async () => {
    const gate = new StartGate(1);
    const ledgerWrite = controlled();
    let idle = false;
    const held = gate.holding(() => ledgerWrite.done);
    expect(gate.pending).toBe(1);
    void gate.idle().then(() => (idle = true));
    // A start runs at once beside it: holding takes no place.
    const start = controlled();
    const running = gate.run(() => start.done);
    start.finish();
    await running;
    await settle();
    expect(idle).toBe(false);
    ledgerWrite.finish();
    await held;
    await settle();
    expect(idle).toBe(true);
    expect(gate.pending).toBe(0);
  });

  it('refuses a gate with no places', () => {
    expect(() => new StartGate(0)).toThrow(/places must be a positive integer/);
  });
});

describe('inLanes', () => {
  it('keeps at most `lanes` items under way and visits each once', async () => {
    let running = 0;
    let most = 0;
    const seen: number[] = [];
    await inLanes(3, [...Array(20).keys()], async (item, index) => {
      expect(item).toBe(index);
      running++;
      most = Math.max(most, running);
      await settle();
      seen.push(item);
      running--;
    });
    expect(most).toBe(3);
    expect(seen.sort((x, y) => x - y)).toEqual([...Array(20).keys()]);
  });

  it('after a failure takes no new item and throws once the items under way have settled', async () => {
    const taken: number[] = [];
    const slow = controlled();
    let slowSettled = false;
    const run = inLanes(2, [0, 1, 2, 3, 4], async (item) => {
      taken.push(item);
      if (item === 0) {
        await slow.done;
        slowSettled = true;
      }
      if (item === 1) throw new Error('smtp down');
    });
    let thrown: unknown;
    void run.catch((err: unknown) => (thrown = err));
    await settle();
    expect(taken).toEqual([0, 1]);
    expect(thrown).toBeUndefined(); // item 0 is still under way
    slow.finish();
    await expect(run).rejects.toThrow('smtp down');
    expect(slowSettled).toBe(true);
    expect(taken).toEqual([0, 1]);
  });
});
