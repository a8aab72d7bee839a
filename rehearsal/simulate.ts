/**
 * A rehearsal: the whole plan on the time-skipping server, with the real workflows and
 * activities (mail into an outbox, the ledger in a SQLite file), driven by a behaviour file.
 * The same driver runs a compressed plan on the dev server for the end-to-end tests.
 * The campaign clock maps the plan's own dates onto the server's clock, so holidays and
 * weekdays are those of the plan's years.
 */
import path from 'node:path';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import type { Client } from '@temporalio/client';
import type { NativeConnection, WorkerOptions } from '@temporalio/worker';
import type { Plan } from '../domain/plan-schema';
import type { PhaseWindow } from '../domain/calendar-types';
import type { Org } from '../domain/org-schema';
import { eventOf, planSimulation, type Behaviour, type SimRequest, type SimulationPlan } from './behaviour';
import { rehearsalLagServerMs, serverTime, type ClockSpec } from '../domain/clock';
import { checkBehaviour } from './behaviour-file';
import { openLedger } from '../ledger';
import type { LedgerStore } from '../ledger/types';
import { createMailer } from '../mail';
import { createTimeSkippingEnv } from '../worker/servers';
import { createWorker } from '../worker/worker';
import { deadlineWorkflowId, type EngineOptions } from '../domain/engine/context';
import { extendUpdate, submitUpdate, waiveUpdate } from '../workflows/messages';
import { CampaignClient } from '../client/campaigns';
import type { CampaignStatus } from '../workflows/messages';
import { enterGrades } from '../client/grading';
import type { GradeStore } from '../ledger/grades';
import type { Grader } from '../domain/grading';

/**
 * The server a rehearsal runs on: a time-skipping test environment, or any server with a
 * wall clock (an end-to-end test on the dev server).
 */
export interface RehearsalServer {
  client: Client;
  /** Needed only for an in-process worker. */
  nativeConnection?: NativeConnection;
  currentTimeMs(): Promise<number>;
  sleep(ms: number): Promise<void>;
}

export interface SimulationOptions {
  plan: Plan;
  org: Org;
  behaviour: Behaviour;
  env: RehearsalServer;
  /** Where the ledger and the outbox go; a fresh temporary directory by default. */
  workDir?: string;
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Options for the in-process worker (cache size, concurrency), over the SDK's defaults. */
  workerOptions?: Partial<WorkerOptions>;
  engine?: Partial<EngineOptions>;
  /** Appended to the plan's id, to rehearse one plan twice on one server. */
  campaignIdSuffix?: string;
  /** Called after each group of requests (progress output; end-to-end tests kill workers here). */
  onProgress?: (planInstant: string, done: number, total: number) => void | Promise<void>;
  /**
   * Plan milliseconds per server millisecond. 1 on the time-skipping server (which skips the
   * waits); on the dev server a large scale compresses the plan into seconds.
   */
  scale?: number;
  /**
   * Where the worker runs. `in-process` (default): one is created here with an outbox mailer
   * and the ledger in workDir. `external`: the caller runs workers on `taskQueue` (its own
   * processes, its own mail server) writing to `ledgerUrl`; this only drives the campaign.
   */
  worker?: { kind: 'in-process' } | { kind: 'external'; taskQueue: string; ledgerUrl: string };
}

export interface SimulationRun {
  sim: SimulationPlan;
  workDir: string;
  ledgerUrl: string;
  outboxDir: string;
  /** Mail sent, by kind (notice, reminder, due, escalation, rectification, phase-started, review-due). */
  mailByKind: Record<string, number>;
  campaignRuns: number;
  /** The campaign's own status at its end: the counts its batches reported. */
  finalStatus: CampaignStatus;
  wallMs: number;
}

const DAY = 24 * 3600 * 1000;

/** The kind of message a ledger step name stands for. */
export function mailKindOfStep(step: string): string {
  if (step.startsWith('phase-started')) return 'phase-started';
  const base = step.split(/[~:]/)[0]!;
  return base.replace(/-\d+$/, '');
}

