/**
 * Who mails each step of a deadline and what the ledger records after it, without a server:
 * the starter's notices (before and since v0.8), the deadline's own mail, escalations, the
 * rectification order, a unit that cannot be reached and a rejected mail passed to the parent, and
 * the same record for a mail its unit's mailbox never took (a redelivery given up on).
 */
import { DeadlineLadder } from '../../workflows/deadline-ladder';
import { initialSteps, reportDeadlineInput, stepAftermath } from '../../domain/engine/deadline-opening';
import type { ScheduledStep } from '../../domain/calendar-types';
import { parentInStead, parentInSteadEvent } from '../../domain/engine/mail-message';
import { loadMini, type Mini } from './mini';

describe('DeadlineLadder', () => {
  let mini: Mini;
  beforeAll(async () => {
    mini = await loadMini();
  });
  const ladderOf = (unitId: string) => {
    const input = reportDeadlineInput(mini.batchOf('branch-plan'), unitId);
    const steps = initialSteps(input);
    const step = (name: string): ScheduledStep => steps.find((s) => s.step === name)!;
    return { input, ladder: new DeadlineLadder(input), step };
  };
  const NOW = '2010-06-20T01:00:00.000Z';

  it('leaves a notice to a starter that mails it after the start (since v0.8)', () => {
    const { input, ladder, step } = ladderOf('b-mech-t1');
    const opening = { at: input.opensAt, notice: { step: 'notice', status: 'after-start' as const } };
    expect(ladder.mailFor(step('notice'), input.dueAt, NOW, opening)).toEqual({ by: 'starter' });
  });

  it('takes the word of a v0.6 or v0.7 starter that mailed the notice itself, sent at the opening', () => {
    const { input, ladder, step } = ladderOf('b-mech-t1');
    const mail = ladder.mailFor(step('notice'), input.dueAt, NOW, {
      at: input.opensAt,
      notice: { step: 'notice', status: 'failed' },
    });
    expect(mail).toMatchObject({ by: 'starter-before-start', rejected: true, sentAt: input.opensAt });
    const sent = ladder.mailFor(step('notice'), input.dueAt, NOW, {
      at: input.opensAt,
      notice: { step: 'notice', status: 'sent' },
    });
    expect(sent).toMatchObject({ rejected: false });
  });

  it('mails a step itself otherwise, now, to the unit', () => {
    const { input, ladder, step } = ladderOf('b-mech-t1');
    const mail = ladder.mailFor(step('reminder-1'), input.dueAt, NOW);
    expect(mail.by).toBe('deadline');
    if (mail.by !== 'deadline') return;
    expect(mail.sentAt).toBe(NOW);
    expect(mail.built.message).toMatchObject({ kind: 'reminder', step: 'reminder-1', unitId: 'b-mech-t1' });
    expect(mail.built.message.to.map((r) => r.email)).toContain('liu.yang@example.org');
    expect(stepAftermath(input, step('reminder-1'), input.dueAt, mail, false, NOW)).toEqual({ events: [] });
  });

  it('records an escalation and a rectification order after their mail', () => {
    const { input, ladder, step } = ladderOf('b-mech-t1');
    const escalation = ladder.mailFor(step('escalation-2'), input.dueAt, NOW);
    if (escalation.by === 'starter') throw new Error('not the starter’s');
    expect(stepAftermath(input, step('escalation-2'), input.dueAt, escalation, false, NOW).events).toEqual([
      expect.objectContaining({ id: `${input.deadlineId}:escalated:escalation-2`, kind: 'escalated', at: NOW }),
    ]);
    const order = ladder.mailFor(step('rectification'), input.dueAt, NOW);
    if (order.by === 'starter') throw new Error('not the starter’s');
    expect(stepAftermath(input, step('rectification'), input.dueAt, order, false, NOW).events).toEqual([
      expect.objectContaining({
        kind: 'rectification-ordered',
        data: { deadline: step('rectification').deadline },
      }),
    ]);
  });

  it('passes a rejected mail for the unit alone on to the parent, and records the escalation', () => {
    const { input, ladder, step } = ladderOf('b-mech-t1');
    const mail = ladder.mailFor(step('reminder-1'), input.dueAt, NOW);
    if (mail.by === 'starter') throw new Error('not the starter’s');
    const { fallback, events } = stepAftermath(input, step('reminder-1'), input.dueAt, mail, true, NOW);
    expect(fallback).toMatchObject({ step: 'reminder-1:to-parent', sentAt: NOW });
    expect(fallback!.to.map((r) => r.email)).toEqual(['li.mech@example.org']);
    expect(events).toEqual([
      expect.objectContaining({ kind: 'escalated', step: 'reminder-1:to-parent', reason: 'mail rejected' }),
    ]);
    // A step that told the parent already has nobody more to tell.
    const both = ladder.mailFor(step('escalation-2'), input.dueAt, NOW);
    if (both.by === 'starter') throw new Error('not the starter’s');
    const after = stepAftermath(input, step('escalation-2'), input.dueAt, both, true, NOW);
    expect(after.fallback).toBeUndefined();
    expect(after.events.map((e) => e.kind)).toEqual(['escalated']);
  });

  it('records a mail its unit’s mailbox never took, passed to the parent, as a refused one is, three days on', () => {
    const { input, ladder, step } = ladderOf('b-mech-t1');
    const mail = ladder.mailFor(step('reminder-1'), input.dueAt, NOW);
    if (mail.by === 'starter') throw new Error('not the starter’s');
    const refused = stepAftermath(input, step('reminder-1'), input.dueAt, mail, true, NOW).events[0]!;
    const instead = parentInStead(mail.built.message, input.org, ['liu.yang@example.org'])!;
    const told = parentInSteadEvent(instead, input.org);
    // One record or the other for the step, never both: the same id, the same deadline's keys.
    const { at: _at, reason: _reason, ...keys } = refused;
    expect(told).toEqual({
      ...keys,
      at: '2010-06-23T01:00:00.000Z',
      reason: 'mail deferred for 3 days; the parent was told instead',
      data: { undeliveredTo: 'liu.yang@example.org' },
    });
    expect(told!.id).toBe(`${input.deadlineId}:escalated:reminder-1:to-parent`);
    // A message of no deadline (no obligation) has none.
    expect(parentInSteadEvent({ ...instead, obligationKey: undefined }, input.org)).toBeUndefined();
  });

  it('tells the parent of a unit without an address and records that it could not be reached', () => {
    const { input, ladder, step } = ladderOf('b-info-s1');
    const mail = ladder.mailFor(step('reminder-1'), input.dueAt, NOW);
    if (mail.by === 'starter') throw new Error('not the starter’s');
    expect(mail.built.unreachable).toBe(true);
    expect(mail.built.message.to.map((r) => r.email)).toEqual(['zhao.info@example.org']);
    const { fallback, events } = stepAftermath(input, step('reminder-1'), input.dueAt, mail, true, NOW);
    expect(fallback).toBeUndefined();
    expect(events).toEqual([
      expect.objectContaining({
        id: `${input.deadlineId}:escalated:reminder-1:unreachable`,
        step: 'reminder-1:unreachable',
      }),
    ]);
  });
});
