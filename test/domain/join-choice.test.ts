/**
 * The office's choice of who joins which cycle open now, checked against what the re-import's
 * preview offers before anything is recorded: each cycle open and settled, named once, each unit
 * one that would join it; a cycle named without units gets every unit that would join it.
 */
import path from 'node:path';
import { loadOrgFile } from '../../plans/load';
import { JoinChoiceError, resolveJoinChoice, wouldJoin, type OpenCycleToJoin } from '../../domain/join-choice';
import type { Org } from '../../domain/org-schema';

const cycle = (cycleKey: string, joinable: string[], stillOpening?: true): OpenCycleToJoin => ({
  obligationKey: 'quarterly-report',
  cycleKey,
  cycleLabel: cycleKey,
  cycleLabelEn: cycleKey,
  dueAt: '2010-09-25T15:59:00.000Z',
  wouldJoin: joinable,
  ...(stillOpening ? { stillOpening } : {}),
});

describe('the office’s choice of who joins a cycle open now', () => {
  let org: Org;
  beforeAll(async () => {
    org = await loadOrgFile(path.join(__dirname, '../fixtures/mini-org.yaml'));
  });

  it('offers the units owing the obligation that have no deadline in the cycle', () => {
    const branches = { submitters: { level: 'branch' as const } };
    expect(wouldJoin(org, branches, new Set(['b-mech-t1', 'b-info-t1']))).toEqual(['b-mech-s1', 'b-info-s1']);
    expect(wouldJoin(org, { submitters: { level: 'branch', kinds: ['学生'] } }, new Set(['b-mech-s1']))).toEqual([
      'b-info-s1',
    ]);
  });

  it('keeps the units chosen, in the order offered, and every unit for a cycle named alone', () => {
    const open = [cycle('2010-Q3', ['b-mech-s1', 'b-info-s1']), cycle('2010-H2', ['b-info-s1'])];
    expect(
      resolveJoinChoice(
        [
          { obligationKey: 'quarterly-report', cycleKey: '2010-Q3', unitIds: ['b-info-s1', 'b-mech-s1', 'b-info-s1'] },
          { obligationKey: 'quarterly-report', cycleKey: '2010-H2' },
        ],
        open,
        org,
        'join',
      ),
    ).toEqual([
      { obligationKey: 'quarterly-report', cycleKey: '2010-Q3', unitIds: ['b-mech-s1', 'b-info-s1'] },
      { obligationKey: 'quarterly-report', cycleKey: '2010-H2', unitIds: ['b-info-s1'] },
    ]);
    // A cycle nobody would join is left out of the choice, not refused.
    expect(
      resolveJoinChoice([{ obligationKey: 'quarterly-report', cycleKey: 'x' }], [cycle('x', [])], org, 'j'),
    ).toEqual([]);
  });

  it('refuses by field a cycle not open, still opening or named twice, and a unit that would not join', () => {
    const open = [cycle('2010-Q3', ['b-info-s1']), cycle('2010-H2', [], true)];
    const refused = (asked: Parameters<typeof resolveJoinChoice>[0]): JoinChoiceError => {
      try {
        resolveJoinChoice(asked, open, org, 'body.joinOpenCycles');
      } catch (err) {
        if (err instanceof JoinChoiceError) return err;
        throw err;
      }
      throw new Error('not refused');
    };
    const q3 = { obligationKey: 'quarterly-report', cycleKey: '2010-Q3' };
    const q4 = refused([{ ...q3, cycleKey: '2010-Q4' }]);
    expect(q4.field).toBe('body.joinOpenCycles[0]');
    expect(q4.message).toContain(
      'quarterly-report/2010-Q4 is not a cycle open now (open now: quarterly-report/2010-Q3, quarterly-report/2010-H2)',
    );
    expect(refused([{ ...q3, cycleKey: '2010-H2' }]).message).toContain('its deadlines are still being started');
    expect(refused([q3, q3]).field).toBe('body.joinOpenCycles[1]');
    const has = refused([{ ...q3, unitIds: ['b-info-s1', 'b-mech-t1'] }]);
    expect(has.field).toBe('body.joinOpenCycles[0].unitIds[1]');
    expect(has.message).toContain('b-mech-t1 cannot join quarterly-report/2010-Q3: it has a deadline in it already');
    expect(refused([{ ...q3, unitIds: ['b-nowhere'] }]).message).toContain('is not in the roster being imported');
  });
});
