/** What a batch knows of its deadlines, without a server. */
import { BatchCounts } from '../../workflows/batch-counts';

describe('BatchCounts', () => {
  it('counts the colours its deadlines last reported, and has news only when one changed', () => {
    const c = new BatchCounts('b#0');
    c.startedIn(['d1', 'd2'], 'green');
    expect(c.report()).toEqual({
      batchId: 'b#0',
      counts: { green: 2, blue: 0, yellow: 0, red: 0, closed: 0 },
      done: false,
    });
    expect(c.dirty).toBe(true);
    c.dirty = false;
    c.deadlineChanged({ deadlineId: 'd1', state: 'green' });
    expect(c.dirty).toBe(false);
    c.deadlineChanged({ deadlineId: 'd1', state: 'red' });
    expect(c.dirty).toBe(true);
    expect(c.report().counts).toMatchObject({ green: 1, red: 1 });
  });

  it('does not paint green a deadline that reported before its starter returned', () => {
    const c = new BatchCounts('b#0');
    c.deadlineChanged({ deadlineId: 'd1', state: 'yellow' });
    c.startedIn(['d1'], 'green');
    expect(c.states.d1).toBe('yellow');
  });

  it('counts the deadlines a late starter opened in their colour, and a later shared step leaves them so (since v0.19)', () => {
    const c = new BatchCounts('b#0');
    c.startedIn(['d1', 'd2'], 'blue');
    expect(c.report().counts).toEqual({ green: 0, blue: 2, yellow: 0, red: 0, closed: 0 });
    c.sharedStepMailed(['d1', 'd2'], 'blue');
    expect(c.states).toEqual({ d1: 'blue', d2: 'blue' });
    c.deadlineChanged({ deadlineId: 'd2', state: 'yellow' });
    expect(c.report().counts).toMatchObject({ blue: 1, yellow: 1 });
  });

  it('paints blue a green deadline it mailed a shared step for, and nothing its deadline said since', () => {
    const c = new BatchCounts('b#0');
    c.startedIn(['d1', 'd2', 'd3'], 'green');
    c.deadlineChanged({ deadlineId: 'd2', state: 'closed', outcome: 'on-time' });
    c.dirty = false;
    // d2 answered while the step's activity ran (it had read the ledger before): closed stands.
    c.sharedStepMailed(['d1', 'd2'], 'blue');
    expect(c.states).toEqual({ d1: 'blue', d2: 'closed', d3: 'green' });
    expect(c.dirty).toBe(true);
    c.dirty = false;
    c.sharedStepMailed(['d1'], 'blue');
    c.sharedStepMailed(['d3'], 'green');
    expect(c.dirty).toBe(false);
    expect(c.allClosed(['d2'])).toBe(true);
  });

  it('knows when every deadline has closed and how each ended', () => {
    const c = new BatchCounts('b#0');
    c.deadlineChanged({ deadlineId: 'd1', state: 'closed', outcome: 'late' });
    expect(c.allClosed(['d1', 'd2'])).toBe(false);
    c.deadlineChanged({ deadlineId: 'd2', state: 'closed' });
    expect(c.allClosed(['d1', 'd2'])).toBe(true);
    expect([c.outcomeOf('d1'), c.outcomeOf('d2')]).toEqual(['late', 'failed']);
  });
});
