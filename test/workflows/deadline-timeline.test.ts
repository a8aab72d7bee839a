/**
 * The deadline's state and rules without a Temporal server: the timeline in order, the colours,
 * the submission, extension and waiver with their validators and ledger events, the close.
 */
import { DeadlineTimeline, itemAt } from '../../workflows/deadline-timeline';
import { reportDeadlineInput, reviewDeadlineInput } from '../../domain/engine/deadline-opening';
import type { DeadlineInput } from '../../domain/engine/inputs';
import { statusAt } from '../../domain/engine/status-at';
import { serverTime } from '../../domain/clock';
import { loadMini, TestClock, type Mini } from './mini';

describe('DeadlineTimeline', () => {
  let mini: Mini;
  let input: DeadlineInput;
  beforeAll(async () => {
    mini = await loadMini();
    input = reportDeadlineInput(mini.batchOf('branch-plan'), 'b-mech-t1');
  });
  const fresh = (): { t: DeadlineTimeline; clock: TestClock } => {
    const clock = new TestClock(Date.parse(input.opensAt));
    return { t: new DeadlineTimeline(input, clock.now), clock };
  };

  it('walks its steps in order, turns overdue at the due instant, and closes a grace period after the last step', () => {
    const { t } = fresh();
    const seen: string[] = [];
    for (let item = t.nextItem(); item && item.type !== 'close'; item = t.nextItem()) {
      if (item.type === 'overdue') {
        seen.push('overdue');
        t.markOverdue();
      } else if (item.type === 'step') {
        seen.push(item.step.step);
        t.markDone(item.step.step);
      } else throw new Error('a deadline that mails its own steps has no colour wake');
    }
    expect(seen).toEqual([
      'notice',
      'reminder-1',
      'reminder-2',
      'due',
      'overdue',
      'escalation-1',
      'escalation-2',
      'escalation-3',
      'rectification',
    ]);
    const close = t.nextItem()!;
    const rectification = t.steps.find((s) => s.kind === 'rectification')!;
    expect(close.type).toBe('close');
    expect(Date.parse(itemAt(close))).toBe(Date.parse(rectification.deadline!) + input.ctx.options.graceMs);
    expect(t.status().nextStep).toBeUndefined();
    expect(t.status().stepsDone).toHaveLength(8);
  });

  it('is green, then blue from the first reminder, yellow after the due instant, red once the office is told', () => {
    const { t, clock } = fresh();
    expect(t.state()).toBe('green');
    clock.set(t.steps.find((s) => s.kind === 'reminder')!.at);
    expect(t.state()).toBe('blue');
    clock.after(t.dueAt);
    expect(t.state()).toBe('yellow');
    t.reached(t.steps.find((s) => s.step === 'escalation-2')!); // unit and parent
    expect(t.state()).toBe('yellow');
    t.reached(t.steps.find((s) => s.step === 'escalation-3')!); // and the office
    expect(t.state()).toBe('red');
  });

  it('tells each colour once, and how it ended with the closed one', () => {
    const { t, clock } = fresh();
    expect(t.colourChange()).toEqual({ deadlineId: input.deadlineId, state: 'green' });
    expect(t.colourChange()).toBeUndefined();
    clock.after(t.dueAt);
    expect(t.colourChange()?.state).toBe('yellow');
    t.waive({ by: '王主任', reason: '合并报送' });
    expect(t.colourChange()).toEqual({ deadlineId: input.deadlineId, state: 'closed', outcome: 'waived' });
  });

  it('counts as told the colour its starter started it in, and not another', () => {
    const started = fresh();
    started.t.startedByStarter('green');
    expect(started.t.colourChange()).toBeUndefined();
    const late = fresh();
    late.clock.after(late.t.dueAt);
    late.t.startedByStarter('green');
    expect(late.t.colourChange()?.state).toBe('yellow');
    // Since v0.19 a late opening starts in its colour (`opening.startedAs`): told already.
    const startedLate = fresh();
    startedLate.clock.after(startedLate.t.dueAt);
    startedLate.t.startedByStarter('yellow');
    expect(startedLate.t.colourChange()).toBeUndefined();
    // Its colour changed between the start and its first task: told, as before.
    const movedOn = fresh();
    movedOn.clock.after(movedOn.t.dueAt);
    movedOn.t.startedByStarter('blue');
    expect(movedOn.t.colourChange()?.state).toBe('yellow');
  });

  it('takes a submission on time, gives an identical resubmission the same receipt, and refuses another', () => {
    const { t, clock } = fresh();
    clock.set(t.steps.find((s) => s.step === 'reminder-2')!.at);
    const version = t.version;
    t.validateSubmit({ by: '张伟', text: '方案' });
    const { receipt, events } = t.submit({ by: '张伟', text: '方案' });
    expect(receipt).toMatchObject({ onTime: true, lateMs: 0, by: '张伟', dueAt: input.dueAt });
    expect(events).toEqual([
      expect.objectContaining({
        id: `${input.deadlineId}:submission`,
        kind: 'submission',
        at: receipt.receivedAt,
        actor: '张伟',
        lateMs: 0,
        data: { text: '方案', attachments: [], reviewedUnit: undefined },
      }),
    ]);
    expect(t.version).toBe(version + 1);
    expect(t.answered()).toBe(true);
    expect(t.result()).toMatchObject({ outcome: 'on-time', receipt, submission: { by: '张伟', text: '方案' } });

    expect(() => t.validateSubmit({ by: '张伟', text: '方案' })).not.toThrow();
    expect(t.submit({ by: '张伟', text: '方案' })).toEqual({ receipt, events: [] });
    expect(() => t.validateSubmit({ by: '刘洋', text: '另一份' })).toThrow(/already submitted/);
    // The same words with other files are another submission, not a retry of this one.
    expect(() => t.validateSubmit({ by: '张伟', text: '方案', attachments: ['sha256:ab'] })).toThrow(
      /already submitted/,
    );
    expect(() => t.validateExtend({ by: 'x', reason: 'y', newDueAt: '2030-01-01T00:00:00Z' })).toThrow(/closed/);
  });

  it('takes a late submission as late, by how much', () => {
    const { t, clock } = fresh();
    clock.set(new Date(Date.parse(t.dueAt) + 3_600_000).toISOString());
    expect(t.submit({ by: '张伟', text: '方案' }).receipt).toMatchObject({ onTime: false, lateMs: 3_600_000 });
    expect(t.outcome).toBe('late');
  });

  it('refuses a request without who or what', () => {
    const { t } = fresh();
    expect(() => t.validateSubmit({ by: ' ', text: 'x' })).toThrow(/"by"/);
    expect(() => t.validateSubmit({ by: 'x', text: '' })).toThrow(/"text"/);
    expect(() => t.validateExtend({ by: 'x', reason: '', newDueAt: t.dueAt })).toThrow(/"reason"/);
    expect(() => t.validateWaive({ by: '', reason: 'x' })).toThrow(/"by"/);
  });

  it('extends to a later instant only, with new step names, the past steps done and the ladder reset', () => {
    const { t, clock } = fresh();
    clock.after(t.dueAt, 5 * 24 * 3600 * 1000);
    t.reached(t.steps.find((s) => s.step === 'escalation-3')!);
    expect(() => t.validateExtend({ by: '王主任', reason: '延期', newDueAt: 'soon' })).toThrow(/ISO instant/);
    expect(() => t.validateExtend({ by: '王主任', reason: '延期', newDueAt: input.opensAt })).toThrow(/after/);
    const newDueAt = new Date(Date.parse(t.dueAt) + 10 * 24 * 3600 * 1000).toISOString();
    const event = t.extend({ by: '王主任', reason: '延期', newDueAt });
    expect(event).toMatchObject({
      id: `${input.deadlineId}:extension:1`,
      kind: 'extension',
      dueAt: newDueAt,
      data: { previousDueAt: input.dueAt, newDueAt },
    });
    expect(t.dueAt).toBe(newDueAt);
    expect(t.steps.every((s) => s.step.endsWith('~ext1') && s.kind !== 'notice')).toBe(true);
    for (const s of t.steps) expect(t.done.includes(s.step)).toBe(Date.parse(s.at) <= clock.ms);
    expect(t.state()).not.toBe('red');
    expect(t.nextItem()).toMatchObject({ type: 'step' });
    expect(t.status().extensions).toBe(1);
  });

  it('leaves the shared steps to its batch when started so: one wake for its colour, the steps done as their instants pass, its own after an extension', () => {
    const shared: DeadlineInput = { ...input, opening: { at: input.opensAt, sharedSteps: true } };
    const clock = new TestClock(Date.parse(input.opensAt));
    const t = new DeadlineTimeline(shared, clock.now);
    // The notice, the reminders and the due-day notice: to the unit alone, before the due instant.
    expect(t.steps.filter((s) => t.isBatchStep(s)).map((s) => s.step)).toEqual([
      'notice',
      'reminder-1',
      'reminder-2',
      'due',
    ]);
    const own = new DeadlineTimeline(input, clock.now);
    expect(own.steps.some((s) => own.isBatchStep(s))).toBe(false);
    const firstReminder = t.steps.find((s) => s.step === 'reminder-1')!;
    const seen: string[] = [];
    for (let item = t.nextItem(); item && item.type !== 'close'; item = t.nextItem()) {
      clock.set(itemAt(item));
      if (item.type === 'colour') t.markColourTold();
      else if (item.type === 'overdue') t.markOverdue();
      else t.markDone(item.step.step);
      seen.push(item.type === 'step' ? item.step.step : `${item.type}@${item.at}`);
    }
    // It wakes once before its due instant: at the first reminder, when it turns blue.
    expect(seen).toEqual([
      `colour@${firstReminder.at}`,
      `overdue@${t.dueAt}`,
      'escalation-1',
      'escalation-2',
      'escalation-3',
      'rectification',
    ]);
    expect(t.status().stepsDone).toEqual(t.steps.map((s) => s.step));

    // Its status by its own clock, and as of a later instant (statusAt, as a client counts it).
    const u = new DeadlineTimeline(shared, clock.now);
    clock.set(firstReminder.at);
    const atReminder = u.status();
    expect(atReminder).toMatchObject({
      state: 'blue',
      stepsDone: ['notice', 'reminder-1'],
      nextStep: { step: 'reminder-2' },
    });
    expect(atReminder.byBatch?.steps.map((s) => s.step)).toEqual(['reminder-2', 'due']);
    expect(atReminder.byBatch?.next?.step).toBe('escalation-1');
    const due = u.steps.find((s) => s.step === 'due')!;
    const later = statusAt(atReminder, serverTime(input.ctx.clock, Date.parse(due.at)));
    expect(later.stepsDone).toEqual(['notice', 'reminder-1', 'reminder-2', 'due']);
    expect(later.nextStep?.step).toBe('escalation-1');
    expect(later).not.toHaveProperty('byBatch');
    expect(statusAt(atReminder, serverTime(input.ctx.clock, Date.parse(due.at)) - 1).nextStep?.step).toBe('due');
    expect(statusAt(own.status(), Date.parse(due.at))).toEqual(own.status());

    const newDueAt = new Date(Date.parse(u.dueAt) + 10 * 24 * 3600 * 1000).toISOString();
    u.extend({ by: '王主任', reason: '延期', newDueAt });
    // Off the batch's steps: what it mailed stays done, every new step is the deadline's own, no colour wake is left.
    expect(u.done).toEqual(['notice', 'reminder-1']);
    expect(u.nextItem()).toMatchObject({ type: 'step', step: { step: 'reminder-1~ext1' } });
    expect(u.status()).not.toHaveProperty('byBatch');
    expect(JSON.parse(JSON.stringify(u))).toMatchObject({ batchSteps: [] });
  });

  it('does not wake for its colour when the wake would tell nobody: a starter of v0.18 or later, no search attributes', () => {
    const opening = { at: input.opensAt, sharedSteps: true as const, wakesOnlyForVisibility: true as const };
    const withOptions = (searchAttributes: boolean, o: DeadlineInput['opening']): DeadlineInput => ({
      ...input,
      ctx: { ...input.ctx, options: { ...input.ctx.options, searchAttributes } },
      opening: o,
    });
    const firstItem = (i: DeadlineInput) =>
      new DeadlineTimeline(i, new TestClock(Date.parse(input.opensAt)).now).nextItem();
    const firstReminder = new DeadlineTimeline(input, () => 0).steps.find((s) => s.step === 'reminder-1')!;
    // Visibility kept: it wakes at the first reminder to say blue, as before.
    expect(firstItem(withOptions(true, opening))).toEqual({ type: 'colour', at: firstReminder.at });
    // Started before v0.18 (no `wakesOnlyForVisibility`): it wakes either way, as its history has.
    expect(firstItem(withOptions(false, { at: input.opensAt, sharedSteps: true }))).toMatchObject({ type: 'colour' });
    // Started past green (since v0.19, `startedAs`): visibility has had its colour from its start.
    expect(firstItem(withOptions(true, { ...opening, startedAs: 'blue' }))).toEqual({
      type: 'overdue',
      at: input.dueAt,
    });
    expect(firstItem(withOptions(true, { ...opening, startedAs: 'green' }))).toMatchObject({ type: 'colour' });
    // A rehearsal's: nothing until its due instant.
    const rehearsed = withOptions(false, opening);
    const clock = new TestClock(Date.parse(input.opensAt));
    const t = new DeadlineTimeline(rehearsed, clock.now);
    expect(t.nextItem()).toEqual({ type: 'overdue', at: t.dueAt });
    // Its status as a client reads it says blue from the first reminder all the same, green before.
    const atOpening = t.status();
    expect(atOpening.state).toBe('green');
    const server = (planIso: string, deltaMs = 0): number => serverTime(input.ctx.clock, Date.parse(planIso)) + deltaMs;
    expect(statusAt(atOpening, server(firstReminder.at, -1)).state).toBe('green');
    expect(statusAt(atOpening, server(firstReminder.at))).toMatchObject({
      state: 'blue',
      stepsDone: ['notice', 'reminder-1'],
    });
    expect(statusAt(atOpening, server(t.dueAt, 1)).state).toBe('yellow');
    // Never an earlier colour than the deadline's own: a closed one stays closed.
    t.submit({ by: '张伟', text: '方案' });
    expect(statusAt(t.status(), server(firstReminder.at)).state).toBe('closed');
  });

  it('closes unanswered as missing, with the ledger told', () => {
    const { t } = fresh();
    expect(t.closeUnanswered()).toMatchObject({ kind: 'deadline-closed', data: { outcome: 'missing' } });
    expect(t.answered()).toBe(false);
    expect(t.result()?.outcome).toBe('missing');
    expect(() => t.validateWaive({ by: 'x', reason: 'y' })).toThrow(/closed \(missing\)/);
  });

  it('its state is JSON-plain', () => {
    const { t } = fresh();
    t.markDone('notice');
    t.submit({ by: '张伟', text: '方案' });
    const plain = JSON.parse(JSON.stringify(t)) as Record<string, unknown>;
    expect(plain.done).toEqual(['notice']);
    expect(plain.outcome).toBe('on-time');
  });
});

