/**
 * Temporal caps a workflow run's history (51,200 events, 50 MB) and every run of ours must
 * stay under a fifth of that: 10,240 events and 4 MB. Two rehearsals cover both directions in
 * which histories grow, and the test reads every history they recorded:
 * - the longest seed plan (000, 湖南科技大学: 50 cycles over three years) for the sample
 *   university: the campaign's history grows with the cycles;
 * - a one-off obligation for 260 branches: one batch holds the full 250 deadlines.
 */
import YAML from 'yaml';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { loadOrgFile, loadPlanFile, parseOrgText, PLANS_DIR, SAMPLE_ORG } from '../../plans/load';
import { generateOrg } from '../../plans/generate-org';
import { BehaviourSchema } from '../../rehearsal/behaviour';
import { responsibleUnits } from '../../domain/org-slice';
import type { Plan } from '../../domain/plan-schema';
import type { Org } from '../../domain/org-schema';
import { createTimeSkippingEnv } from '../../worker/servers';
import { bundleWorkflows } from '../../worker/worker';
import { runSimulation } from '../../rehearsal/simulate';
import {
  batchWorkflowId,
  campaignWorkflowId,
  deadlineWorkflowId,
  DEFAULT_ENGINE_OPTIONS,
} from '../../domain/engine/context';

const MAX_EVENTS = 10_240;
const MAX_BYTES = 4 * 1024 * 1024;
// Three years of plan time for the sample university take 3–5 minutes on two shared cores,
// close to the 300 s of jest.config.js on a slow day; a hang still fails (and --forceExit ends it).
const SEED_000_TIMEOUT_MS = 600_000;
const EventType = temporal.api.enums.v1.EventType;

interface RunSize {
  workflowId: string;
  type: string;
  events: number;
  bytes: number;
}

