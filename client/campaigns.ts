/**
 * Typed helpers over @temporalio/client for everything a person does to a campaign: start it,
 * ask its status, advance a phase, submit, extend, waive, list deadlines. Each bad request
 * gets an error that says what was wrong (`CampaignRequestError`, with a stable code).
 */
import type { Client } from '@temporalio/client';
import {
  QueryNotRegisteredError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type WorkflowHandle,
  type WorkflowHandleWithFirstExecutionRunId,
} from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import type { Plan } from '../domain/plan-schema';
import type { DeadlineCounts, DeadlineState } from '../domain/deadline-state';
import type { Org } from '../domain/org-schema';
import type { OrgRef } from '../domain/engine/org-ref';
import { planTime, REAL_TIME, type ClockSpec } from '../domain/clock';
import { checkCampaignInputSize } from '../domain/limits';
import type { LedgerStore, OrgStore } from '../ledger/types';
import { recordCampaignStart, type StartedVia } from '../ledger/campaign-starts';
import { parsedOrgVersions } from '../ledger/org-versions';
import { directoryUnits } from '../domain/engine/org-by-reference';
import { statusAt } from '../domain/engine/status-at';
import { sameSubmission } from '../domain/engine/requests';
import { checkId, IdInputError } from '../domain/ids';
import {
  CampaignIdKey,
  CommitteeIdKey,
  CycleKeyKey,
  DeadlineStateKey,
  keywordIn,
  keywordIs,
  ObligationKeyKey,
  UnitIdKey,
} from '../domain/engine/search-attributes';
import { connectTemporalClient, localTemporalSettings, type TemporalSettings } from '../config/temporal-connection';
import { describeWorkflow, lastPollAgoMs, noRecentPoll, noWorkerMessage } from './worker-check';
import { digestInputOf, startDigest } from './digest';
import {
  campaignWorkflowId,
  deadlineWorkflowId,
  DEFAULT_ENGINE_OPTIONS,
  type EngineOptions,
} from '../domain/engine/context';
import type { campaignWorkflow } from '../workflows/campaign';
import type { deadlineWorkflow } from '../workflows/deadline';
import {
  advancePhaseUpdate,
  campaignDirectoryQuery,
  campaignStatusQuery,
  deadlineStatusQuery,
  endPhaseUpdate,
  extendUpdate,
  followOrgUpdate,
  joinOpenCyclesUpdate,
  openCyclesQuery,
  openForEventUpdate,
  stopCampaignUpdate,
  submitUpdate,
  waiveUpdate,
  type AdvancePhaseRequest,
  type CampaignDirectory,
  type CampaignEvent,
  type CampaignStatus,
  type CampaignStop,
  type EventOpening,
  type EndPhaseRequest,
  type DeadlineStatus,
  type ExtendRequest,
  type FollowOrgRequest,
  type JoinOpenCyclesRequest,
  type OpenCycle,
  type OpenCyclesJoined,
  type OrgFollowed,
  type PhaseChange,
  type Receipt,
  type SubmitRequest,
  type WaiveRequest,
  type StopCampaignRequest,
} from '../workflows/messages';

export type RequestErrorCode =
  | 'CAMPAIGN_EXISTS'
  | 'CAMPAIGN_NOT_FOUND'
  | 'UNKNOWN_UNIT'
  | 'UNKNOWN_OBLIGATION'
  | 'CYCLE_NOT_OPEN'
  | 'CAMPAIGN_FAILED'
  | 'NO_WORKER'
  | 'NOT_READY'
  | 'REJECTED';

/** How long a query waits for a workflow just started to run its first task (where it registers its queries). */
export const FIRST_TASK_WAIT_MS = 10_000;

/**
 * A workflow registers its queries in its first workflow task: until a worker has run that task
 * (a campaign or a deadline just started), the server answers "not registered". Asked again for a
 * while rather than shown as an error; one whose first task never completes says so.
 */
export async function afterFirstTask<T>(what: string, fn: () => Promise<T>, waitMs = FIRST_TASK_WAIT_MS): Promise<T> {
  const until = Date.now() + waitMs;
  for (let delay = 100; ; delay = Math.min(delay * 2, 1000)) {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof QueryNotRegisteredError)) throw err;
      if (Date.now() + delay > until)
        throw new CampaignRequestError(
          'NOT_READY',
          `${what} has not run its first step yet: it was just started, or its worker keeps failing it (see the worker's log)`,
        );
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

