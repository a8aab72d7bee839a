/**
 * PerKeyQueue: one key's calls one after the other in arrival order, a failure not holding up the
 * next, other keys not waiting, and no key kept once its calls are done.
 */
import { PerKeyQueue } from '../../web/per-key-queue';
import { controlled, settle } from '../helpers/promises';

describe('PerKeyQueue', () => {
  it("runs one key's calls one at a time, in the order they came", async () => {
    const q = new PerKeyQueue();
    const log: string[] = [];
    const first = controlled();
    const a = q.run('k', async () => {
      log.push('a starts');
      await first.done;
      log.push('a ends');
      return 'a';
    });
    const b = q.run('k', () => {
      log.push('b runs');
      return Promise.resolve('b');
    });
    await settle();
    expect(log).toEqual(['a starts']);
    first.finish();
    expect(await Promise.all([a, b])).toEqual(['a', 'b']);
    expect(log).toEqual(['a starts', 'a ends', 'b runs']);
    expect(q.size).toBe(0);
  });

  it('runs the next call after one that failed, and gives each caller its own outcome', async () => {
    const q = new PerKeyQueue();
    const first = controlled();
    const a = q.run('k', () => first.done.then(() => 'never'));
    const b = q.run('k', () => Promise.resolve('b'));
    first.fail(new Error('refused'));
    await expect(a).rejects.toThrow('refused');
    await expect(b).resolves.toBe('b');
    expect(q.size).toBe(0);
  });

  it("does not hold one key's calls behind another's", async () => {
    const q = new PerKeyQueue();
    const held = controlled();
    const a = q.run('one', () => held.done);
    await expect(q.run('two', () => Promise.resolve('two'))).resolves.toBe('two');
    expect(q.size).toBe(1);
    held.finish();
    await a;
    expect(q.size).toBe(0);
  });
});