describe('the review of a report', () => {
  let mini: Mini;
  beforeAll(async () => {
    mini = await loadMini();
  });

  it('is the parent’s deadline, opening when the report came on time, else at the report’s due instant', () => {
    const report = reportDeadlineInput(mini.batchOf('quarterly-report'), 'b-mech-t1');
    const receivedAt = new Date(Date.parse(report.dueAt) - 3_600_000).toISOString();
    const onTime = reviewDeadlineInput(report, report.dueAt, {
      deadlineId: report.deadlineId,
      unitId: 'b-mech-t1',
      receivedAt,
      dueAt: report.dueAt,
      onTime: true,
      lateMs: 0,
      by: '张伟',
    })!;
    expect(onTime).toMatchObject({
      role: 'review',
      unitId: 'c-mech',
      reviewedUnitId: 'b-mech-t1',
      opensAt: receivedAt,
      deadlineId: 'mini/quarterly-report.review/2010-Q3/b-mech-t1',
      obligation: { key: 'quarterly-report.review', escalation: [] },
    });
    expect(onTime.opening).toBeUndefined();
    expect(reviewDeadlineInput(report, report.dueAt)?.opensAt).toBe(report.dueAt);
    expect(reviewDeadlineInput(onTime, onTime.dueAt)).toBeUndefined();
    expect(reviewDeadlineInput(reportDeadlineInput(mini.batchOf('branch-plan'), 'b-mech-t1'), report.dueAt)).toBe(
      undefined,
    );
  });
});
