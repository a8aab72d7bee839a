/** The mini plan and organisation as the workflows' state classes see them, for tests without a server. */
import path from 'node:path';
import { loadOrgFile, loadPlanFile } from '../../plans/load';
import { cyclesOf, phaseWindows } from '../../domain/calendar';
import { responsibleUnits, orgSlice } from '../../domain/org-slice';
import { campaignContext, DEFAULT_ENGINE_OPTIONS, type CampaignContext } from '../../domain/engine/context';
import type { BatchInput } from '../../domain/engine/inputs';
import type { Plan } from '../../domain/plan-schema';
import type { Org } from '../../domain/org-schema';

const FIXTURES = path.join(__dirname, '..', 'fixtures');

export interface Mini {
  plan: Plan;
  org: Org;
  ctx: CampaignContext;
  /** The first batch of an obligation's first cycle, with every responsible unit. */
  batchOf(obligationKey: string): BatchInput;
}

export async function loadMini(): Promise<Mini> {
  const plan = await loadPlanFile(path.join(FIXTURES, 'mini-plan.yaml'));
  const org = await loadOrgFile(path.join(FIXTURES, 'mini-org.yaml'));
  const ctx = campaignContext(
    plan,
    { originPlanMs: 0, originServerMs: 0, scale: 1 },
    DEFAULT_ENGINE_OPTIONS,
    `campaign/${plan.id}`,
  );
  const batchOf = (obligationKey: string): BatchInput => {
    const obligation = plan.obligations.find((o) => o.key === obligationKey)!;
    const cycle = cyclesOf(plan, obligation, phaseWindows(plan, {}), {})[0]!;
    const unitIds = responsibleUnits(org, obligation);
    return { ctx, batchId: `${plan.id}/${obligationKey}#0`, obligation, cycle, unitIds, org: orgSlice(org, unitIds) };
  };
  return { plan, org, ctx, batchOf };
}

/** A clock for a state class: plan time that a test moves by hand. */
export class TestClock {
  constructor(public ms: number) {}
  readonly now = (): number => this.ms;
  set(iso: string): void {
    this.ms = Date.parse(iso);
  }
  /** Just after the instant. */
  after(iso: string, deltaMs = 1): void {
    this.ms = Date.parse(iso) + deltaMs;
  }
}
