/**
 * The deadline's state and rules without a Temporal server: the timeline in order, the colours,
 * the submission, extension and waiver with their validators and ledger events, the close.
 */
import { DeadlineTimeline, itemAt } from '../../workflows/deadline-timeline';
import { reportDeadlineInput, reviewDeadlineInput } from '../../domain/engine/deadline-opening';
import type { DeadlineInput } from '../../domain/engine/inputs';
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
      } else {
        seen.push(item.step.step);
        t.markDone(item.step.step);
      }
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

  it('counts as told green when its starter started it green, and not otherwise', () => {
    const started = fresh();
    started.t.startedGreenByStarter();
    expect(started.t.colourChange()).toBeUndefined();
    const late = fresh();
    late.clock.after(late.t.dueAt);
    late.t.startedGreenByStarter();
    expect(late.t.colourChange()?.state).toBe('yellow');
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