/**
 * Makes one request. `arrivesLate`: it waited longer than the engine takes a rehearsal request's
 * own instant for (`rehearsalLagServerMs`, a deadline that opened late), so it takes effect when
 * it arrives, as a live request does.
 */
async function perform(cc: CampaignClient, campaignId: string, r: SimRequest, arrivesLate = false): Promise<void> {
  if (r.type === 'advance') {
    await cc.advance(campaignId, { toPhase: r.phaseKey, by: r.by, reason: r.reason, at: r.at });
    return;
  }
  if (r.type === 'end-phase') {
    await cc.endPhase(campaignId, { phaseKey: r.phaseKey, by: r.by, reason: r.reason, at: r.at });
    return;
  }
  // A grade goes through the grades' entry path (performGrades); an appointment: the campaign
  // opens what the plan's openedBy declares for it.
  if (r.type === 'grade') throw new Error('a grade is entered with its batch (performGrades)');
  if (r.type === 'appoint') {
    await cc.openForEvent(campaignId, eventOf(r)!);
    return;
  }
  // Straight to the deadline workflow: the rehearsal's requests were checked against the plan.
  const h = cc.client.workflow.getHandle(deadlineWorkflowId(campaignId, r.obligationKey, r.cycleKey, r.unitId));
  // The request names its instant: it reaches the engine milliseconds later (domain/clock.ts requestInstant).
  if (r.type === 'submit')
    await h.executeUpdate(submitUpdate, { args: [{ by: r.by, text: r.text, at: arrivesLate ? undefined : r.at }] });
  else if (r.type === 'extend')
    await h.executeUpdate(extendUpdate, { args: [{ newDueAt: r.newDueAt, by: r.by, reason: r.reason }] });
  else await h.executeUpdate(waiveUpdate, { args: [{ by: r.by, reason: r.reason }] });
}

type GradeRequest = Extract<SimRequest, { type: 'grade' }>;

/**
 * The grades of one instant, entered as people enter them (client/grading.ts, as the CLI does):
 * a branch its self-evaluation, a committee the preliminary grades of all its branches at once
 * (the office, when it overrides the committee's A share), the office the university's grades.
 * The ledger records them and checks the rules, the campaign hears of each once, the step's
 * deadlines close. Anything the rehearsal planned that does not happen stops it.
 */
async function performGrades(grades: GradeStore, cc: CampaignClient, campaignId: string, org: Org, rs: GradeRequest[]) {
  const batches = new Map<string, GradeRequest[]>();
  for (const r of rs) {
    const scope = r.step === 'self' ? r.unitId : r.step === 'preliminary' ? org.units[r.unitId]?.committeeId : 'office';
    const key = `${r.step}/${scope}/${r.by}/${r.quotaOverride ?? ''}`;
    batches.set(key, [...(batches.get(key) ?? []), r]);
  }
  for (const batch of batches.values()) {
    const first = batch[0]!;
    const committeeId = org.units[first.unitId]?.committeeId;
    const grader: Grader =
      first.step === 'self'
        ? { role: 'branch', unitId: first.unitId }
        : first.step === 'preliminary' && first.quotaOverride === undefined
          ? { role: 'committee', ...(committeeId ? { unitId: committeeId } : {}) }
          : { role: 'office' };
    const outcome = await enterGrades(grades, cc, {
      campaignId,
      year: first.year,
      step: first.step,
      entries: batch.map((r) => ({ unitId: r.unitId, grade: r.grade })),
      grader,
      by: first.by,
      source: 'rehearsal',
      at: first.at,
      sourceName: `behaviour (grading.at.${first.step})`,
      ...(first.quotaOverride !== undefined ? { quotaOverride: first.quotaOverride } : {}),
    });
    const problems = [...outcome.notices, ...outcome.closings].flatMap((n) => (n.problem ? [n.problem] : []));
    if (problems.length > 0)
      throw new Error(`the ${first.step} grades of ${first.at} were recorded, but: ${problems.join('; ')}`);
  }
}

const isPhaseChange = (r: SimRequest): boolean => r.type === 'advance' || r.type === 'end-phase';