/** Thrown for every request the service refuses; `code` says which kind of refusal. */
export class CampaignRequestError extends Error {
  override readonly name = 'CampaignRequestError';
  constructor(
    readonly code: RequestErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A client of the Temporal server `target` names: the configuration's settings (TLS, API key,
 * namespace; config/temporal-connection.ts), or a plain local address (tests, benchmarks). A
 * failure is a `TemporalConnectionError` that says what to check.
 */
export function connectClient(target: TemporalSettings | string, connectTimeout?: Duration): Promise<Client> {
  return connectTemporalClient(typeof target === 'string' ? localTemporalSettings(target) : target, connectTimeout);
}

/** The reason an update was refused: the validator's message, not the wrapper's. */
function rejection(err: unknown, deadlineId?: string): never {
  if (err instanceof WorkflowUpdateFailedError) {
    const cause = err.cause;
    throw new CampaignRequestError('REJECTED', cause?.message ?? err.message);
  }
  // The deadline was open when we looked but closed before the update reached it (a
  // submission, a waiver or the end of its ladder in between): say so, like a closed one.
  if (deadlineId !== undefined && err instanceof WorkflowNotFoundError) {
    throw new CampaignRequestError('CYCLE_NOT_OPEN', `the deadline ${deadlineId} is closed`);
  }
  throw err;
}

/** Refuses a request the campaign's directory says cannot be right: unknown obligation or unit, cycle not open. */
function checkRequest(
  dir: CampaignDirectory,
  campaignId: string,
  obligationKey: string,
  cycleKey: string,
  unitId: string,
): void {
  const base = obligationKey.endsWith('.review') ? obligationKey.slice(0, -'.review'.length) : obligationKey;
  const ob = dir.obligations.find((o) => o.key === base && (base === obligationKey || o.hasReview));
  if (!ob) {
    throw new CampaignRequestError(
      'UNKNOWN_OBLIGATION',
      `unknown obligation "${obligationKey}" in campaign ${campaignId} (known: ${dir.obligations.map((o) => o.key).join(', ')})`,
    );
  }
  if (!dir.units.some((u) => u.id === unitId)) {
    throw new CampaignRequestError('UNKNOWN_UNIT', `unknown unit "${unitId}" in campaign ${campaignId}`);
  }
  if (!dir.launched.includes(`${base}/${cycleKey}`)) {
    const open = dir.launched.filter((k) => k.startsWith(`${base}/`)).map((k) => k.slice(base.length + 1));
    throw new CampaignRequestError(
      'CYCLE_NOT_OPEN',
      `cycle "${cycleKey}" of ${obligationKey} is not open (opened so far: ${open.join(', ') || 'none'})`,
    );
  }
}

export interface StartCampaignRequest {
  plan: Plan;
  org: Org;
  taskQueue: string;
  clock?: ClockSpec;
  options?: Partial<EngineOptions>;
}

export class CampaignClient {
  private readonly directories = new Map<string, { at: number; dir: Promise<CampaignDirectory> }>();

  /**
   * `directoryCacheMs`: how long a campaign's directory may be reused (0, the CLI's, asks every
   * time). A long-running client such as the web service reuses it, because every query of a
   * campaign waits its turn on that one workflow; a request the cached directory refuses asks
   * again before it is refused, so a cycle opened meanwhile is never missed.
   */
  constructor(
    readonly client: Client,
    private readonly directoryCacheMs = 0,
    /**
     * The ledger, when the client has one: campaigns are then started with the organisation by
     * reference (stored there as a version; the input carries its hash), and a directory's units
     * are read from the stored version. Without it the organisation travels in the input, which
     * caps it near 7,000 branches (domain/limits.ts).
     */
    private readonly orgs?: OrgStore,
    /**
     * The Temporal server's time, epoch ms: a deadline's status counts the steps its batch has
     * mailed since the deadline last woke (`statusAt`). The host's clock is the server's on a
     * live deployment; a test on the time-skipping server hands in the server's own.
     */
    private readonly serverNow: () => number | Promise<number> = Date.now,
  ) {}

  campaign(campaignId: string): WorkflowHandle<typeof campaignWorkflow> {
    checkId('key', campaignId, 'campaign');
    return this.client.workflow.getHandle<typeof campaignWorkflow>(campaignWorkflowId(campaignId));
  }

