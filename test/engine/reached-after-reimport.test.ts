/**
 * A branch without an address when its deadline opened has its parent told instead, and the
 * ledger says so (`escalated:<step>:unreachable`). Once the office re-imports the roster with an
 * address for it, every later step goes to the branch itself, its parent in copy, whether the
 * batch mails it (reminders, the due-day notice) or the deadline (escalations, since v0.20,
 * `UNIT_REACHED_AFTER_REIMPORT`), and the ledger records no more escalations for want of an
 * address. A mail the server then rejects is passed on to the parent as for any branch. On the
 * time-skipping server, with the mini plan (due 2010-06-25; reminders 7 and 1 days before;
 * escalations 1, 3 and 7 days after).
 */
import type { DeadlineMessage, Mailer } from '../../mail/types';
import { PATCHES } from '../../workflows/patches';
import { local, patchIds, startMiniCampaign, type MiniCampaign } from '../helpers/mini-campaign';
import { giveUnreachableAnAddress, UNREACHABLE, UNREACHABLE_NEW_ADDRESS } from '../helpers/mini-reimport';

const PARENT = 'zhao.info@example.org';
const OFFICE = 'office@example.org';

describe('a branch given an address by a re-import while its deadline runs', () => {
  let mini: MiniCampaign;
  const asked: { step: string; to: string[]; cc: string[] }[] = [];

  beforeAll(async () => {
    const recording = (outbox: Mailer): Mailer => ({
      ...outbox,
      async send(msg: DeadlineMessage, opts) {
        const to = msg.to.map((r) => r.email);
        if (msg.unitId === UNREACHABLE && msg.obligationKey === 'branch-plan')
          asked.push({ step: msg.step, to, cc: (msg.cc ?? []).map((r) => r.email) });
        if (msg.unitId === UNREACHABLE && msg.step === 'escalation-1')
          return { status: 'failed', dedupeKey: '', messageId: '', accepted: [], rejected: to, error: '550' };
        return outbox.send(msg, opts);
      },
      close: () => outbox.close(),
    });
    mini = await startMiniCampaign({
      taskQueue: 'reached-after-reimport',
      origin: '2010-06-10T00:00',
      mailerOf: recording,
      contactsFreshMs: 0,
    });
  });
  afterAll(() => mini?.stop());

  it('is told itself from then on, its parent in copy, and escalated for want of an address no more', async () => {
    await mini.until(local('2010-06-12T12:00'));
    expect(asked).toEqual([{ step: 'notice', to: [PARENT], cc: [] }]);

    await giveUnreachableAnAddress(mini, local('2010-06-12T12:00'));
    await mini.until(local('2010-07-12T12:00'));
    const to = (step: string) => asked.find((m) => m.step === step);
    expect(asked.map((m) => m.step)).toEqual([
      'notice',
      'reminder-1',
      'reminder-2',
      'due',
      'escalation-1',
      'escalation-1:to-parent',
      'escalation-2',
      'escalation-3',
      'rectification',
    ]);
    // The batch's steps and the deadline's own, to the branch, whoever was told instead in copy.
    for (const step of ['reminder-1', 'reminder-2', 'due', 'escalation-1'])
      expect({ step, ...to(step) }).toEqual({ step, to: [UNREACHABLE_NEW_ADDRESS], cc: [PARENT] });
    expect(to('escalation-2')).toEqual({ step: 'escalation-2', to: [UNREACHABLE_NEW_ADDRESS], cc: [PARENT] });
    expect(to('escalation-3')).toEqual({
      step: 'escalation-3',
      to: [UNREACHABLE_NEW_ADDRESS],
      cc: [PARENT, OFFICE],
    });
    expect(to('rectification')?.to).toEqual([UNREACHABLE_NEW_ADDRESS]);
    // The rejected escalation went to the parent, as for a branch that always had an address.
    expect(to('escalation-1:to-parent')?.to).toEqual([PARENT]);

    const deadlineId = `mini/branch-plan/once/${UNREACHABLE}`;
    const escalated = await mini.ledger.events({
      campaignId: 'mini',
      obligationKey: 'branch-plan',
      unitId: UNREACHABLE,
      kinds: ['escalated'],
    });
    expect(escalated.map((e) => e.id).sort()).toEqual(
      [
        'escalated:notice:unreachable',
        'escalated:escalation-1',
        'escalated:escalation-1:to-parent',
        'escalated:escalation-2',
        'escalated:escalation-3',
      ]
        .map((suffix) => `${deadlineId}:${suffix}`)
        .sort(),
    );

    // Only the deadline whose send reached a unit built unreachable carries the marker.
    expect(patchIds(await mini.history(deadlineId))).toContain(PATCHES.UNIT_REACHED_AFTER_REIMPORT.id);
    expect(patchIds(await mini.history('mini/branch-plan/once/b-info-t1'))).not.toContain(
      PATCHES.UNIT_REACHED_AFTER_REIMPORT.id,
    );
  });
});
