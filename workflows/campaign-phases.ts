/**
 * The state of a campaign and the rules that move it: its phases (at their dates, or when the
 * committee starts one early or ends an open-ended one), the cycles they open, the phases
 * announced, the batches launched and what they last reported. When the committee may move a
 * phase is domain/phase-changes.ts, by which rehearsals check behaviour files too. No Temporal
 * inside: the workflow (campaign.ts) wires handlers to these methods, does the activities and
 * the waiting, and carries `state` into the next run. Tests drive it with a clock of their own.
 */
import { DateTime } from 'luxon';
import type { Plan } from '../domain/plan-schema';
import type { Org } from '../domain/org-schema';
import type { CycleSchedule, PhaseWindow } from '../domain/calendar-types';
import { cyclesOf, intoOfficeHours, phaseWindows } from '../domain/calendar';
import { addCounts, ZERO_COUNTS } from '../domain/deadline-state';
import { orgSlice, responsibleUnits } from '../domain/org-slice';
import { announcementTargets, directoryUnits, ledgerUnitsOf, type OrgFacts } from '../domain/engine/org-by-reference';
import { advanceRefusal, endPhaseRefusal, isPhaseOpen } from '../domain/phase-changes';
import {
  batchWorkflowId,
  cycleBatchPrefix,
  deadlineWorkflowId,
  eventBatchWorkflowId,
  joinedBatchWorkflowId,
  type CampaignContext,
} from '../domain/engine/context';
import { campaignEventProblem, eventCycleKey, eventCycles } from '../domain/engine/events';
import { requestInstant, type ClockSpec } from '../domain/clock';
import type { BatchByReference, BatchInput, CampaignCarried, OrgRef } from '../domain/engine/inputs';
import type {
  AdvancePhaseRequest,
  BatchReport,
  CampaignDirectory,
  CampaignEvent,
  CampaignStatus,
  CampaignStop,
  EndPhaseRequest,
  EventDeadline,
  EventOpening,
  FollowOrgRequest,
  JoinedCycle,
  JoinOpenCyclesRequest,
  OpenCycle,
  OpenCyclesJoined,
  OrgFollowed,
  PhaseChange,
  StopCampaignRequest,
} from '../domain/engine/requests';
import type { LedgerEvent, LedgerUnit } from '../ledger/types';
import type { AnnounceRequest } from '../activities';

/** An organisation the campaign holds by reference (since v0.13): its hash, and what the activities told of it. */
export interface OrgByReference {
  ref: OrgRef;
  facts: OrgFacts;
}

const isBlank = (s: unknown): boolean => typeof s !== 'string' || s.trim() === '';

/** A campaign's first run starts from this. */
export function freshCampaignState(): CampaignCarried {
  return {
    phaseStarted: {},
    phaseEnded: {},
    changes: [],
    announced: [],
    launched: [],
    batches: {},
    unitsRegistered: false,
    runs: 0,
  };
}

const cycleKey = (c: CycleSchedule): string => `${c.obligationKey}/${c.cycleKey}`;

/** A cycle as the office reads it: which, and when it is due. */
export function openCycleOf(c: CycleSchedule): OpenCycle {
  const { obligationKey, cycleKey, cycleLabel, cycleLabelEn, dueAt } = c;
  return { obligationKey, cycleKey, cycleLabel, cycleLabelEn, dueAt };
}

export class CampaignPhases {
  /** Bumped by every phase change, to wake the workflow's wait. */
  version = 0;
  // The phase windows and the cycles in them change only when the committee moves a phase, yet
  // the loop, its wake conditions and every query ask for them: computed afresh each time, the
  // calendar work (office hours, holidays) made replaying a three-year campaign take a minute.
  // Both are pure functions of the committee's triggers, so the cache changes no command.
  private memo?: { key: string; windows: PhaseWindow[]; cycles?: CycleSchedule[] };

  constructor(
    private readonly plan: Plan,
    /**
     * The organisation itself (in the campaign's input), or by reference: since v0.22 the version
     * the campaign follows, which a re-import replaces (`followOrg`).
     */
    private org: Org | OrgByReference,
    /** What this run carries to the next: JSON-plain. */
    readonly state: CampaignCarried,
    /** Plan time now, epoch ms. */
    private readonly nowMs: () => number,
    /** The campaign's clock: on a rehearsal's, a request may name its own instant (domain/clock.ts). */
    private readonly clock?: ClockSpec,
  ) {}

