/**
 * The phase-change preview (web/console/steering.ts) on the mini plan: what an advance opens,
 * including a cycle that the phase's planned start held back and that now opens sooner.
 */
import path from 'node:path';
import { phaseWindows } from '../../domain/calendar';
import { loadOrgFile, loadPlanFile } from '../../plans/load';
import { previewPhaseChange } from '../../web/console/steering';

const FIXTURES = path.resolve(__dirname, '..', 'fixtures');

describe('the phase-change preview', () => {
  it('lists a cycle that opens sooner because the phase starts sooner as opening, not as closing', async () => {
    const mini = await loadPlanFile(path.join(FIXTURES, 'mini-plan.yaml'));
    const org = await loadOrgFile(path.join(FIXTURES, 'mini-org.yaml'));
    // The summary phase planned from 10 January 2011: the summary (due 20 January, opening 15
    // days before its due instant, 23:59 on the 20th) would open with the phase on the 10th, not on the 5th.
    const plan = { ...mini, phases: mini.phases.map((p) => (p.key === 'summary' ? { ...p, start: '2011-01-10' } : p)) };
    const windows = phaseWindows(plan);
    const now = '2010-12-28T02:00:00.000Z'; // Tuesday 28 December 2010, 10:00 China time
    const pv = previewPhaseChange(plan, org, windows, now, 'advance', 'summary');
    expect(pv.refusal).toBeUndefined();
    const summary = pv.opening.filter((c) => c.obligationKey === 'summary-report');
    expect(summary).toHaveLength(1);
    expect(Date.parse(summary[0]!.opensAt)).toBe(Date.parse('2011-01-05T23:59:59+08:00'));
    expect(Date.parse(summary[0]!.dueAt)).toBe(Date.parse('2011-01-20T23:59:59+08:00'));
    expect(summary[0]!.units).toBeGreaterThan(0);
    expect(pv.closing.filter((c) => c.obligationKey === 'summary-report')).toEqual([]);
    // It opens on the 5th, after now: no notice goes out at once.
    expect(pv.notices).toBe(0);
  });

  it('does not list a cycle that opens when it would have anyway', async () => {
    const plan = await loadPlanFile(path.join(FIXTURES, 'mini-plan.yaml'));
    const org = await loadOrgFile(path.join(FIXTURES, 'mini-org.yaml'));
    // Planned from 1 January, the summary opens on the 5th (15 days before it is due) either way.
    const pv = previewPhaseChange(plan, org, phaseWindows(plan), '2010-12-28T02:00:00.000Z', 'advance', 'summary');
    expect(pv.refusal).toBeUndefined();
    expect(pv.opening.filter((c) => c.obligationKey === 'summary-report')).toEqual([]);
    expect(pv.closing.filter((c) => c.obligationKey === 'summary-report')).toEqual([]);
  });
});
