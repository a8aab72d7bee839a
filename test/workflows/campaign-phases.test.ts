/**
 * The campaign's state and rules without a Temporal server: its phases and what is due when,
 * the committee's requests with their validators, the batches of a cycle, the counts, the end,
 * and a state that survives continue-as-new as JSON.
 */
import { CampaignPhases, freshCampaignState } from '../../workflows/campaign-phases';
import { ZERO_COUNTS } from '../../domain/deadline-state';
import { loadMini, TestClock, type Mini } from './mini';

describe('CampaignPhases', () => {
  let mini: Mini;
  beforeAll(async () => {
    mini = await loadMini();
  });
  const fresh = (at = '2010-05-20T00:00:00Z'): { p: CampaignPhases; clock: TestClock } => {
    const clock = new TestClock(Date.parse(at));
    return { p: new CampaignPhases(mini.plan, mini.org, freshCampaignState(), clock.now), clock };
  };

  it('knows the running phase and the next instant it acts', () => {
    const { p, clock } = fresh();
    expect(p.currentPhase()).toBeUndefined();
    const firstAnnouncement = p.announceAt(p.windows()[0]!);
    expect(p.nextAt()).toBe(firstAnnouncement);
    expect(new Date(firstAnnouncement).toISOString()).toBe('2010-06-01T00:30:00.000Z'); // 08:30 in Beijing
    clock.set('2010-07-02T00:00:00Z');
    expect(p.currentPhase()).toBe('engage');
  });

  it('says why its calendar cannot be computed, which the workflow turns into a failure for good', () => {
    expect(fresh().p.calendarProblem()).toBeUndefined();
    // Input past every check (the workflow's own included), as the last line of defence meets it.
    const plan = structuredClone(mini.plan);
    delete (plan.obligations[1] as Partial<(typeof plan.obligations)[1]>).reminders;
    const p = new CampaignPhases(plan, mini.org, freshCampaignState(), () => Date.parse('2010-05-20T00:00:00Z'));
    expect(p.calendarProblem()).toBe("TypeError: Cannot read properties of undefined (reading 'map')");
  });

  it('announces each phase once and opens each cycle once, when its time has come', () => {
    const { p, clock } = fresh();
    expect(p.dueAnnouncements(clock.ms)).toEqual([]);
    clock.set('2010-06-12T00:00:00Z');
    expect(p.dueAnnouncements(clock.ms).map((w) => w.key)).toEqual(['mobilise']);
    const cycles = p.dueCycles(clock.ms);
    expect(cycles.map((c) => `${c.obligationKey}/${c.cycleKey}`)).toEqual(['branch-plan/once']);
    p.announced(p.windows()[0]!);
    const batches = p.batchesOf(cycles[0]!, mini.ctx);
    expect(batches.map((b) => b.unitIds)).toEqual([['b-mech-t1', 'b-mech-s1', 'b-info-t1', 'b-info-s1']]);
    expect(batches[0]!.batchId).toBe('mini/branch-plan/once#0');
    p.launched(cycles[0]!, batches);
    expect(p.dueAnnouncements(clock.ms)).toEqual([]);
    expect(p.dueCycles(clock.ms)).toEqual([]);
    expect(p.status()).toMatchObject({
      cyclesLaunched: 1,
      batchesLaunched: 1,
      batchesDone: 0,
      currentPhase: 'mobilise',
    });
  });

  it('splits a cycle into batches of batchSize units, and keeps a report that came before the launch', () => {
    const { p, clock } = fresh('2010-06-12T00:00:00Z');
    const cycle = p.dueCycles(clock.ms)[0]!;
    const batches = p.batchesOf(cycle, { ...mini.ctx, options: { ...mini.ctx.options, batchSize: 3 } });
    expect(batches.map((b) => b.unitIds.length)).toEqual([3, 1]);
    expect(Object.keys(batches[1]!.org!.units)).toContain('b-info-s1');
    const early = { batchId: batches[0]!.batchId, counts: { ...ZERO_COUNTS, blue: 3 }, done: false };
    p.batchReported(early);
    p.launched(cycle, batches);
    expect(p.state.batches[batches[0]!.batchId]).toEqual(early);
    expect(p.state.batches[batches[1]!.batchId]).toEqual({
      batchId: batches[1]!.batchId,
      counts: ZERO_COUNTS,
      done: false,
    });
    expect(p.status()).toMatchObject({ open: 3, overdue: 0, counts: { blue: 3 } });
    // A batch already launched is not launched again (a retry after a crash, or a later run).
    expect(p.batchesOf(cycle, { ...mini.ctx, options: { ...mini.ctx.options, batchSize: 3 } })).toEqual([]);
  });

  it('validates an advance: who and why, a phase that exists, is later, and has not started', () => {
    const { p, clock } = fresh('2010-06-10T00:00:00Z');
    expect(() => p.validateAdvance({ by: '', reason: 'x' })).toThrow(/"by"/);
    expect(() => p.validateAdvance({ by: 'x', reason: ' ' })).toThrow(/"reason"/);
    expect(() => p.validateAdvance({ toPhase: 'nope', by: 'x', reason: 'y' })).toThrow(/unknown phase "nope"/);
    expect(() => p.validateAdvance({ toPhase: 'mobilise', by: 'x', reason: 'y' })).toThrow(/only move forward/);
    expect(() => p.validateAdvance({ by: 'x', reason: 'y' })).not.toThrow();
    clock.set('2011-02-01T00:00:00Z');
    expect(() => p.validateAdvance({ by: 'x', reason: 'y' })).toThrow(/is the last/);
  });

  it('advances to the next phase now, ending the running one, and wakes the workflow', () => {
    const { p, clock } = fresh('2010-06-10T00:00:00Z');
    const version = p.version;
    const at = new Date(clock.ms).toISOString();
    const { change, event } = p.advance({ by: '党委', reason: '提前' });
    expect(change).toEqual({ phaseKey: 'engage', action: 'started', at, by: '党委', reason: '提前' });
    expect(event).toMatchObject({
      id: `mini:phase:engage:started:${at}`,
      kind: 'phase-advanced',
      data: { action: 'started' },
    });
    expect(p.version).toBe(version + 1);
    expect(p.state.phaseEnded).toEqual({ mobilise: at });
    expect(p.currentPhase()).toBe('engage');
    expect(p.windows().find((w) => w.key === 'engage')!.startAt).toBe(at);
    expect(p.phaseStartedEvent(p.windows()[1]!).actor).toBe('党委'); // who advanced, as the phase-advanced event says
    expect(p.phaseStartedEvent(p.windows()[0]!).actor).toBe('plan');
  });

  it('ends the running open-ended phase, and then has finished once every batch is done', () => {
    const { p, clock } = fresh('2011-02-01T00:00:00Z');
    expect(() => p.validateEnd({ phaseKey: 'engage', by: 'x', reason: 'y' })).toThrow(/not the running phase/);
    expect(() => p.validateEnd({ phaseKey: 'x', by: 'x', reason: 'y' })).toThrow(/unknown phase/);
    for (const w of p.dueAnnouncements(clock.ms)) p.announced(w);
    for (const c of p.dueCycles(clock.ms)) p.launched(c, p.batchesOf(c, mini.ctx));
    p.validateEnd({ phaseKey: 'summary', by: '党委', reason: '活动结束' });
    p.end({ phaseKey: 'summary', by: '党委', reason: '活动结束' });
    clock.ms += 1;
    expect(p.nextAt()).toBeUndefined();
    expect(p.finished()).toBe(false);
    for (const id of Object.keys(p.state.batches)) p.batchReported({ batchId: id, counts: ZERO_COUNTS, done: true });
    expect(p.finished()).toBe(true);
  });

  it('stops: the phase open ends, nothing more opens or is announced, and it finishes once told and its batches are done', () => {
    const { p, clock } = fresh();
    clock.set('2010-06-12T00:00:00Z');
    const cycle = p.dueCycles(clock.ms)[0]!;
    p.launched(cycle, p.batchesOf(cycle, mini.ctx));
    expect(() => p.validateStop({ by: '', reason: 'x' })).toThrow('stop: "by" (who stops the campaign) is required');
    expect(() => p.validateStop({ by: '王芳', reason: ' ' })).toThrow('stop: "reason" is required');
    const version = p.version;
    const { stop, event } = p.stop({ by: ' 王芳 ', reason: '方案调整 ' });
    expect(stop).toEqual({ at: '2010-06-12T00:00:00.000Z', by: '王芳', reason: '方案调整' });
    expect(event).toMatchObject({ kind: 'campaign-stopped', actor: '王芳', reason: '方案调整', phaseKey: 'mobilise' });
    expect(p.version).toBe(version + 1);
    expect(p.currentPhase()).toBeUndefined();
    expect(p.status().stopped).toEqual(stop);
    // Months later nothing is due: no announcement, no cycle, no next instant.
    clock.set('2010-09-10T00:00:00Z');
    expect(p.dueAnnouncements(clock.ms)).toEqual([]);
    expect(p.dueCycles(clock.ms)).toEqual([]);
    expect(p.nextAt()).toBeUndefined();
    // The engagement phase's planned first day has passed: it never started, and is not shown.
    expect(p.currentPhase()).toBeUndefined();
    expect(p.status().phases).toEqual([{ key: 'mobilise', startAt: '2010-05-31T16:00:00.000Z', endAt: stop.at }]);
    for (const refused of [
      () => p.validateStop({ by: '王芳', reason: 'again' }),
      () => p.validateAdvance({ by: '王芳', reason: 'x' }),
      () => p.validateEnd({ phaseKey: 'engage', by: '王芳', reason: 'x' }),
      () => p.validateEvent({ kind: 'secretary-appointed', unitId: 'b-mech-t1', secretary: 'x', by: 'y' } as never),
    ])
      expect(refused).toThrow(/the campaign was stopped at 2010-06-12T00:00:00.000Z by 王芳/);
    // Finished once the batches and units were told, and every batch has reported done.
    expect(p.stopToTell()).toEqual(stop);
    expect(p.unfinishedBatches()).toEqual(['mini/branch-plan/once#0']);
    expect(p.finished()).toBe(false);
    p.stopTold();
    expect(p.stopToTell()).toBeUndefined();
    expect(p.finished()).toBe(false);
    expect(p.status().completed).toBe(false);
    p.batchReported({ batchId: 'mini/branch-plan/once#0', counts: { ...ZERO_COUNTS, closed: 4 }, done: true });
    expect(p.finished()).toBe(true);
    expect(p.status().completed).toBe(true);
    // Carried into the next run as JSON.
    const next = new CampaignPhases(mini.plan, mini.org, structuredClone(p.state), clock.now);
    expect(next.status().stopped).toEqual(stop);
    expect(next.stopToTell()).toBeUndefined();
    expect(next.finished()).toBe(true);
    expect(p.stopAnnouncement(stop).message).toMatchObject({
      kind: 'campaign-stopped',
      step: 'campaign-stopped',
      stop,
    });
  });

  it('announces a phase to every unit but the office and members', () => {
    const { p } = fresh();
    const request = p.announcement(p.windows()[0]!, '2010-06-01T00:30:00.000Z');
    expect(request.message).toMatchObject({
      kind: 'phase-started',
      phaseName: '动员部署',
      step: 'phase-started-mobilise',
    });
    expect(request.targets.map((t) => t.unitId)).toEqual(mini.org.order.filter((id) => id !== 'office'));
    expect(p.units()).toHaveLength(mini.org.order.length);
  });

  it('carries its state into the next run as JSON, and the next run sees the same campaign', () => {
    const { p, clock } = fresh('2010-06-12T00:00:00Z');
    for (const w of p.dueAnnouncements(clock.ms)) p.announced(w);
    for (const c of p.dueCycles(clock.ms)) p.launched(c, p.batchesOf(c, mini.ctx));
    p.advance({ by: '党委', reason: '提前' });
    const carried = JSON.parse(JSON.stringify(p.state)) as typeof p.state;
    expect(carried).toEqual(p.state);
    const next = new CampaignPhases(mini.plan, mini.org, carried, clock.now);
    expect(next.status()).toEqual(p.status());
    expect(next.directory()).toEqual(p.directory());
  });

  it('follows a re-imported version by reference: later batches are its, its validator names each field', () => {
    const clock = new TestClock(Date.parse('2010-06-12T00:00:00Z'));
    const v1 = {
      ref: { hash: `sha256:${'1'.repeat(64)}`, version: 1 },
      facts: { units: 7, responsible: { 'quarterly-report': 4 } },
    };
    const v2 = {
      ref: { hash: `sha256:${'2'.repeat(64)}`, version: 2 },
      facts: { units: 9, responsible: { 'quarterly-report': 6 } },
    };
    const p = new CampaignPhases(mini.plan, v1, freshCampaignState(), clock.now);
    const by = '组织部';
    expect(() => p.validateFollow({ orgRef: v2.ref, by: ' ' })).toThrow(
      '"by" (who imported the organisation) is required',
    );
    expect(() => p.validateFollow({ orgRef: { hash: 'sha256:abc', version: 2 }, by })).toThrow('"orgRef.hash"');
    expect(() => p.validateFollow({ orgRef: { hash: v2.ref.hash, version: 0 }, by })).toThrow('"orgRef.version"');
    expect(() => p.validateFollow({ orgRef: v2.ref, by })).not.toThrow();
    // One carrying its organisation in its input cannot follow one.
    expect(() => fresh().p.validateFollow({ orgRef: v2.ref, by })).toThrow('carries its organisation in its input');

    const ctx = { ...mini.ctx, options: { ...mini.ctx.options, batchSize: 4 } };
    const q3 = p.pendingCycles().find((c) => c.cycleKey === '2010-Q3')!;
    expect(p.batchesByReference(q3, ctx).map((b) => b.orgRef.version)).toEqual([1]);
    const answer = p.followOrg(v2);
    expect(answer).toMatchObject({ followed: true, orgRef: v2.ref, units: 9 });
    expect(answer.nextCycles.map((c) => `${c.obligationKey}/${c.cycleKey}`)).toEqual([
      'branch-plan/once',
      'quarterly-report/2010-Q3',
      'summary-report/once',
    ]);
    // Six units in batches of four: two batches, each reading version 2.
    expect(p.batchesByReference(q3, ctx).map((b) => [b.orgRef.version, b.index])).toEqual([
      [2, 0],
      [2, 1],
    ]);
    expect(p.directory().orgRef).toEqual(v2.ref);
    // The same version again, or none: nothing changes.
    expect(p.followOrg(v2)).toMatchObject({ followed: false, orgRef: v2.ref });
    expect(p.followOrg(undefined)).toMatchObject({ followed: false, orgRef: v2.ref });
    // Carried into the next run, which the workflow starts from it.
    const carried = JSON.parse(JSON.stringify(p.state)) as typeof p.state;
    expect(carried.orgFollowed).toEqual(v2.ref);
  });

  it('has units new to a cycle open now join it once it has settled, never twice; its validator names each field', () => {
    const clock = new TestClock(Date.parse('2010-09-08T02:00:00Z'));
    const v2 = { ref: { hash: `sha256:${'2'.repeat(64)}`, version: 2 }, facts: { units: 8, responsible: {} } };
    const p = new CampaignPhases(mini.plan, v2, freshCampaignState(), clock.now);
    expect(() => p.validateJoin({ by: '' })).toThrow('joinOpenCycles: "by" (who asks) is required');
    expect(() => p.validateJoin({ by: '组织部' })).not.toThrow();
    expect(() => fresh().p.validateJoin({ by: '组织部' })).toThrow('carries its organisation in its input');

    // The third quarter's report opened, its one batch not reported yet: open, not settled.
    const q3 = p.dueCycles(clock.ms).find((c) => c.cycleKey === '2010-Q3')!;
    p.launched(q3, [{ batchId: 'mini/quarterly-report/2010-Q3#0' }]);
    expect(p.openCycles().map((o) => [o.cycle.cycleKey, o.settled])).toEqual([['2010-Q3', false]]);
    const unsettled = p.joinOpenCycles({ by: '组织部' }, mini.ctx, v2.ref, p.openCycles(), [['b-new']]);
    expect(unsettled.batches).toEqual([]);
    expect(unsettled.reply.cycles).toEqual([
      expect.objectContaining({ cycleKey: '2010-Q3', joined: [], stillOpening: true }),
    ]);

    // Reported: the units the ledger lacks join, in a batch of their own, recorded by who asked.
    p.batchReported({ batchId: 'mini/quarterly-report/2010-Q3#0', counts: { ...ZERO_COUNTS, green: 6 }, done: false });
    expect(p.openCycles()[0]!.settled).toBe(true);
    const first = p.joinOpenCycles({ by: '组织部' }, mini.ctx, v2.ref, p.openCycles(), [['b-new']]);
    expect(first.batches.map((b) => [b.batchId, b.unitIds, b.orgRef])).toEqual([
      ['mini/quarterly-report/2010-Q3#+0', ['b-new'], v2.ref],
    ]);
    expect(first.events).toEqual([
      expect.objectContaining({ kind: 'cycle-joined', unitId: 'b-new', actor: '组织部', cycleKey: '2010-Q3' }),
    ]);
    // Its batch has not reported (nor even started): asked again, the cycle waits for it.
    expect(p.openCycles()[0]!.settled).toBe(false);
    p.unitBatchesLaunched(first.batches);
    p.batchReported({ batchId: 'mini/quarterly-report/2010-Q3#+0', counts: { ...ZERO_COUNTS, green: 1 }, done: false });
    // The ledger may not hold its deadline yet: the state does, and a second unit gets the next batch.
    const second = p.joinOpenCycles({ by: '组织部' }, mini.ctx, v2.ref, p.openCycles(), [['b-new', 'b-newer']]);
    expect(second.batches.map((b) => [b.batchId, b.unitIds])).toEqual([
      ['mini/quarterly-report/2010-Q3#+1', ['b-newer']],
    ]);
    expect(second.reply.cycles[0]!.joined).toEqual(['b-newer']);

    // Past its due instant a cycle is no longer open: nobody joins one late.
    clock.set('2010-09-26T00:00:00Z');
    expect(p.openCycles()).toEqual([]);
    const carried = JSON.parse(JSON.stringify(p.state)) as typeof p.state;
    expect(carried.joined).toEqual({ 'quarterly-report/2010-Q3': ['b-new', 'b-newer'] });
  });

  it('has only the units the office chose join the cycles it chose; its validator names each choice at fault', () => {
    const clock = new TestClock(Date.parse('2010-09-08T02:00:00Z'));
    const v2 = { ref: { hash: `sha256:${'2'.repeat(64)}`, version: 2 }, facts: { units: 8, responsible: {} } };
    const p = new CampaignPhases(mini.plan, v2, freshCampaignState(), clock.now);
    const q3 = p.dueCycles(clock.ms).find((c) => c.cycleKey === '2010-Q3')!;
    p.launched(q3, [{ batchId: 'mini/quarterly-report/2010-Q3#0' }]);
    p.batchReported({ batchId: 'mini/quarterly-report/2010-Q3#0', counts: { ...ZERO_COUNTS, green: 6 }, done: false });
    const chosen = { obligationKey: 'quarterly-report', cycleKey: '2010-Q3', unitIds: ['b-new'] };
    const by = '组织部';
    expect(() => p.validateJoin({ by, only: [chosen] })).not.toThrow();
    expect(() => p.validateJoin({ by, only: {} as never })).toThrow('"only" must be a list');
    expect(() => p.validateJoin({ by, only: [{ ...chosen, cycleKey: '2010-Q4' }] })).toThrow(
      'joinOpenCycles: only[0]: quarterly-report/2010-Q4 is not a cycle open now',
    );
    expect(() => p.validateJoin({ by, only: [chosen, chosen] })).toThrow(
      'only[1]: quarterly-report/2010-Q3 is chosen twice',
    );
    expect(() => p.validateJoin({ by, only: [{ ...chosen, unitIds: [] }] })).toThrow(
      'only[0].unitIds: at least one unit',
    );
    expect(() => p.validateJoin({ by, only: [{ ...chosen, obligationKey: ' ' }] })).toThrow(
      'only[0]: "obligationKey" and "cycleKey" are required',
    );

    // Two units lack the quarter; the office has one join.
    const one = p.joinOpenCycles({ by, only: [chosen] }, mini.ctx, v2.ref, p.openCycles(), [['b-new', 'b-newer']]);
    expect(one.batches.map((b) => [b.batchId, b.unitIds])).toEqual([['mini/quarterly-report/2010-Q3#+0', ['b-new']]]);
    expect(one.events.map((e) => e.unitId)).toEqual(['b-new']);
    expect(one.reply.cycles).toEqual([expect.objectContaining({ cycleKey: '2010-Q3', joined: ['b-new'] })]);
    // The office chose no cycle of those open (an empty choice): none is joined, each said not chosen.
    const none = p.joinOpenCycles({ by, only: [] }, mini.ctx, v2.ref, p.openCycles(), [['b-newer']]);
    expect(none.batches).toEqual([]);
    expect(none.reply.cycles).toEqual([expect.objectContaining({ cycleKey: '2010-Q3', joined: [], notChosen: true })]);
    expect(p.chosenOf({ by, only: [chosen] }, p.openCycles())).toEqual([['b-new']]);
    expect(p.chosenOf({ by }, p.openCycles())).toEqual([undefined]);
  });
});