  /** When a phase change takes effect: now, or the instant a rehearsal names. */
  private changeAt(req: { at?: string }, what: string): number {
    if (!this.clock) return this.nowMs();
    try {
      return requestInstant(this.clock, this.nowMs(), req.at);
    } catch (err) {
      throw new Error(`${what}: ${(err as Error).message}`);
    }
  }

  // ---- the calendar ----

  windows(): PhaseWindow[] {
    const key = JSON.stringify([this.state.phaseStarted, this.state.phaseEnded]);
    if (this.memo?.key !== key)
      this.memo = {
        key,
        windows: phaseWindows(this.plan, { started: this.state.phaseStarted, ended: this.state.phaseEnded }),
      };
    return this.memo.windows;
  }

  currentPhase(): string | undefined {
    // A stopped campaign has no running phase, whatever dates its plan gave the phases to come.
    if (this.state.stopped) return undefined;
    return this.windows().find((w) => isPhaseOpen(w, this.nowMs()))?.key;
  }

  private allCycles(): CycleSchedule[] {
    const ws = this.windows();
    return (this.memo!.cycles ??= this.plan.obligations.flatMap((o) => cyclesOf(this.plan, o, ws, {})));
  }

  /** The cycles not opened yet. */
  pendingCycles(): CycleSchedule[] {
    // A stopped campaign opens nothing more (since v0.26; older runs never hold a stop).
    if (this.state.stopped) return [];
    return this.allCycles().filter((c) => !this.state.launched.includes(cycleKey(c)));
  }

  /** Phases are announced when the office opens on (or after) their first day. */
  announceAt(w: PhaseWindow): number {
    return intoOfficeHours(this.plan, DateTime.fromISO(w.startAt, { zone: this.plan.timeZone })).toMillis();
  }

  /** The next instant the campaign itself acts: an announcement, a phase's end, a cycle's opening. */
  nextAt(): number | undefined {
    // Stopped, the campaign only waits for its batches.
    if (this.state.stopped) return undefined;
    const t = this.nowMs();
    const candidates = [
      ...this.windows()
        .filter((w) => !this.state.announced.includes(w.key))
        .map((w) => this.announceAt(w)),
      ...this.windows()
        .filter((w) => w.endAt !== undefined && Date.parse(w.endAt) > t)
        .map((w) => Date.parse(w.endAt!)),
      ...this.pendingCycles().map((c) => Date.parse(c.opensAt)),
    ];
    return candidates.length > 0 ? Math.min(...candidates) : undefined;
  }

  /**
   * Why the calendar cannot be computed (the error's name and message), or undefined when it can:
   * everything the run's first `nextAt` and `actOnWhatIsDue` work out, computed and memoised.
   */
  calendarProblem(): string | undefined {
    try {
      this.nextAt();
      return undefined;
    } catch (err) {
      return err instanceof Error ? `${err.name}: ${err.message}` : `thrown: ${JSON.stringify(err) ?? typeof err}`;
    }
  }

  /** The phases whose announcement is due at `t` and not yet made. */
  dueAnnouncements(t: number): PhaseWindow[] {
    if (this.state.stopped) return [];
    return this.windows().filter((w) => this.announceAt(w) <= t && !this.state.announced.includes(w.key));
  }

  /** The cycles whose opening has come at `t` and that are not opened yet. */
  dueCycles(t: number): CycleSchedule[] {
    return this.pendingCycles().filter((c) => Date.parse(c.opensAt) <= t);
  }

  /** Every phase has ended, every cycle is open and every batch done. */
  finished(): boolean {
    const t = this.nowMs();
    if (this.state.stopped) return this.state.stopped.told === true && this.unfinishedBatches().length === 0;
    return (
      this.windows().every((w) => w.endAt !== undefined && Date.parse(w.endAt) <= t) &&
      this.pendingCycles().length === 0 &&
      Object.values(this.state.batches).every((b) => b.done)
    );
  }