/** Every run of every workflow of a rehearsed campaign, with its history's size. */
async function historySizes(
  env: TestWorkflowEnvironment,
  plan: Plan,
  org: Org,
  cycles: { ob: string; cycle: string }[],
) {
  const sizes: RunSize[] = [];
  const measure = async (workflowId: string, runId?: string) => {
    const history = await env.client.workflow.getHandle(workflowId, runId).fetchHistory();
    const first = history.events?.[0];
    const type = first?.workflowExecutionStartedEventAttributes?.workflowType?.name ?? '?';
    sizes.push({
      workflowId,
      type,
      events: history.events?.length ?? 0,
      bytes: temporal.api.history.v1.History.encode(history).finish().length,
    });
    return history;
  };

  // The campaign's runs: from the last back to the first, through "continued from".
  let runId: string | undefined = (await env.client.workflow.getHandle(campaignWorkflowId(plan.id)).describe()).runId;
  while (runId) {
    const h = await measure(campaignWorkflowId(plan.id), runId);
    runId = h.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
  }

  // Batches and report deadlines (ids from the plan), then the children they started (reviews).
  const queue: string[] = [];
  for (const { ob, cycle } of cycles) {
    const units = responsibleUnits(
      org,
      plan.obligations.find((o) => o.key === ob)!,
    );
    for (let i = 0; i * DEFAULT_ENGINE_OPTIONS.batchSize < units.length; i++)
      queue.push(batchWorkflowId(plan.id, ob, cycle, i));
    for (const unit of units) queue.push(deadlineWorkflowId(plan.id, ob, cycle, unit));
  }
  const seen = new Set<string>();
  const worker = async () => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      if (seen.has(id)) continue;
      seen.add(id);
      const h = await measure(id);
      for (const e of h.events ?? []) {
        if (e.eventType === EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED)
          queue.push(e.startChildWorkflowExecutionInitiatedEventAttributes!.workflowId!);
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return sizes;
}

function largest(sizes: RunSize[]) {
  const byType: Record<string, { runs: number; maxEvents: number; maxBytes: number }> = {};
  for (const s of sizes) {
    const t = (byType[s.type] ??= { runs: 0, maxEvents: 0, maxBytes: 0 });
    t.runs++;
    t.maxEvents = Math.max(t.maxEvents, s.events);
    t.maxBytes = Math.max(t.maxBytes, s.bytes);
  }
  return byType;
}

/** The mini plan's one-off obligation alone, for a generated university of 260 branches. */
async function oneOffFor260Branches(id: string): Promise<{ plan: Plan; org: Org }> {
  const mini = await loadPlanFile(`${__dirname}/../fixtures/mini-plan.yaml`);
  const plan: Plan = {
    ...mini,
    id,
    phases: mini.phases.slice(0, 1),
    obligations: mini.obligations.filter((o) => o.key === 'branch-plan'),
  };
  return { plan, org: parseOrgText(YAML.stringify(generateOrg({ committees: 8, branches: 260 })), `${id}.yaml`) };
}

describe('history sizes of the largest samples', () => {
  let env: TestWorkflowEnvironment;
  let bundle: WorkflowBundleWithSourceMap;
  beforeAll(async () => {
    env = await createTimeSkippingEnv();
    bundle = await bundleWorkflows();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  it(
    'the longest seed plan for the sample university: every run under 10,240 events and 4 MB',
    async () => {
      const plan = await loadPlanFile(`${PLANS_DIR}/000-hnust.yaml`);
      const org = await loadOrgFile(SAMPLE_ORG);
      const run = await runSimulation({ plan, org, behaviour: BehaviourSchema.parse({}), env, workflowBundle: bundle });
      const sizes = await historySizes(
        env,
        plan,
        org,
        run.sim.cycles.map((c) => ({ ob: c.obligationKey, cycle: c.cycleKey })),
      );
      const byType = largest(sizes);
      console.log(`seed 000 × sample university: ${JSON.stringify(byType)}`);
      // Every deadline's history was read, and every run of the campaign (since v0.6 its 43
      // cycles fit in one run under `maxRunEvents`; continue-as-new.test.ts forces and proves it).
      expect(byType.deadlineWorkflow!.runs).toBeGreaterThanOrEqual(run.sim.expected.length);
      expect(byType.campaignWorkflow!.runs).toBe(run.campaignRuns);
      expect(sizes.filter((s) => s.events >= MAX_EVENTS || s.bytes >= MAX_BYTES)).toEqual([]);
    },
    SEED_000_TIMEOUT_MS,
  );

  // The commands of one workflow task travel in one gRPC message (4 MiB at most): a cycle's
  // batches are started within a budget of bytes in flight (START_BYTES_IN_FLIGHT), made small here.
  it('starts the batches of a cycle within a budget of bytes in flight', async () => {
    const { plan, org } = await oneOffFor260Branches('budget');
    const budget = 20_000;
    await runSimulation({
      plan,
      org,
      behaviour: BehaviourSchema.parse({}),
      env,
      workflowBundle: bundle,
      engine: { batchSize: 10, maxStartBytesInFlight: budget },
    });
    const history = await env.client.workflow.getHandle(campaignWorkflowId(plan.id)).fetchHistory();
    // The startBatch inputs scheduled by each workflow task, in bytes.
    const perTask: number[] = [];
    let largestBatch = 0;
    for (const e of history.events ?? []) {
      if (e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) perTask.push(0);
      const a = e.activityTaskScheduledEventAttributes;
      if (e.eventType !== EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED || a?.activityType?.name !== 'startBatch')
        continue;
      const bytes = (a.input?.payloads ?? []).reduce((n, p) => n + (p.data?.length ?? 0), 0);
      largestBatch = Math.max(largestBatch, bytes);
      perTask[perTask.length - 1]! += bytes;
    }
    const started = history.events!.filter(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'startBatch',
    ).length;
    expect(started).toBe(26);
    expect(largestBatch).toBeLessThan(budget);
    expect(perTask.filter((b) => b > 0).length).toBeGreaterThan(1);
    expect(Math.max(...perTask)).toBeLessThanOrEqual(budget);
  });

  it('a full batch of 250 deadlines: every run under 10,240 events and 4 MB', async () => {
    const { plan, org } = await oneOffFor260Branches('wide');
    // Some branches never answer and climb the whole ladder: the longest deadline histories.
    const behaviour = BehaviourSchema.parse({ rules: [{ committee: 'c-mech', submit: 'never' }] });
    const run = await runSimulation({ plan, org, behaviour, env, workflowBundle: bundle });
    const sizes = await historySizes(env, plan, org, [{ ob: 'branch-plan', cycle: 'once' }]);
    const byType = largest(sizes);
    console.log(`one-off obligation × 260 branches: ${JSON.stringify(byType)}`);
    expect(byType.batchWorkflow!.runs).toBe(2);
    expect(byType.deadlineWorkflow!.runs).toBe(260);
    expect(run.sim.expected.filter((e) => e.submittedAt === undefined).length).toBeGreaterThan(10);
    expect(sizes.filter((s) => s.events >= MAX_EVENTS || s.bytes >= MAX_BYTES)).toEqual([]);
  });
});
