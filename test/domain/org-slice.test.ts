/**
 * A batch's starter cuts each deadline's slice of the organisation with `unitSlicer` (through
 * `reportDeadlineInputs`), a workflow with `orgSlice`: the two must give the same slice, key for
 * key and in the same order, since a deadline's input is recorded in its history and its
 * opening in the ledger byte for byte as the deadline would make it itself.
 */
import path from 'node:path';
import YAML from 'yaml';
import { loadOrgFile, loadPlanFile, parseOrgText } from '../../plans/load';
import { generateOrg } from '../../plans/generate-org';
import { orgSlice, responsibleUnits, unitSlicer } from '../../domain/org-slice';
import { cyclesOf, phaseWindows } from '../../domain/calendar';
import { reportDeadlineInput, reportDeadlineInputs } from '../../domain/engine/deadline-opening';
import { DEFAULT_ENGINE_OPTIONS, type CampaignContext } from '../../domain/engine/context';
import type { BatchInput } from '../../domain/engine/inputs';
import type { Org } from '../../domain/org-schema';

const fixture = (name: string): string => path.join(__dirname, '../fixtures', name);
const generated = (committees: number, branches: number): Org =>
  parseOrgText(YAML.stringify(generateOrg({ committees, branches })), 'generated.yaml');

describe('unitSlicer', () => {
  const orgs: [string, () => Promise<Org>][] = [
    ['the mini organisation', () => loadOrgFile(fixture('mini-org.yaml'))],
    ['the Harbin organisation', () => loadOrgFile(fixture('harbin-org.yaml'))],
    ['a generated university of 300 branches', () => Promise.resolve(generated(8, 300))],
  ];

  it.each(orgs)('cuts the slice orgSlice cuts, for every unit of %s and of a batch slice of it', async (_, load) => {
    const org = await load();
    const ids = [...org.order, 'no-such-unit'];
    const slice = unitSlicer(org);
    for (const id of ids) expect(JSON.stringify(slice(id))).toBe(JSON.stringify(orgSlice(org, [id])));
    // The starter slices out of its batch's slice, whose order is the organisation's, filtered.
    const branches = org.order.filter((id) => org.units[id]!.level === 'branch');
    const batchOrg = orgSlice(org, branches.slice(0, Math.ceil(branches.length / 2)));
    const batchSlice = unitSlicer(batchOrg);
    for (const id of batchOrg.order)
      expect(JSON.stringify(batchSlice(id))).toBe(JSON.stringify(orgSlice(batchOrg, [id])));
  });

  it('keeps to orgSlice when an order names a unit twice', async () => {
    const org = await loadOrgFile(fixture('mini-org.yaml'));
    const twice: Org = { ...org, order: [...org.order, org.order[org.order.length - 1]!] };
    for (const id of twice.order) expect(unitSlicer(twice)(id)).toEqual(orgSlice(twice, [id]));
    expect(unitSlicer(twice)(org.order[org.order.length - 1]!).order).toEqual(
      orgSlice(twice, [org.order[org.order.length - 1]!]).order,
    );
  });

  it('orders a slice as the organisation orders it, whatever order the units were added in', () => {
    const org = generated(6, 40);
    // The office last in the order, a committee before it: a slice lists office and parent in the order's places.
    const reordered: Org = { ...org, order: [...org.order.slice(1), org.order[0]!] };
    const branch = reordered.order.find((id) => reordered.units[id]!.level === 'branch')!;
    const slice = unitSlicer(reordered)(branch);
    expect(slice.order).toEqual(reordered.order.filter((id) => slice.units[id] !== undefined));
    expect(slice.order[slice.order.length - 1]).toBe(org.order[0]);
  });
});

describe('reportDeadlineInputs', () => {
  it('gives each unit of a batch the input reportDeadlineInput gives it, byte for byte', async () => {
    const plan = await loadPlanFile(fixture('mini-plan.yaml'));
    const org = generated(8, 300);
    const obligation = plan.obligations.find((o) => o.key === 'branch-plan')!;
    const cycle = cyclesOf(plan, obligation, phaseWindows(plan, {}), {})[0]!;
    const unitIds = responsibleUnits(org, obligation).slice(0, 250);
    const ctx: CampaignContext = {
      campaignId: 'slice-test',
      title: plan.title,
      timeZone: plan.timeZone,
      locale: plan.locale,
      officeHours: plan.officeHours,
      clock: { originPlanMs: Date.parse(cycle.opensAt), originServerMs: 0, scale: 1 },
      options: { ...DEFAULT_ENGINE_OPTIONS },
      campaignWorkflowId: 'campaign/slice-test',
    };
    const batch: BatchInput = {
      ctx,
      batchId: 'slice-test/batch#0',
      obligation,
      cycle,
      unitIds,
      org: orgSlice(org, unitIds),
    };
    const some = [...unitIds.slice(100, 150), ...unitIds.slice(0, 3)];
    expect(JSON.stringify(reportDeadlineInputs(batch, some))).toBe(
      JSON.stringify(some.map((id) => reportDeadlineInput(batch, id))),
    );
    expect(reportDeadlineInputs(batch, [])).toEqual([]);
    const { org: _, ...byReference } = batch;
    expect(() => reportDeadlineInputs(byReference, unitIds)).toThrow('carries no organisation slice');
  });
});