  /** The phase windows, less those a stop kept from ever starting: what the campaign shows and returns. */
  phasesRun(): PhaseWindow[] {
    const stopped = this.state.stopped;
    if (!stopped) return this.windows();
    return this.windows().filter((w) => Date.parse(w.startAt) < Date.parse(stopped.at));
  }

  /** The batches that have not reported done: those a stop must reach. */
  unfinishedBatches(): string[] {
    return Object.values(this.state.batches)
      .filter((b) => !b.done)
      .map((b) => b.batchId);
  }

  batchesDone(): number {
    return Object.values(this.state.batches).filter((b) => b.done).length;
  }

  // ---- what it shows ----

  status(): CampaignStatus {
    const batches = Object.values(this.state.batches);
    const counts = batches.reduce((acc, b) => addCounts(acc, b.counts), { ...ZERO_COUNTS });
    const n = this.nextAt();
    return {
      campaignId: this.plan.id,
      title: this.plan.title,
      now: new Date(this.nowMs()).toISOString(),
      currentPhase: this.currentPhase(),
      phases: this.phasesRun(),
      nextAt: n === undefined ? undefined : new Date(n).toISOString(),
      counts,
      open: counts.green + counts.blue + counts.yellow + counts.red,
      overdue: counts.yellow + counts.red,
      cyclesLaunched: this.state.launched.length,
      batchesLaunched: Object.keys(this.state.batches).length,
      batchesDone: this.batchesDone(),
      // Asked of a campaign that has completed, its final state answers: finished.
      completed: this.finished(),
      runs: this.state.runs,
      ...('ref' in this.org ? { orgRef: this.org.ref } : {}),
      ...(this.state.stopped ? { stopped: this.stopOf(this.state.stopped) } : {}),
    };
  }

  directory(): CampaignDirectory {
    const { plan, org } = this;
    const byRef = 'ref' in org;
    return {
      campaignId: plan.id,
      timeZone: plan.timeZone,
      obligations: plan.obligations.map((o) => ({
        key: o.key,
        title: o.title,
        cadence: o.cadence,
        hasReview: o.review !== undefined,
        source: o.source,
      })),
      // By reference, the client reads the units from the ledger's copy (client/campaigns.ts).
      ...(byRef ? { units: [], orgRef: org.ref } : { units: directoryUnits(org) }),
      launched: [...this.state.launched],
    };
  }

  // ---- the committee's requests: each validator throws what the caller must see ----

  validateAdvance(req: AdvancePhaseRequest): void {
    this.refuseWhenStopped('advance');
    if (isBlank(req?.by)) throw new Error('advance: "by" (who triggers the phase) is required');
    if (isBlank(req?.reason)) throw new Error('advance: "reason" is required');
    const refusal = advanceRefusal(this.windows(), req.toPhase, this.changeAt(req, 'advance'));
    if (refusal) throw new Error(refusal);
  }

  /** Starts the requested (or the next) phase now, ending the current one. */
  advance(req: AdvancePhaseRequest): { change: PhaseChange; event: LedgerEvent } {
    const ws = this.windows();
    const t = this.changeAt(req, 'advance');
    const curIdx = ws.findIndex((w) => isPhaseOpen(w, t));
    const target = (req.toPhase ?? ws[curIdx + 1]?.key)!;
    const at = new Date(t).toISOString();
    const change: PhaseChange = { phaseKey: target, action: 'started', at, by: req.by, reason: req.reason };
    this.state.phaseStarted[target] = at;
    const current = ws[curIdx];
    if (current && current.key !== target) this.state.phaseEnded[current.key] = at;
    return this.changed(change);
  }

  validateEnd(req: EndPhaseRequest): void {
    this.refuseWhenStopped('end phase');
    if (isBlank(req?.by)) throw new Error('end phase: "by" (who ends the phase) is required');
    if (isBlank(req?.reason)) throw new Error('end phase: "reason" is required');
    const refusal = endPhaseRefusal(this.windows(), String(req?.phaseKey), this.changeAt(req, 'end phase'));
    if (refusal) throw new Error(refusal);
  }

  /** Ends the running phase now. */
  end(req: EndPhaseRequest): { change: PhaseChange; event: LedgerEvent } {
    const at = new Date(this.changeAt(req, 'end phase')).toISOString();
    const change: PhaseChange = { phaseKey: req.phaseKey, action: 'ended', at, by: req.by, reason: req.reason };
    this.state.phaseEnded[req.phaseKey] = at;
    return this.changed(change);
  }

