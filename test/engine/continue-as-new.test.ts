/**
 * The campaign continues-as-new when its history grows, carrying its state: the same rehearsal
 * with a tiny history budget (many runs, batches reporting across them) and with the default
 * (one run) must leave the same ledger, event for event, and the same final counts.
 */
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { loadOrgFile, loadPlanFile } from '../../plans/load';
import { BehaviourSchema } from '../../rehearsal/behaviour';
import { createTimeSkippingEnv } from '../../worker/servers';
import { bundleWorkflows } from '../../worker/worker';
import { runSimulation } from '../../rehearsal/simulate';
import { openLedger } from '../../ledger';
import { batchWorkflowId, campaignWorkflowId, DEFAULT_ENGINE_OPTIONS } from '../../domain/engine/context';

const behaviour = BehaviourSchema.parse({
  rules: [
    { unit: 'b-mech-s1', obligation: 'branch-plan', submit: { late: '+2d' } },
    { unit: 'b-info-t1', submit: 'never' },
    { unit: 'b-mech-t1', cycle: '2010-Q3', review: { late: '+3d' } },
  ],
  actions: [
    { advance: 'engage', at: '2010-06-28T09:00', by: '校党委', reason: '提前' },
    { endPhase: 'summary', at: '2011-02-15T09:00', by: '校党委', reason: '活动结束' },
  ],
});

describe('continue-as-new', () => {
  let env: TestWorkflowEnvironment;
  let bundle: WorkflowBundleWithSourceMap;
  beforeAll(async () => {
    env = await createTimeSkippingEnv();
    bundle = await bundleWorkflows();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  it('carries phases, cycles, batches and counts across runs: the ledger is the same, event for event', async () => {
    const plan = await loadPlanFile(path.join(__dirname, '../fixtures/mini-plan.yaml'));
    const org = await loadOrgFile(path.join(__dirname, '../fixtures/mini-org.yaml'));
    const one = await runSimulation({ plan, org, behaviour, env, workflowBundle: bundle });
    const many = await runSimulation({
      plan,
      org,
      behaviour,
      env,
      workflowBundle: bundle,
      engine: { maxRunEvents: 40 },
      campaignIdSuffix: '-can',
    });
    expect(one.campaignRuns).toBe(1);
    expect(many.campaignRuns).toBeGreaterThan(3);
    const events = async (url: string, id: string) => {
      const l = await openLedger(url);
      try {
        return (await l.events({ campaignId: id })).map((e) => ({
          id: e.id.replace(id, '<campaign>').replace(/\.\d{3}Z/, 'Z'),
          kind: e.kind,
          // Timers fire a few milliseconds after their instant, differently in each rehearsal.
          at: e.at.slice(0, 19),
          phase: e.phaseKey,
          obligation: e.obligationKey,
          cycle: e.cycleKey,
          unit: e.unitId,
          step: e.step,
          actor: e.actor,
          dueAt: e.dueAt,
          lateS: e.lateMs === undefined ? undefined : Math.round(e.lateMs / 1000),
        }));
      } finally {
        await l.close();
      }
    };
    const sort = (xs: { id: string }[]) => [...xs].sort((a, b) => a.id.localeCompare(b.id));
    const a = await events(one.ledgerUrl, plan.id);
    expect(a.filter((e) => e.kind === 'phase-advanced')).toHaveLength(2);
    expect(a.filter((e) => e.kind === 'submission').length).toBeGreaterThan(5);
    expect(a.filter((e) => e.kind === 'message-sent' && e.step?.startsWith('escalation')).length).toBeGreaterThan(0);
    expect(sort(await events(many.ledgerUrl, `${plan.id}-can`))).toEqual(sort(a));
    expect(many.mailByKind).toEqual(one.mailByKind);
    // The counts the batches reported survive too: every deadline closed, in both.
    const deadlines = a.filter((e) => e.kind === 'deadline-opened').length;
    expect(one.finalStatus.counts.closed).toBe(deadlines);
    expect(many.finalStatus.counts).toEqual(one.finalStatus.counts);
    expect(many.finalStatus.cyclesLaunched).toBe(one.finalStatus.cyclesLaunched);

    // The engine's task timeout reaches the campaign's last run (set at the start, kept by each
    // continue-as-new) and the batches the campaign started.
    const timeoutOf = async (workflowId: string) => {
      const d = await env.client.workflow.getHandle(workflowId).describe();
      const t = d.raw.executionConfig?.defaultWorkflowTaskTimeout;
      return Number(t?.seconds ?? 0) * 1000 + Math.round((t?.nanos ?? 0) / 1e6);
    };
    const firstOpening = a.find((e) => e.kind === 'deadline-opened')!;
    const campaignId = `${plan.id}-can`;
    const wanted = DEFAULT_ENGINE_OPTIONS.workflowTaskTimeoutMs;
    expect(wanted).toBeGreaterThan(10_000); // more than Temporal's default, or this proves nothing
    expect(await timeoutOf(campaignWorkflowId(campaignId))).toBe(wanted);
    expect(await timeoutOf(batchWorkflowId(campaignId, firstOpening.obligation!, firstOpening.cycle!, 0))).toBe(wanted);
  });
});