  async start(req: StartCampaignRequest): Promise<WorkflowHandleWithFirstExecutionRunId<typeof campaignWorkflow>> {
    const workflowId = campaignWorkflowId(req.plan.id);
    const options = { ...DEFAULT_ENGINE_OPTIONS, ...req.options };
    // Temporal would refuse the input only after it travelled, as "Failed to start Workflow".
    const orgRef = this.orgs ? await this.orgs.storeOrg(req.plan.id, req.org) : undefined;
    if (!orgRef) checkCampaignInputSize(req.plan, req.org, { clock: req.clock, options });
    try {
      return await this.client.workflow.start<typeof campaignWorkflow>('campaignWorkflow', {
        workflowId,
        taskQueue: req.taskQueue,
        // One campaign per id: a running or completed campaign's id is not reused; a failed one's
        // may be, so that the office starts it again once its input is put right (README).
        workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
        workflowTaskTimeout: options.workflowTaskTimeoutMs,
        args: [
          {
            plan: req.plan,
            ...(orgRef ? { orgRef } : { org: req.org }),
            clock: req.clock ?? { originPlanMs: 0, originServerMs: 0, scale: 1 },
            options,
          },
        ],
      });
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) {
        throw new CampaignRequestError('CAMPAIGN_EXISTS', `a campaign with id "${req.plan.id}" already exists`);
      }
      throw err;
    }
  }

  /** Recent checks that a campaign is served, so that one command (or one web request) checks once. */
  private readonly served = new Map<string, { at: number; check: Promise<void> }>();

  /**
   * Whether the campaign can answer: it exists, did not fail, and a worker polls its task queue.
   * Each is asked of the server, which answers at once; the query or update itself would wait for
   * a worker that is not there and end with "Failed to query Workflow". A check is reused for a
   * few seconds; a worker that dies meanwhile is caught by the query's own deadline.
   */
  private checkServed(campaignId: string, h: WorkflowHandle): Promise<void> {
    const hit = this.served.get(campaignId);
    if (hit && Date.now() - hit.at < SERVED_CHECK_REUSE_MS) return hit.check;
    const check = (async () => {
      const w = await describeWorkflow(h);
      if (w.state === 'not-found') throw new CampaignRequestError('CAMPAIGN_NOT_FOUND', `no campaign "${campaignId}"`);
      if (w.state === 'closed' && w.failure !== undefined)
        throw new CampaignRequestError(
          'CAMPAIGN_FAILED',
          `campaign "${campaignId}" ${w.status.toLowerCase().replace('_', ' ')}: ${w.failure}`,
        );
      if (w.state === 'running') {
        const ago = await lastPollAgoMs(this.client, w.taskQueue);
        if (noRecentPoll(ago))
          throw new CampaignRequestError('NO_WORKER', noWorkerMessage(w.taskQueue, ago ?? undefined));
      }
    })();
    check.catch(() => this.served.delete(campaignId));
    this.served.set(campaignId, { at: Date.now(), check });
    return check;
  }