  private changed(change: PhaseChange): { change: PhaseChange; event: LedgerEvent } {
    this.state.changes.push(change);
    this.version++;
    const event: LedgerEvent = {
      id: `${this.plan.id}:phase:${change.phaseKey}:${change.action}:${change.at}`,
      campaignId: this.plan.id,
      kind: 'phase-advanced',
      at: change.at,
      phaseKey: change.phaseKey,
      actor: change.by,
      reason: change.reason,
      data: { action: change.action },
    };
    return { change, event };
  }

  // ---- the office's stop (since v0.26) ----

  private refuseWhenStopped(what: string): void {
    const s = this.state.stopped;
    if (s) throw new Error(`${what}: the campaign was stopped at ${s.at} by ${s.by}`);
  }

  validateStop(req: StopCampaignRequest): void {
    this.refuseWhenStopped('stop');
    if (isBlank(req?.by)) throw new Error('stop: "by" (who stops the campaign) is required');
    if (isBlank(req?.reason)) throw new Error('stop: "reason" is required');
    this.changeAt(req, 'stop');
  }

  /**
   * Stops the campaign now: the phase open ends, nothing more opens or is announced, and the
   * workflow then tells its batches and units (`stopToTell`). Carried by `state.stopped`.
   */
  stop(req: StopCampaignRequest): { stop: CampaignStop; event: LedgerEvent } {
    const t = this.changeAt(req, 'stop');
    const at = new Date(t).toISOString();
    const current = this.windows().find((w) => isPhaseOpen(w, t));
    if (current) this.state.phaseEnded[current.key] = at;
    const stop: CampaignStop = { at, by: req.by.trim(), reason: req.reason.trim() };
    this.state.stopped = { ...stop };
    this.version++;
    const event: LedgerEvent = {
      id: `${this.plan.id}:campaign-stopped`,
      campaignId: this.plan.id,
      kind: 'campaign-stopped',
      at,
      ...(current ? { phaseKey: current.key } : {}),
      actor: stop.by,
      reason: stop.reason,
    };
    return { stop, event };
  }

  /** The stop, once made, until its batches and units have been told. */
  stopToTell(): CampaignStop | undefined {
    const s = this.state.stopped;
    return s && !s.told ? this.stopOf(s) : undefined;
  }

  stopTold(): void {
    this.state.stopped!.told = true;
    this.version++;
  }

  private stopOf({ at, by, reason }: CampaignStop): CampaignStop {
    return { at, by, reason };
  }

  /** The stop's mail to every unit but the office and members, as a phase's announcement goes. */
  stopAnnouncement(stop: CampaignStop): AnnounceRequest {
    return this.toEveryUnit({ kind: 'campaign-stopped', step: 'campaign-stopped', sentAt: stop.at, stop });
  }

  batchReported(report: BatchReport): void {
    this.state.batches[report.batchId] = report;
  }

  // ---- the work, as data for the activities ----

  /** Every unit of an organisation in the input, for the ledger (by reference, the activity reads them). */
  units(): LedgerUnit[] {
    return ledgerUnitsOf(this.plan.id, this.inlineOrg('units'));
  }

  /** The organisation of the input; by reference the workflow has none to give. */
  private inlineOrg(what: string): Org {
    if ('ref' in this.org) throw new Error(`${what}: the campaign holds its organisation by reference`);
    return this.org;
  }

  /** Who started a phase by hand (the `by` of the advance), if anyone did: the plan started it otherwise. */
  startedBy(phaseKey: string): string | undefined {
    return this.state.changes.find((c) => c.phaseKey === phaseKey && c.action === 'started')?.by;
  }

  /**
   * The ledger's record that a phase started (at its start, whenever it is written): by the
   * person who advanced to it, as the phase-advanced event of the same change says, or by the plan.
   */
  phaseStartedEvent(w: PhaseWindow): LedgerEvent {
    return {
      id: `${this.plan.id}:phase:${w.key}:started`,
      campaignId: this.plan.id,
      kind: 'phase-started',
      at: w.startAt,
      phaseKey: w.key,
      actor: this.startedBy(w.key) ?? 'plan',
    };
  }