/**
 * After the phase changes of instant `at`: the rehearsal plans again from the phases the engine
 * actually ran, so that what the units do next follows the engine's cycles. The requests before
 * `at` were already made: if the engine's phases would have asked for others (a phase the
 * engine ran differently from what the checked behaviour implied), the rehearsal stops with
 * both calendars, rather than submit against deadlines that do not exist and report false lateness.
 * Exported for its test (test/rehearsal/replan-from-engine.test.ts); `cc` needs only `status`.
 */
export async function replanFromEngine(
  cc: Pick<CampaignClient, 'status'>,
  campaignId: string,
  plan: Plan,
  org: Org,
  behaviour: Behaviour,
  before: SimulationPlan,
  at: string,
): Promise<SimulationPlan> {
  const ran = (await cc.status(campaignId)).phases;
  const after = planSimulation(plan, org, behaviour, { windows: ran, asOf: at });
  const past = (sim: SimulationPlan): string =>
    JSON.stringify(sim.requests.filter((r) => Date.parse(r.at) < Date.parse(at)));
  if (past(after) !== past(before)) {
    const text = (ws: PhaseWindow[]): string => ws.map((w) => `${w.key} ${w.startAt}→${w.endAt ?? ''}`).join(', ');
    throw new Error(`the engine ran the phases ${text(ran)}; the rehearsal had planned ${text(before.windows)}`);
  }
  return after;
}

/**
 * Runs `fn` again while the workflow it targets has not started yet, for up to ten minutes, as a
 * unit would try again later: a deadline starts late when the worker running its batch's
 * starter died (the chaos soak kills one every few seconds), and the starter resumes elsewhere
 * only once its 30 s heartbeat timeout has passed, perhaps to be killed again.
 */
async function whenStarted(
  fn: (arrivesLate: boolean) => Promise<void>,
  instantReached: number,
  lagMs: number,
): Promise<void> {
  const giveUpAt = Date.now() + 600_000;
  for (let attempt = 0; ; attempt++) {
    try {
      // Late by the server's clock since the instant (the requests before it in the queue
      // count too), with a margin under the engine's lag for the request's own way there.
      return await fn(Date.now() - instantReached > lagMs - 10_000);
    } catch (err) {
      const notYet = (err as Error).name === 'WorkflowNotFoundError';
      if (!notYet || Date.now() > giveUpAt) throw err;
      await new Promise((r) => setTimeout(r, Math.min(1000, 50 * (attempt + 1))));
    }
  }
}