  private async ask<T>(campaignId: string, fn: (h: WorkflowHandle<typeof campaignWorkflow>) => Promise<T>): Promise<T> {
    const h = this.campaign(campaignId);
    await this.checkServed(campaignId, h);
    try {
      return await fn(h);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) {
        throw new CampaignRequestError('CAMPAIGN_NOT_FOUND', `no campaign "${campaignId}"`);
      }
      throw err;
    }
  }

  /**
   * A query. When it fails without an answer (the server gave up waiting for a worker), the
   * error says which task queue had no worker answering and when a worker last polled it.
   */
  private query<T>(campaignId: string, fn: (h: WorkflowHandle<typeof campaignWorkflow>) => Promise<T>): Promise<T> {
    return this.ask(campaignId, async (h) => {
      try {
        return await afterFirstTask(`campaign "${campaignId}"`, () => fn(h));
      } catch (err) {
        if (!isUnanswered(err)) throw err;
        const w = await describeWorkflow(h);
        if (w.state !== 'running') throw err;
        const ago = await lastPollAgoMs(this.client, w.taskQueue);
        if (ago === null) throw err;
        throw new CampaignRequestError(
          'NO_WORKER',
          `campaign "${campaignId}" did not answer (${(err as Error).message}): ${noWorkerMessage(w.taskQueue, ago)}`,
        );
      }
    });
  }

  status(campaignId: string): Promise<CampaignStatus> {
    return this.query(campaignId, (h) => h.query(campaignStatusQuery));
  }

  /**
   * The input of the campaign's current run (plan, organisation, clock), from its first event:
   * continue-as-new carries it on. The web console reads the plan's names and calendar from it.
   */
  async startInput(
    campaignId: string,
  ): Promise<{ plan?: Plan; org?: Org; orgRef?: OrgRef; clock?: ClockSpec } | undefined> {
    await this.ask(campaignId, (h) => h.describe());
    const { history } = await this.client.workflowService.getWorkflowExecutionHistory({
      namespace: this.client.options.namespace,
      execution: { workflowId: campaignWorkflowId(campaignId) },
      maximumPageSize: 1,
    });
    const payloads = history?.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? [];
    const converter = this.client.options.loadedDataConverter.payloadConverter;
    return payloads[0]
      ? converter.fromPayload<{ plan?: Plan; org?: Org; orgRef?: OrgRef; clock?: ClockSpec }>(payloads[0])
      : undefined;
  }

  /**
   * The campaign's clock (from its input), so that a person is shown the plan time now rather
   * than the campaign's last wake-up, which may be hours of plan time behind in a rehearsal.
   */
  async clock(campaignId: string): Promise<ClockSpec> {
    return (await this.startInput(campaignId))?.clock ?? REAL_TIME;
  }

  /** The campaign's plan time now (ISO): the wall clock for a live campaign, the plan's own dates in a rehearsal. */
  async planNow(campaignId: string): Promise<string> {
    return new Date(planTime(await this.clock(campaignId), Date.now())).toISOString();
  }

  directory(campaignId: string, fresh = false): Promise<CampaignDirectory> {
    if (this.directoryCacheMs <= 0) return this.askDirectory(campaignId);
    const hit = this.directories.get(campaignId);
    if (!fresh && hit && Date.now() - hit.at < this.directoryCacheMs) return hit.dir;
    const dir = this.askDirectory(campaignId);
    this.directories.set(campaignId, { at: Date.now(), dir });
    dir.catch(() => this.directories.delete(campaignId));
    return dir;
  }

  /**
   * The campaign's directory as its workflow answers it: its zone, obligations and cycles, and its
   * units only when the campaign carries its organisation (`units` empty by reference). For what
   * needs no unit: the organisation is not read.
   */
  directoryWithoutUnits(campaignId: string): Promise<CampaignDirectory> {
    return this.query(campaignId, (h) => h.query(campaignDirectoryQuery));
  }

  /** The cycles open now, which units new to them may join (since v0.23, `joinOpenCycles`). */
  openCycles(campaignId: string): Promise<OpenCycle[]> {
    return this.query(campaignId, (h) => h.query(openCyclesQuery));
  }

  /** The campaign's directory; by reference (since v0.13), its units from the stored organisation. */
  private async askDirectory(campaignId: string): Promise<CampaignDirectory> {
    const dir = await this.directoryWithoutUnits(campaignId);
    if (!dir.orgRef) return dir;
    let units = this.unitsByOrg.get(dir.orgRef.hash);
    if (!units) {
      units = directoryUnits(await this.storedOrg(campaignId, dir.orgRef));
      if (this.unitsByOrg.size >= 4) this.unitsByOrg.clear(); // a client serves a few campaigns at most
      this.unitsByOrg.set(dir.orgRef.hash, units);
    }
    return { ...dir, units };
  }

  private async storedOrg(campaignId: string, ref: NonNullable<CampaignDirectory['orgRef']>): Promise<Org> {
    if (!this.orgs)
      throw new Error(`campaign "${campaignId}" holds its organisation in the ledger: this client was given no ledger`);
    const org = await parsedOrgVersions(this.orgs)(ref.hash);
    if (!org) throw new Error(`campaign "${campaignId}": organisation version ${ref.version} is not in this ledger`);
    return org;
  }

  /** The organisation the campaign runs on: from its input, or the stored version it names (by reference, the latest it follows). */
  async campaignOrg(campaignId: string): Promise<Org> {
    // The directory as the client keeps it: a campaign's organisation changes only when a re-import
    // has it follow the file (which drops the cached directory), and the office's dashboard asks at every look.
    const dir = await this.directory(campaignId);
    if (dir.orgRef) return this.storedOrg(campaignId, dir.orgRef);
    const org = (await this.startInput(campaignId))?.org;
    if (!org) throw new CampaignRequestError('CAMPAIGN_NOT_FOUND', `campaign "${campaignId}" has no organisation`);
    return org;
  }

  /** A stored organisation's units, by its content hash: a version never changes, and 20,000 units are 5 MB of JSON to parse. */
  private readonly unitsByOrg = new Map<string, CampaignDirectory['units']>();

  async advance(campaignId: string, req: AdvancePhaseRequest): Promise<PhaseChange> {
    return this.ask(campaignId, (h) =>
      h.executeUpdate(advancePhaseUpdate, { args: [req] }).catch((err) => rejection(err)),
    );
  }

  async endPhase(campaignId: string, req: EndPhaseRequest): Promise<PhaseChange> {
    return this.ask(campaignId, (h) => h.executeUpdate(endPhaseUpdate, { args: [req] }).catch((err) => rejection(err)));
  }

  /**
   * The office stops the campaign before its plan ends it (since v0.26): nothing more opens, every
   * deadline still open is waived with the reason, every unit is mailed, and the campaign completes
   * once its batches have. Answers the stop as recorded; a second stop is refused.
   */
  async stop(campaignId: string, req: StopCampaignRequest): Promise<CampaignStop> {
    try {
      return await this.ask(campaignId, (h) =>
        h.executeUpdate(stopCampaignUpdate, { args: [req] }).catch((err) => rejection(err)),
      );
    } catch (err) {
      // A campaign that has completed takes no update: say that it ended, and how, rather than "no campaign".
      if (!(err instanceof CampaignRequestError) || err.code !== 'CAMPAIGN_NOT_FOUND') throw err;
      const ended = await this.campaign(campaignId)
        .result()
        .catch(() => undefined);
      if (!ended) throw err;
      const s = ended.stopped;
      throw new CampaignRequestError(
        'REJECTED',
        s ? `stop: the campaign was stopped at ${s.at} by ${s.by}` : 'stop: the campaign has ended by its plan',
      );
    }
  }

  /**
   * Something happened to one unit: a grade recorded (at any step, any letter) or a new branch
   * secretary appointed. The campaign opens what its plan's `openedBy` declares for it (a C/D
   * branch's rectification report, a new secretary's training), once: the same event again
   * answers with the deadline in `alreadyOpen`. Grades are checked by whoever records them; the
   * campaign checks the unit and the fields, naming the field it refuses.
   */
  async openForEvent(campaignId: string, event: CampaignEvent): Promise<EventOpening> {
    checkId('unit', String(event?.unitId), 'unitId');
    // The campaign checks the unit itself (by reference, against the stored organisation), so
    // no ledger is needed here: its refusal names the field, and an unknown unit keeps its code.
    const reply = await this.ask(campaignId, (h) =>
      h.executeUpdate(openForEventUpdate, { args: [event] }).catch((err) => rejection(err)),
    ).catch((err: unknown) => {
      if (err instanceof CampaignRequestError && err.message.startsWith('event: unitId: no unit'))
        throw new CampaignRequestError('UNKNOWN_UNIT', err.message);
      throw err;
    });
    // A cached directory does not list the cycle just opened: the next request must see it.
    if (reply.opened.length > 0) this.directories.delete(campaignId);
    return reply;
  }

  /**
   * Has the campaign open its later cycles for a re-imported organisation version (since v0.22,
   * `followOrg`): the re-import does this itself (client/org-reimport.ts). A campaign that
   * carries its organisation in its input cannot follow: its refusal comes back as REJECTED.
   */
  async followOrg(campaignId: string, req: FollowOrgRequest): Promise<OrgFollowed> {
    const reply = await this.ask(campaignId, (h) =>
      h.executeUpdate(followOrgUpdate, { args: [req] }).catch((err) => rejection(err)),
    );
    // The directory names the version the campaign runs on: the next request must see the new one.
    this.directories.delete(campaignId);
    return reply;
  }

  /**
   * Has the units of the version a campaign follows that lack a deadline in a cycle open now join
   * it (since v0.23, `joinOpenCycles`): a branch founded in the middle of a quarter reports for
   * it too. The re-import asks it when the office says so (client/org-reimport.ts).
   */
  async joinOpenCycles(campaignId: string, req: JoinOpenCyclesRequest): Promise<OpenCyclesJoined> {
    return this.ask(campaignId, (h) =>
      h.executeUpdate(joinOpenCyclesUpdate, { args: [req] }).catch((err) => rejection(err)),
    );
  }

  /**
   * The organisation a campaign started on (its first run's `orgRef` or `org`, which every run
   * carries on): what a re-import is compared with when none came before it.
   */
  async startOrg(campaignId: string): Promise<Org> {
    const input = await this.startInput(campaignId);
    if (input?.orgRef) return this.storedOrg(campaignId, input.orgRef);
    if (input?.org) return input.org;
    throw new CampaignRequestError('CAMPAIGN_NOT_FOUND', `campaign "${campaignId}" has no organisation`);
  }

  /**
   * The deadline workflow of one unit's cycle, after checking the request against what the
   * campaign knows, so that a typo gets "unknown unit" rather than "not found".
   */
  async deadline(campaignId: string, obligationKey: string, cycleKey: string, unitId: string): Promise<WorkflowHandle> {
    checkId('obligation', obligationKey, 'obligation');
    checkId('cycle', cycleKey, 'cycle');
    checkId('unit', unitId, 'unit');
    try {
      checkRequest(await this.directory(campaignId), campaignId, obligationKey, cycleKey, unitId);
    } catch (err) {
      if (this.directoryCacheMs <= 0 || !(err instanceof CampaignRequestError)) throw err;
      checkRequest(await this.directory(campaignId, true), campaignId, obligationKey, cycleKey, unitId);
    }
    const handle = this.client.workflow.getHandle(deadlineWorkflowId(campaignId, obligationKey, cycleKey, unitId));
    try {
      const d = await handle.describe();
      if (d.status.name !== 'RUNNING') {
        throw new CampaignRequestError(
          'CYCLE_NOT_OPEN',
          `the deadline ${handle.workflowId} is closed (${d.status.name.toLowerCase()})`,
        );
      }
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) {
        throw new CampaignRequestError(
          'CYCLE_NOT_OPEN',
          `unit ${unitId} has no deadline for ${obligationKey} ${cycleKey}`,
        );
      }
      throw err;
    }
    return handle;
  }

  async submit(
    campaignId: string,
    obligationKey: string,
    cycleKey: string,
    unitId: string,
    req: SubmitRequest,
  ): Promise<Receipt> {
    try {
      const h = await this.deadline(campaignId, obligationKey, cycleKey, unitId);
      return await h.executeUpdate(submitUpdate, { args: [req] }).catch((err) => rejection(err, h.workflowId));
    } catch (err) {
      // The deadline ended with a submission: the same submission again gets the same receipt.
      if (!(err instanceof CampaignRequestError) || err.code !== 'CYCLE_NOT_OPEN') throw err;
      const done = this.client.workflow.getHandle<typeof deadlineWorkflow>(
        deadlineWorkflowId(campaignId, obligationKey, cycleKey, unitId),
      );
      const result = await done.result().catch(() => undefined);
      if (result?.receipt && result.submission && sameSubmission(result.submission, req)) return result.receipt;
      if (result?.receipt) {
        throw new CampaignRequestError(
          'REJECTED',
          `submit: ${done.workflowId} was already submitted at ${result.receipt.receivedAt}`,
        );
      }
      throw err;
    }
  }

  async extend(
    campaignId: string,
    obligationKey: string,
    cycleKey: string,
    unitId: string,
    req: ExtendRequest,
  ): Promise<DeadlineStatus> {
    const h = await this.deadline(campaignId, obligationKey, cycleKey, unitId);
    return h.executeUpdate(extendUpdate, { args: [req] }).catch((err) => rejection(err, h.workflowId));
  }

  async waive(
    campaignId: string,
    obligationKey: string,
    cycleKey: string,
    unitId: string,
    req: WaiveRequest,
  ): Promise<DeadlineStatus> {
    const h = await this.deadline(campaignId, obligationKey, cycleKey, unitId);
    return h.executeUpdate(waiveUpdate, { args: [req] }).catch((err) => rejection(err, h.workflowId));
  }

  async deadlineStatus(
    campaignId: string,
    obligationKey: string,
    cycleKey: string,
    unitId: string,
  ): Promise<DeadlineStatus> {
    const h = this.client.workflow.getHandle(deadlineWorkflowId(campaignId, obligationKey, cycleKey, unitId));
    const status = await afterFirstTask(`deadline ${h.workflowId}`, () => h.query(deadlineStatusQuery));
    return statusAt(status, await this.serverNow());
  }

  /** Open deadlines from Temporal's visibility, filtered by the search attributes. */
  async list(campaignId: string, filter: DeadlineFilter = {}): Promise<DeadlineStatus[]> {
    const ids: string[] = [];
    for await (const wf of this.client.workflow.list({ query: deadlineListQuery(campaignId, filter) }))
      ids.push(wf.workflowId);
    // Each deadline answers on its own workflow: a few queries at a time, not one after another.
    const out: DeadlineStatus[] = [];
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < ids.length) {
        const id = ids[next++]!;
        try {
          const h = this.client.workflow.getHandle(id);
          // Listed by visibility as soon as it starts: maybe before its first task has run.
          const status = await afterFirstTask(`deadline ${id}`, () => h.query(deadlineStatusQuery));
          out.push(statusAt(status, await this.serverNow()));
        } catch (err) {
          if (!(err instanceof WorkflowNotFoundError)) throw err; // closed between list and query
        }
      }
    };
    await Promise.all(Array.from({ length: LIST_QUERY_LANES }, lane));
    return out.sort((a, b) => a.dueAt.localeCompare(b.dueAt) || a.unitId.localeCompare(b.unitId));
  }

  /**
   * The campaign's deadlines by colour, counted in Temporal's visibility: the source `list`
   * reads, so that the two agree. (The campaign's own counts come from its batches, which
   * report at most every `reportEveryMs`, 30 s, and so trail what a person sees in `list`.)
   * Closed: every deadline run that ended, but not one that continued as new.
   */
  async deadlineCounts(campaignId: string): Promise<DeadlineCounts> {
    const count = async (q: string): Promise<number> => (await this.client.workflow.count(q)).count;
    const byState = (state: DeadlineState): Promise<number> =>
      count(`${openDeadlinesOf(campaignId)} AND ${keywordIs(DeadlineStateKey, state)}`);
    const [green, blue, yellow, red, closed] = await Promise.all([
      byState('green'),
      byState('blue'),
      byState('yellow'),
      byState('red'),
      count(
        `${keywordIs(CampaignIdKey, checkId('key', campaignId, 'campaign'))} AND WorkflowType = 'deadlineWorkflow' AND ExecutionStatus != 'Running' AND ExecutionStatus != 'ContinuedAsNew'`,
      ),
    ]);
    return { green, blue, yellow, red, closed };
  }

  /**
   * How many of the campaign's open deadlines are leader reviews (since v0.15 they carry the
   * search attributes, under the obligation key `<report>.review`): a part of `deadlineCounts`.
   */
  async openReviewCount(campaignId: string): Promise<number> {
    const keys = (await this.directoryWithoutUnits(campaignId)).obligations
      .filter((o) => o.hasReview)
      .map((o) => checkId('obligation', `${o.key}.review`, 'obligation'));
    if (keys.length === 0) return 0;
    const q = `${openDeadlinesOf(campaignId)} AND ${keywordIn(ObligationKeyKey, keys)}`;
    return (await this.client.workflow.count(q)).count;
  }
}