  /** The announcement of a phase to every unit but the office and members, sent at `at`. */
  announcement(w: PhaseWindow, at: string): AnnounceRequest {
    const phase = this.plan.phases.find((p) => p.key === w.key)!;
    return this.toEveryUnit({
      kind: 'phase-started',
      phaseKey: w.key,
      phaseName: this.plan.locale === 'en' ? phase.label : phase.name,
      phaseStartedBy: this.startedBy(w.key),
      step: `phase-started-${w.key}`,
      sentAt: at,
    });
  }

  /**
   * A message of the campaign's to every unit but the office and members (a phase's announcement,
   * the stop). By reference the activity works the targets out from the stored organisation.
   */
  private toEveryUnit(
    message: Omit<AnnounceRequest['message'], 'campaignId' | 'campaignTitle' | 'timeZone' | 'locale'>,
  ): AnnounceRequest {
    const { plan, org } = this;
    const recipients = 'ref' in org ? { targets: [], orgRef: org.ref } : { targets: announcementTargets(org) };
    return {
      message: {
        campaignId: plan.id,
        campaignTitle: plan.title,
        timeZone: plan.timeZone,
        locale: plan.locale,
        ...message,
      },
      ...recipients,
    };
  }

  announced(w: PhaseWindow): void {
    this.state.announced.push(w.key);
  }

  /** The batches of a cycle not launched yet, as `startBatch` takes them: by reference or with their units. */
  batchesToStart(cycle: CycleSchedule, ctx: CampaignContext): (BatchInput | BatchByReference)[] {
    return 'ref' in this.org ? this.batchesByReference(cycle, ctx) : this.batchesOf(cycle, ctx);
  }

  /** The batches of a cycle not launched yet: at most `batchSize` units each. */
  batchesOf(cycle: CycleSchedule, ctx: CampaignContext): BatchInput[] {
    const { plan } = this;
    const org = this.inlineOrg('batches');
    const obligation = plan.obligations.find((o) => o.key === cycle.obligationKey)!;
    const units = responsibleUnits(org, obligation);
    const size = ctx.options.batchSize;
    const batches: BatchInput[] = [];
    for (let i = 0; i * size < units.length; i++) {
      const unitIds = units.slice(i * size, (i + 1) * size);
      const batchId = batchWorkflowId(plan.id, obligation.key, cycle.cycleKey, i);
      if (!this.state.batches[batchId])
        batches.push({ ctx, batchId, obligation, cycle, unitIds, org: orgSlice(org, unitIds) });
    }
    return batches;
  }

  /**
   * The same batches by reference (since v0.13): the `startBatch` activity picks each one's
   * units from the stored organisation, by the same rule (domain/engine/org-by-reference.ts).
   */
  batchesByReference(cycle: CycleSchedule, ctx: CampaignContext): BatchByReference[] {
    const { plan, org } = this;
    if (!('ref' in org)) throw new Error('batches by reference: the campaign holds its organisation in its input');
    const obligation = plan.obligations.find((o) => o.key === cycle.obligationKey)!;
    const size = ctx.options.batchSize;
    const count = org.facts.responsible[obligation.key] ?? 0;
    const batches: BatchByReference[] = [];
    for (let i = 0; i * size < count; i++) {
      const batchId = batchWorkflowId(plan.id, obligation.key, cycle.cycleKey, i);
      if (!this.state.batches[batchId])
        batches.push({ ctx, batchId, obligation, cycle, orgRef: org.ref, index: i, size });
    }
    return batches;
  }

  // ---- a re-imported organisation (since v0.22) ----

  /** The stored version the campaign runs on now; undefined when its organisation is in its input. */
  orgRef(): OrgRef | undefined {
    return 'ref' in this.org ? this.org.ref : undefined;
  }

  validateFollow(req: FollowOrgRequest): void {
    this.refuseWhenStopped('followOrg');
    if (!('ref' in this.org))
      throw new Error(
        'followOrg: this campaign carries its organisation in its input (started before v0.13, or without a ledger): its cycles keep that organisation',
      );
    if (isBlank(req?.by)) throw new Error('followOrg: "by" (who imported the organisation) is required');
    const ref = req.orgRef as Partial<OrgRef> | undefined;
    if (typeof ref?.hash !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(ref.hash))
      throw new Error('followOrg: "orgRef.hash" must be the stored version\'s sha256:<64 hex digits>');
    if (typeof ref.version !== 'number' || !Number.isInteger(ref.version) || ref.version < 1)
      throw new Error('followOrg: "orgRef.version" must be a whole number from 1');
  }

