/**
 * What every workflow of one campaign carries: the few plan facts that deadlines need (not
 * the whole plan, which would be copied into every child's start event), the clock, and
 * engine options. JSON-plain.
 */
import type { ClockSpec } from '../clock';
import type { Plan } from '../plan-schema';

export interface EngineOptions {
  /** Deadline workflows per batch (Temporal allows 2,000 pending children; we stay well under). */
  batchSize: number;
  /** Server milliseconds a batch waits before telling its campaign about more changes. */
  reportEveryMs: number;
  /** Continue-as-new once a campaign run has this many history events … */
  maxRunEvents: number;
  /** … or this many bytes of history. */
  maxRunBytes: number;
  /** Set search attributes (the servers have them registered; see domain/engine/search-attributes.ts). */
  searchAttributes: boolean;
  /** Plan milliseconds a deadline stays open for late submissions after its last step. */
  graceMs: number;
  /** Bytes of batch inputs being started at once (default: START_BYTES_IN_FLIGHT in workflows/admission-queue.ts). */
  maxStartBytesInFlight?: number;
  /**
   * Server milliseconds a worker may take over one task of the campaign or of a batch before the
   * server hands the task to another worker (Temporal's default: 10 s; unset means that). Their
   * histories grow to a thousand events and more, and a worker busy with thousands of deadlines
   * took longer than 10 s over such a task: the server then expired it, the worker dropped the
   * run from its cache, and the next attempt replayed the whole history and expired again (1,390
   * times in one phase of a 5,000-branch rehearsal). Runs after a continue-as-new keep it.
   */
  workflowTaskTimeoutMs?: number;
}

export const DEFAULT_ENGINE_OPTIONS: EngineOptions = {
  batchSize: 250,
  reportEveryMs: 30_000,
  maxRunEvents: 2_000,
  maxRunBytes: 2_000_000,
  searchAttributes: true,
  graceMs: 30 * 24 * 3600 * 1000,
  workflowTaskTimeoutMs: 60_000,
};

export interface CampaignContext {
  campaignId: string;
  title: string;
  timeZone: string;
  locale: 'zh' | 'en';
  officeHours: Plan['officeHours'];
  clock: ClockSpec;
  options: EngineOptions;
  /** The campaign workflow's id, for batches to report to. */
  campaignWorkflowId: string;
}

/** The context of a campaign run of `plan` (its workflow id is the campaign's, for batches to report to). */
export function campaignContext(
  plan: Plan,
  clock: ClockSpec,
  options: EngineOptions,
  campaignWorkflowId: string,
): CampaignContext {
  return {
    campaignId: plan.id,
    title: plan.title,
    timeZone: plan.timeZone,
    locale: plan.locale,
    officeHours: plan.officeHours,
    clock,
    options,
    campaignWorkflowId,
  };
}

/** The slice of a plan that `stepsForDue` and `reviewDueAt` read, rebuilt as a Plan. */
export function planForSteps(ctx: CampaignContext): Plan {
  return {
    id: ctx.campaignId,
    title: ctx.title,
    timeZone: ctx.timeZone,
    locale: ctx.locale,
    officeHours: ctx.officeHours,
    openEndedHorizon: '+2y',
    phases: [],
    obligations: [],
  };
}

export function campaignWorkflowId(campaignId: string): string {
  return `campaign/${campaignId}`;
}

/** A campaign's weekly digest (workflows/digest.ts): one at most. */
export function digestWorkflowId(campaignId: string): string {
  return `digest/${campaignId}`;
}

/** What the id of every batch of a cycle begins with: its own (`#0`…), an event's and those that joined it. */
export function cycleBatchPrefix(campaignId: string, obligationKey: string, cycleKey: string): string {
  return `${campaignId}/${obligationKey}/${cycleKey}#`;
}

export function batchWorkflowId(campaignId: string, obligationKey: string, cycleKey: string, index: number): string {
  return `${cycleBatchPrefix(campaignId, obligationKey, cycleKey)}${index}`;
}

/** The batch of one unit's deadline that an event opened (domain/engine/events.ts). */
export function eventBatchWorkflowId(
  campaignId: string,
  obligationKey: string,
  cycleKey: string,
  unitId: string,
): string {
  return `${cycleBatchPrefix(campaignId, obligationKey, cycleKey)}${unitId}`;
}

/**
 * The `n`th batch of units that joined a cycle open already (since v0.23, `joinOpenCycles`): a
 * branch founded after the cycle opened. `+` keeps it apart from the cycle's own batches (`#0`…)
 * and an event's (`#<unit>`), since no unit id has one (domain/ids.ts).
 */
export function joinedBatchWorkflowId(campaignId: string, obligationKey: string, cycleKey: string, n: number): string {
  return `${cycleBatchPrefix(campaignId, obligationKey, cycleKey)}+${n}`;
}

export function deadlineWorkflowId(
  campaignId: string,
  obligationKey: string,
  cycleKey: string,
  unitId: string,
): string {
  return `${campaignId}/${obligationKey}/${cycleKey}/${unitId}`;
}

/** The leader review of one unit's report: a deadline of the reviewer, started by the report's deadline. */
export function reviewWorkflowId(campaignId: string, obligationKey: string, cycleKey: string, unitId: string): string {
  return deadlineWorkflowId(campaignId, `${obligationKey}.review`, cycleKey, unitId);
}

/**
 * The review that ledger keys name, if they name one. A review's rows are the reviewer's, under
 * the obligation `<report>.review` and the cycle `<cycle>:<reviewed unit>`.
 */
export function reviewOfLedgerKeys(
  obligationKey: string,
  cycleKey: string,
): { obligationKey: string; cycleKey: string; reviewedUnitId: string } | undefined {
  const [cycle, reviewed] = cycleKey.split(':');
  if (!obligationKey.endsWith('.review') || cycle === undefined || reviewed === undefined) return undefined;
  return { obligationKey: obligationKey.slice(0, -'.review'.length), cycleKey: cycle, reviewedUnitId: reviewed };
}

/**
 * The keys the engine (its workflow id, the client's requests) knows the deadline by whose
 * ledger rows carry these: a review's workflow is named after the unit it reviews
 * (reviewWorkflowId), and so are its events' ids and its receipt's number.
 */
export function engineKeysOfLedgerKeys(
  obligationKey: string,
  cycleKey: string,
  unitId: string,
): { obligationKey: string; cycleKey: string; unitId: string } {
  const review = reviewOfLedgerKeys(obligationKey, cycleKey);
  if (!review) return { obligationKey, cycleKey, unitId };
  return { obligationKey: `${review.obligationKey}.review`, cycleKey: review.cycleKey, unitId: review.reviewedUnitId };
}

/** The workflow id of the deadline whose ledger rows carry these keys (engineKeysOfLedgerKeys). */
export function deadlineIdOfLedgerKeys(
  campaignId: string,
  obligationKey: string,
  cycleKey: string,
  unitId: string,
): string {
  const k = engineKeysOfLedgerKeys(obligationKey, cycleKey, unitId);
  return deadlineWorkflowId(campaignId, k.obligationKey, k.cycleKey, k.unitId);
}