/** The ids of the campaigns running now, from Temporal's visibility. */
export async function runningCampaigns(client: Client): Promise<string[]> {
  const ids: string[] = [];
  const query = `WorkflowType = 'campaignWorkflow' AND ExecutionStatus = 'Running'`;
  for await (const wf of client.workflow.list({ query })) {
    if (wf.workflowId.startsWith(CAMPAIGN_PREFIX)) ids.push(wf.workflowId.slice(CAMPAIGN_PREFIX.length));
  }
  return ids.sort();
}

const CAMPAIGN_PREFIX = campaignWorkflowId('');

/** Where a campaign id is already held: the engine's campaign, or the ledger's history of one. */
export type CampaignIdHolder = 'engine' | 'ledger';

/**
 * Why a new campaign cannot take this id, or undefined when it can. The engine holds a campaign
 * of it that runs, continued as new or completed; or the ledger holds the history of one that the
 * engine no longer keeps (its retention passed, or another Temporal): a new run would write its
 * facts under the ids of the old one's and be taken for it. A failed run's id may start again,
 * over the rows it left (README), as the engine allows. Asked by every way a campaign starts: the
 * console, the API and `start`.
 */
export async function campaignIdHolder(
  client: Client,
  ledger: Pick<LedgerStore, 'campaigns'>,
  campaignId: string,
): Promise<CampaignIdHolder | undefined> {
  try {
    const { status } = await client.workflow.getHandle(campaignWorkflowId(campaignId)).describe();
    return ['RUNNING', 'COMPLETED', 'CONTINUED_AS_NEW'].includes(status.name) ? 'engine' : undefined;
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
  return (await ledger.campaigns()).includes(campaignId) ? 'ledger' : undefined;
}

/** `campaignIdHolder`, refusing a held id as the engine refuses a second start (CAMPAIGN_EXISTS). */
async function checkCampaignIdFree(
  client: Client,
  ledger: Pick<LedgerStore, 'campaigns'>,
  campaignId: string,
): Promise<void> {
  const holder = await campaignIdHolder(client, ledger, campaignId);
  if (holder === 'engine')
    throw new CampaignRequestError('CAMPAIGN_EXISTS', `a campaign with id "${campaignId}" already exists`);
  if (holder === 'ledger')
    throw new CampaignRequestError(
      'CAMPAIGN_EXISTS',
      `the ledger holds a campaign with id "${campaignId}" that the engine no longer keeps; give the plan another id`,
    );
}

/**
 * Starts a campaign as a person does it (the console, the API, `start`): its id checked against
 * the engine and the ledger (`checkCampaignIdFree`), and the start recorded in the ledger with
 * who did it, from where and the plan (ledger/campaign-starts.ts).
 */
export async function startCampaignAs(
  cc: CampaignClient,
  ledger: Pick<LedgerStore, 'campaigns' | 'record'>,
  req: StartCampaignRequest,
  who: { by: string; via: StartedVia },
  /** `digest`: with its weekly digest (client/digest.ts) on from the start. */
  opts: { digest?: boolean } = {},
): Promise<WorkflowHandleWithFirstExecutionRunId<typeof campaignWorkflow>> {
  await checkCampaignIdFree(cc.client, ledger, req.plan.id);
  const h = await cc.start(req);
  await recordCampaignStart(ledger, {
    campaignId: req.plan.id,
    plan: req.plan,
    runId: h.firstExecutionRunId,
    ...who,
    clock: req.clock,
  });
  if (opts.digest) await startDigest(cc.client, req.taskQueue, digestInputOf(req.plan, req.clock ?? REAL_TIME));
  return h;
}

/** How long a check that a campaign is served is reused. */
const SERVED_CHECK_REUSE_MS = 5_000;

/** Deadline queries in flight at once while listing. */
const LIST_QUERY_LANES = 16;

/** The visibility query of a campaign's running deadlines (reports and reviews), from a checked id. */
const openDeadlinesOf = (campaignId: string): string =>
  `${keywordIs(CampaignIdKey, checkId('key', campaignId, 'campaign'))} AND ExecutionStatus = 'Running' AND WorkflowType = 'deadlineWorkflow'`;

export interface DeadlineFilter {
  committee?: string;
  unit?: string;
  obligation?: string;
  state?: string;
  cycle?: string;
}

export const DEADLINE_STATES = ['green', 'blue', 'yellow', 'red'] as const;

/**
 * The visibility query of `list`, built only from values that passed the id grammar or the list
 * of states: none of them can hold a quote or a backslash, so nothing is escaped (an escape of
 * `'` alone let `c-mech\` end the string early and break the query).
 */
export function deadlineListQuery(campaignId: string, f: DeadlineFilter): string {
  const q = [openDeadlinesOf(campaignId)];
  if (f.committee !== undefined) q.push(keywordIs(CommitteeIdKey, checkId('unit', f.committee, '--committee')));
  if (f.unit !== undefined) q.push(keywordIs(UnitIdKey, checkId('unit', f.unit, '--unit')));
  if (f.obligation !== undefined)
    q.push(keywordIs(ObligationKeyKey, checkId('obligation', f.obligation, '--obligation')));
  if (f.cycle !== undefined) q.push(keywordIs(CycleKeyKey, checkId('cycle', f.cycle, '--cycle')));
  if (f.state !== undefined) {
    if (!(DEADLINE_STATES as readonly string[]).includes(f.state))
      throw new IdInputError('--state', f.state, `one of ${DEADLINE_STATES.join(', ')}`);
    q.push(keywordIs(DeadlineStateKey, f.state));
  }
  return q.join(' AND ');
}

/** A query the server gave up on: no worker took it in time (gRPC DEADLINE_EXCEEDED, 4). */
function isUnanswered(err: unknown): boolean {
  const e = err as { code?: number; cause?: { code?: number }; message?: string };
  return e.code === 4 || e.cause?.code === 4 || /deadline exceeded|Failed to query Workflow/i.test(e.message ?? '');
}