  /**
   * The cycles opened from now on are for `next`'s units: a branch new in it takes part from its
   * obligations' next cycles, a unit it lacks is opened nothing more. What is open already keeps
   * the organisation it opened with. Carried into later runs by `state.orgFollowed`. Without
   * `next` (the version is followed already, or a later re-import overtook it), what holds now.
   */
  followOrg(next: OrgByReference | undefined): OrgFollowed {
    if (!('ref' in this.org)) throw new Error('followOrg: the campaign carries its organisation in its input');
    const followed = next !== undefined && next.ref.hash !== this.org.ref.hash;
    if (followed) {
      this.org = next;
      this.state.orgFollowed = next.ref;
    }
    const { ref, facts } = this.org;
    return { followed, orgRef: ref, units: facts.units, nextCycles: this.nextCycles() };
  }

  /** The first cycle of each obligation not opened yet, in the plan's order. */
  nextCycles(): OrgFollowed['nextCycles'] {
    const pending = this.pendingCycles();
    return this.plan.obligations.flatMap((o) => {
      const first = pending
        .filter((c) => c.obligationKey === o.key)
        .sort((a, b) => Date.parse(a.opensAt) - Date.parse(b.opensAt))[0];
      if (!first) return [];
      const { cycleKey, cycleLabel, cycleLabelEn, opensAt } = first;
      return [{ obligationKey: o.key, cycleKey, cycleLabel, cycleLabelEn, opensAt }];
    });
  }

  // ---- obligations opened by events (the plan's openedBy) ----

  /** The organisation when it is in the campaign's input; by reference an activity reads the event's unit. */
  inputOrg(): Org | undefined {
    return 'ref' in this.org ? undefined : this.org;
  }

  /** The event's fields, and its unit when the organisation is in the input (by reference: when it is read). */
  validateEvent(event: CampaignEvent): void {
    this.refuseWhenStopped('event');
    const problem = campaignEventProblem(event, this.inputOrg());
    if (problem) throw new Error(`event: ${problem}`);
    this.changeAt(event, 'event');
  }

  /**
   * What an event opens: the batches to start (one unit each) and the reply, or what is wrong with
   * its unit. `unitOrg` holds the unit, its parents and the office. A deadline the event (or an
   * earlier one of the same cycle) opened before is not opened again: it is marked opened here,
   * before the batch starts, so that the same event arriving twice at once opens one.
   */
  openForEvent(
    event: CampaignEvent,
    ctx: CampaignContext,
    unitOrg: Org,
  ): { batches: BatchInput[]; reply: EventOpening } | { problem: string } {
    const { plan, org } = this;
    const problem = campaignEventProblem(event, unitOrg);
    if (problem) return { problem: `event: ${problem}` };
    const eventAt = new Date(this.changeAt(event, 'event')).toISOString();
    const { cycles, notOpened } = eventCycles(plan, unitOrg, this.windows(), event, eventAt);
    const opened = (this.state.eventOpened ??= {});
    const reply: EventOpening = { opened: [], alreadyOpen: [], notOpened };
    const batches: BatchInput[] = [];
    for (const cycle of cycles) {
      const deadlineId = deadlineWorkflowId(plan.id, cycle.obligationKey, cycle.cycleKey, event.unitId);
      const before = opened[deadlineId];
      if (before) {
        reply.alreadyOpen.push(before);
        continue;
      }
      const d: EventDeadline = {
        obligationKey: cycle.obligationKey,
        cycleKey: cycle.cycleKey,
        unitId: event.unitId,
        deadlineId,
        opensAt: cycle.opensAt,
        dueAt: cycle.dueAt,
        dueOnHoliday: cycle.dueOnHoliday,
      };
      opened[deadlineId] = d;
      reply.opened.push(d);
      const obligation = plan.obligations.find((o) => o.key === cycle.obligationKey)!;
      const batchId = eventBatchWorkflowId(plan.id, obligation.key, cycle.cycleKey, event.unitId);
      const unitIds = [event.unitId];
      // Through the same opening path as a cycle's batches: the organisation sliced, or by reference.
      batches.push(
        'ref' in org
          ? { ctx, batchId, obligation, cycle, unitIds, orgRef: org.ref }
          : { ctx, batchId, obligation, cycle, unitIds, org: orgSlice(unitOrg, unitIds) },
      );
    }
    return { batches, reply };
  }