export async function runSimulation(opts: SimulationOptions): Promise<SimulationRun> {
  const started = Date.now();
  const { org, env } = opts;
  const plan = opts.campaignIdSuffix ? { ...opts.plan, id: `${opts.plan.id}${opts.campaignIdSuffix}` } : opts.plan;
  // The whole behaviour is checked before anything starts: the engine must accept every action.
  checkBehaviour(opts.behaviour, { plan, org });
  let sim = planSimulation(plan, org, opts.behaviour);
  const workDir = opts.workDir ?? (await mkdtemp(path.join(os.tmpdir(), `rehearsal-${plan.id}-`)));
  const external = opts.worker?.kind === 'external' ? opts.worker : undefined;
  const ledgerUrl = external?.ledgerUrl ?? `sqlite:${path.join(workDir, 'ledger.sqlite')}`;
  const outboxDir = path.join(workDir, 'outbox');
  const taskQueue = external?.taskQueue ?? `rehearsal-${plan.id}`;
  // The client stores the organisation in the ledger the workers read, and the campaign holds it by reference.
  const orgLedger = await openLedger(ledgerUrl);
  const cc = new CampaignClient(env.client, 0, orgLedger, () => env.currentTimeMs());
  // The campaign starts a day before its first phase, in plan time.
  const clock: ClockSpec = {
    originPlanMs: Date.parse(sim.windows[0]!.startAt) - DAY,
    originServerMs: await env.currentTimeMs(),
    scale: opts.scale ?? 1,
  };
  let runs = 0;
  let finalStatus: CampaignStatus | undefined;
  const drive = async (): Promise<void> => {
    const handle = await cc.start({
      plan,
      org,
      taskQueue,
      clock,
      options: { searchAttributes: false, ...opts.engine },
    });
    let done = 0;
    // One instant at a time: its phase changes first, then the rest of its requests together.
    for (let next = 0; next < sim.requests.length;) {
      const at = sim.requests[next]!.at;
      const wait = serverTime(clock, Date.parse(at)) - (await env.currentTimeMs());
      if (wait > 0) await env.sleep(wait);
      // From here the server's clock runs with this process's (time skips only during a sleep).
      const reached = Date.now() - Math.max(0, -wait);
      const atThisInstant = (): SimRequest[] => sim.requests.filter((r) => r.at === at);
      const phaseChanges = atThisInstant().filter(isPhaseChange);
      for (const r of phaseChanges) await perform(cc, plan.id, r);
      if (phaseChanges.length > 0) sim = await replanFromEngine(cc, plan.id, plan, org, opts.behaviour, sim, at);
      const grades = atThisInstant().filter((r): r is GradeRequest => r.type === 'grade');
      await performGrades(orgLedger.grades(), cc, plan.id, org, grades);
      const rest = atThisInstant().filter((r) => !isPhaseChange(r) && r.type !== 'grade');
      for (let i = 0; i < rest.length; i += 64) {
        await Promise.all(
          rest
            .slice(i, i + 64)
            .map((r) => whenStarted((late) => perform(cc, plan.id, r, late), reached, rehearsalLagServerMs(clock))),
        );
      }
      done += phaseChanges.length + grades.length + rest.length;
      next = sim.requests.findIndex((r) => Date.parse(r.at) > Date.parse(at));
      if (next < 0) next = sim.requests.length;
      await opts.onProgress?.(at, done, sim.requests.length);
    }
    const result = await handle.result();
    runs = result.runs;
    finalStatus = await cc.status(plan.id);
  };

  try {
    if (external) await drive();
    else await driveWithWorker(opts, drive, { ledgerUrl, outboxDir, taskQueue });
  } finally {
    await orgLedger.close();
  }
  const ledger = await openLedger(ledgerUrl);
  const sent = await ledger.events({ campaignId: plan.id, kinds: ['message-sent'] });
  await ledger.close();
  const mailByKind: Record<string, number> = {};
  for (const e of sent) {
    const kind = mailKindOfStep(e.step ?? 'unknown');
    mailByKind[kind] = (mailByKind[kind] ?? 0) + 1;
  }
  return {
    sim,
    workDir,
    ledgerUrl,
    outboxDir,
    mailByKind,
    campaignRuns: runs,
    finalStatus: finalStatus!,
    wallMs: Date.now() - started,
  };
}

/** Runs `drive` beside an in-process worker with an outbox mailer and the ledger at `ledgerUrl`. */
async function driveWithWorker(
  opts: SimulationOptions,
  drive: () => Promise<void>,
  where: { ledgerUrl: string; outboxDir: string; taskQueue: string },
): Promise<void> {
  const { env } = opts;
  const ledger: LedgerStore = await openLedger(where.ledgerUrl);
  const mailer = await createMailer({
    url: `outbox:${where.outboxDir}`,
    from: 'campaign-office@example.org',
    baseUrl: 'http://localhost:8080',
    ledger,
  });
  if (!env.nativeConnection) throw new Error('runSimulation: an in-process worker needs env.nativeConnection');
  const worker = await createWorker({
    connection: env.nativeConnection,
    taskQueue: where.taskQueue,
    deps: { ledger, mailer, client: env.client },
    workflowBundle: opts.workflowBundle,
    options: opts.workerOptions,
  });
  try {
    await worker.runUntil(drive);
  } finally {
    await mailer.close();
    await ledger.close();
  }
}

/**
 * A rehearsal on a time-skipping server of its own, started for it and stopped after it (the
 * `simulate` command): the ledger and the outbox stay in the run's workDir.
 */
export async function rehearse(opts: Omit<SimulationOptions, 'env'>): Promise<SimulationRun> {
  const env = await createTimeSkippingEnv();
  try {
    return await runSimulation({ ...opts, env });
  } finally {
    await env.teardown();
  }
}