  /**
   * The ledger's record of an appointment (who, when, by whom): the audit's, whatever it opened.
   * Keyed by the unit, the day and the secretary: the same appointment told twice is one row.
   */
  appointmentEvent(event: CampaignEvent, unitOrg: Org): LedgerEvent | undefined {
    if (event.event !== 'secretary-appointed') return undefined;
    const at = new Date(this.changeAt(event, 'event')).toISOString();
    const day = eventCycleKey(event, at, this.plan.timeZone).key;
    return {
      id: `${this.plan.id}:secretary-appointed:${event.unitId}:${day}:${event.secretary}`,
      campaignId: this.plan.id,
      kind: 'secretary-appointed',
      at,
      phaseKey: this.currentPhase(),
      unitId: event.unitId,
      committeeId: unitOrg.units[event.unitId]?.committeeId,
      actor: event.actor,
      data: { secretary: event.secretary },
    };
  }

  // ---- units joining the cycles open now (since v0.23) ----

  /** Only a campaign by reference follows re-imports, so only its units can be new to a cycle. */
  validateJoin(req: JoinOpenCyclesRequest): void {
    this.refuseWhenStopped('joinOpenCycles');
    if (!('ref' in this.org))
      throw new Error(
        'joinOpenCycles: this campaign carries its organisation in its input (started before v0.13, or without a ledger): no unit can be new to its cycles',
      );
    if (isBlank(req?.by)) throw new Error('joinOpenCycles: "by" (who asks) is required');
    if (req.only === undefined) return;
    if (!Array.isArray(req.only)) throw new Error('joinOpenCycles: "only" must be a list of cycles and their units');
    const open = new Set(this.openCycles().map((o) => cycleKey(o.cycle)));
    const seen = new Set<string>();
    req.only.forEach((c, i) => {
      const at = `joinOpenCycles: only[${i}]`;
      if (isBlank(c?.obligationKey) || isBlank(c?.cycleKey))
        throw new Error(`${at}: "obligationKey" and "cycleKey" are required`);
      const key = `${c.obligationKey}/${c.cycleKey}`;
      if (!open.has(key)) throw new Error(`${at}: ${key} is not a cycle open now`);
      if (seen.has(key)) throw new Error(`${at}: ${key} is chosen twice`);
      seen.add(key);
      if (!Array.isArray(c.unitIds) || c.unitIds.length === 0 || c.unitIds.some((u) => isBlank(u)))
        throw new Error(`${at}.unitIds: at least one unit, each an id`);
    });
  }

  /**
   * The cycles open now (opened, and due later than now), each `settled` once every batch of it
   * has reported: a batch reports after the ledger holds its openings, so then the ledger tells
   * exactly who lacks a deadline in the cycle. Before, a unit whose batch is still starting its
   * deadline would look like one without, and be opened twice.
   */
  openCycles(): { cycle: CycleSchedule; settled: boolean }[] {
    const t = this.nowMs();
    return this.allCycles()
      .filter((c) => this.state.launched.includes(cycleKey(c)) && Date.parse(c.dueAt) > t)
      .map((cycle) => {
        const prefix = cycleBatchPrefix(this.plan.id, cycle.obligationKey, cycle.cycleKey);
        const settled = Object.values(this.state.batches)
          .filter((b) => b.batchId.startsWith(prefix))
          .every((b) => b.done || Object.values(b.counts).some((n) => n > 0));
        return { cycle, settled };
      });
  }

  /** The cycles of `open` the request asks about: every one, or those the office chose (`only`). */
  chosenOf(req: JoinOpenCyclesRequest, open: { cycle: CycleSchedule }[]): (string[] | undefined)[] {
    if (req.only === undefined) return open.map(() => undefined);
    const chosen = new Map(req.only.map((c) => [`${c.obligationKey}/${c.cycleKey}`, c.unitIds]));
    return open.map((o) => chosen.get(cycleKey(o.cycle)));
  }

  /**
   * Has the units without a deadline in each open cycle (`missing[i]`, from the ledger, for
   * `open[i]`, in the version `orgRef`) join it: one batch per cycle, and the ledger's record of
   * each (`cycle-joined`). A unit marked joined before is left out, so two requests at once open
   * one deadline. A cycle not settled is joined by nobody yet. With the office's choice (`only`,
   * since v0.24) a cycle it did not choose is left alone, and in one it chose only the units it
   * named join. The batches are counted from here on; `unitBatchesLaunched` wakes the workflow
   * once they have started.
   */
  joinOpenCycles(
    req: JoinOpenCyclesRequest,
    ctx: CampaignContext,
    orgRef: OrgRef,
    open: { cycle: CycleSchedule; settled: boolean }[],
    missing: string[][],
  ): { batches: BatchInput[]; events: LedgerEvent[]; reply: OpenCyclesJoined } {
    const { plan } = this;
    const joined = (this.state.joined ??= {});
    const at = new Date(this.nowMs()).toISOString();
    const batches: BatchInput[] = [];
    const events: LedgerEvent[] = [];
    const chosen = this.chosenOf(req, open);
    const cycles = open.map(({ cycle, settled }, i): JoinedCycle => {
      const key = cycleKey(cycle);
      const shown = openCycleOf(cycle);
      const { obligationKey, cycleKey: ck, dueAt } = shown;
      const only = req.only === undefined ? undefined : new Set(chosen[i] ?? []);
      if (only?.size === 0) return { ...shown, joined: [], notChosen: true };
      if (!settled) return { ...shown, joined: [], stillOpening: true };
      const before = new Set(joined[key] ?? []);
      const unitIds = (missing[i] ?? []).filter((u) => !before.has(u) && (only?.has(u) ?? true));
      if (unitIds.length === 0) return { ...shown, joined: [] };
      joined[key] = [...before, ...unitIds];
      const obligation = plan.obligations.find((o) => o.key === obligationKey)!;
      const prefix = cycleBatchPrefix(plan.id, obligationKey, ck);
      const n = Object.keys(this.state.batches).filter((id) => id.startsWith(`${prefix}+`)).length;
      const batchId = joinedBatchWorkflowId(plan.id, obligationKey, ck, n);
      batches.push({ ctx, batchId, obligation, cycle, unitIds, orgRef });
      // Counted at once, before it starts: a request meanwhile takes the next number, and finds
      // the cycle not settled until this batch has reported.
      this.state.batches[batchId] ??= { batchId, counts: { ...ZERO_COUNTS }, done: false };
      for (const unitId of unitIds)
        events.push({
          id: `${plan.id}:cycle-joined:${obligationKey}:${ck}:${unitId}`,
          campaignId: plan.id,
          kind: 'cycle-joined',
          at,
          phaseKey: cycle.phaseKey,
          obligationKey,
          cycleKey: ck,
          unitId,
          actor: req.by,
          dueAt,
          data: { orgHash: orgRef.hash, orgVersion: orgRef.version },
        });
      return { ...shown, joined: unitIds };
    });
    return { batches, events, reply: { orgRef, cycles } };
  }

  /** Batches of single units (an event's, units joining an open cycle) are started: counted like a cycle's, and their cycles listed as open. */
  unitBatchesLaunched(batches: BatchInput[]): void {
    for (const b of batches) {
      this.state.batches[b.batchId] ??= { batchId: b.batchId, counts: { ...ZERO_COUNTS }, done: false };
      const key = cycleKey(b.cycle);
      if (!this.state.launched.includes(key)) this.state.launched.push(key);
    }
    this.version++;
  }

  /** The cycle is open and its batches started. A batch may have reported already: its report is kept. */
  launched(cycle: CycleSchedule, batches: { batchId: string }[]): void {
    for (const b of batches)
      this.state.batches[b.batchId] ??= { batchId: b.batchId, counts: { ...ZERO_COUNTS }, done: false };
    this.state.launched.push(cycleKey(cycle));
  }
}
