/**
 * The campaign: one per plan, running for years. It walks the phases (at their dates, or when
 * the committee starts one early or ends an open-ended one), opens each cycle of each
 * obligation when its time comes by starting batches of deadline workflows, announces each
 * phase to every unit, and keeps the counts its batches report. It continues-as-new before
 * its history grows large, carrying all of its state.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  patched,
  proxyActivities,
  setHandler,
  startChild,
  workflowInfo,
  ParentClosePolicy,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Activities } from '../activities';
import type { Plan } from '../domain/plan-schema';
import type { Org } from '../domain/org-schema';
import type { CycleSchedule, PhaseWindow } from '../domain/calendar-types';
import { phaseWindows, cyclesOf, intoOfficeHours } from '../domain/calendar';
import { DateTime } from 'luxon';
import { orgSlice, responsibleUnits } from '../domain/org-slice';
import { recipientsFor } from '../domain/recipients';
import { addCounts, ZERO_COUNTS } from '../domain/deadline-state';
import { planTime, serverDelayUntil, type ClockSpec } from '../domain/clock';
import type { LedgerEvent } from '../ledger/types';
import {
  ACTIVITY_RETRY,
  batchWorkflowId,
  campaignWorkflowId,
  type CampaignContext,
  type EngineOptions,
} from './context';
import { batchWorkflow, type BatchInput } from './batch';
import { instantWaiter } from './wake';
import {
  advancePhaseUpdate,
  batchReportSignal,
  campaignDirectoryQuery,
  campaignStatusQuery,
  endPhaseUpdate,
  type AdvancePhaseRequest,
  type BatchReport,
  type CampaignStatus,
  type EndPhaseRequest,
  type PhaseChange,
} from './messages';

const { recordEvents, registerUnits, startBatch } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  retry: ACTIVITY_RETRY,
});
const { announcePhase } = proxyActivities<Activities>({
  startToCloseTimeout: '2 hours',
  // A worker that dies mid-announcement is noticed within this, and another resumes after the
  // last unit it heartbeated. Each send ends well inside it (mail/index.ts SMTP_TIMEOUTS).
  heartbeatTimeout: '20 seconds',
  retry: ACTIVITY_RETRY,
});

/**
 * Bytes of batch inputs that may wait in scheduled `startBatch` activities at once (since v0.7).
 * The commands of one workflow task travel in one gRPC message, which Temporal's servers cap at
 * 4 MiB: a university of 5,000 branches opened three cycles of 20 batches of about 90 KB each
 * in one task, and the test server refused it ("Decompressed gRPC message exceeds maximum
 * size"). With this budget a task carries at most 2 MB of batches beside the phase's
 * announcement (about 200 bytes a unit: 1.4 MB for 7,000 branches, the most the campaign's
 * input allows), and the engine bench's fan-out (21 batches, 1.9 MB) still starts in one wave.
 */
export const START_BYTES_IN_FLIGHT = 2_000_000;

/** UTF-8 bytes of a string, for a budget: a surrogate pair counts 6 rather than 4. */
function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
  }
  return n;
}

/** What a campaign run hands to the next one. JSON-plain. */
export interface CampaignCarried {
  phaseStarted: Record<string, string>;
  phaseEnded: Record<string, string>;
  changes: PhaseChange[];
  announced: string[];
  /** `<obligation>/<cycle>` of every cycle opened. */
  launched: string[];
  batches: Record<string, BatchReport>;
  unitsRegistered: boolean;
  runs: number;
}

export interface CampaignInput {
  plan: Plan;
  org: Org;
  clock: ClockSpec;
  options: EngineOptions;
  carried?: CampaignCarried;
}

export interface CampaignResult {
  campaignId: string;
  phases: PhaseWindow[];
  batches: number;
  runs: number;
}

const isBlank = (s: unknown): boolean => typeof s !== 'string' || s.trim() === '';

export async function campaignWorkflow(input: CampaignInput): Promise<CampaignResult> {
  const { plan, org } = input;
  const state: CampaignCarried = input.carried ?? {
    phaseStarted: {},
    phaseEnded: {},
    changes: [],
    announced: [],
    launched: [],
    batches: {},
    unitsRegistered: false,
    runs: 0,
  };
  state.runs += 1;
  const ctx: CampaignContext = {
    campaignId: plan.id,
    title: plan.title,
    timeZone: plan.timeZone,
    locale: plan.locale,
    officeHours: plan.officeHours,
    clock: input.clock,
    options: input.options,
    campaignWorkflowId: workflowInfo().workflowId,
  };
  const now = (): number => planTime(input.clock, Date.now());
  let version = 0;

  // The phase windows and the cycles in them change only when the committee moves a phase, yet
  // the loop, its wake conditions and every query ask for them: computed afresh each time, the
  // calendar work (office hours, holidays) made replaying a three-year campaign take a minute.
  // Both are pure functions of the committee's triggers, so the cache changes no command.
  let memo: { key: string; windows: PhaseWindow[]; cycles?: CycleSchedule[] } | undefined;
  const triggersKey = (): string => JSON.stringify([state.phaseStarted, state.phaseEnded]);
  const windows = (): PhaseWindow[] => {
    const key = triggersKey();
    if (memo?.key !== key)
      memo = { key, windows: phaseWindows(plan, { started: state.phaseStarted, ended: state.phaseEnded }) };
    return memo.windows;
  };
  const isOpen = (w: PhaseWindow, t: number): boolean =>
    Date.parse(w.startAt) <= t && (w.endAt === undefined || t < Date.parse(w.endAt));
  const currentPhase = (): string | undefined => windows().find((w) => isOpen(w, now()))?.key;
  const cycleKey = (c: CycleSchedule): string => `${c.obligationKey}/${c.cycleKey}`;
  const allCycles = (): CycleSchedule[] => {
    const ws = windows();
    return (memo!.cycles ??= plan.obligations.flatMap((o) => cyclesOf(plan, o, ws, {})));
  };
  const pendingCycles = (): CycleSchedule[] => allCycles().filter((c) => !state.launched.includes(cycleKey(c)));

  /** Phases are announced when the office opens on (or after) their first day. */
  const announceAt = (w: PhaseWindow): number =>
    intoOfficeHours(plan, DateTime.fromISO(w.startAt, { zone: plan.timeZone })).toMillis();

  const nextAt = (): number | undefined => {
    const t = now();
    const candidates = [
      ...windows()
        .filter((w) => !state.announced.includes(w.key))
        .map(announceAt),
      ...windows()
        .filter((w) => w.endAt !== undefined && Date.parse(w.endAt) > t)
        .map((w) => Date.parse(w.endAt!)),
      ...pendingCycles().map((c) => Date.parse(c.opensAt)),
    ];
    return candidates.length > 0 ? Math.min(...candidates) : undefined;
  };

  const status = (): CampaignStatus => {
    const counts = Object.values(state.batches).reduce((acc, b) => addCounts(acc, b.counts), { ...ZERO_COUNTS });
    const n = nextAt();
    return {
      campaignId: plan.id,
      title: plan.title,
      now: new Date(now()).toISOString(),
      currentPhase: currentPhase(),
      phases: windows(),
      nextAt: n === undefined ? undefined : new Date(n).toISOString(),
      counts,
      open: counts.green + counts.blue + counts.yellow + counts.red,
      overdue: counts.yellow + counts.red,
      cyclesLaunched: state.launched.length,
      batchesLaunched: Object.keys(state.batches).length,
      batchesDone: Object.values(state.batches).filter((b) => b.done).length,
      completed: false,
      runs: state.runs,
    };
  };

  const phaseEvent = (change: PhaseChange): LedgerEvent => ({
    id: `${plan.id}:phase:${change.phaseKey}:${change.action}:${change.at}`,
    campaignId: plan.id,
    kind: 'phase-advanced',
    at: change.at,
    phaseKey: change.phaseKey,
    actor: change.by,
    reason: change.reason,
    data: { action: change.action },
  });

  // ---- handlers ----

  setHandler(campaignStatusQuery, status);
  setHandler(campaignDirectoryQuery, () => ({
    campaignId: plan.id,
    timeZone: plan.timeZone,
    obligations: plan.obligations.map((o) => ({
      key: o.key,
      title: o.title,
      cadence: o.cadence,
      hasReview: o.review !== undefined,
      source: o.source,
    })),
    units: org.order.map((id) => {
      const u = org.units[id]!;
      return { id, name: u.name, level: u.level, committeeId: u.committeeId };
    }),
    launched: [...state.launched],
  }));
  setHandler(batchReportSignal, (report) => {
    state.batches[report.batchId] = report;
  });

  setHandler(
    advancePhaseUpdate,
    async (req: AdvancePhaseRequest): Promise<PhaseChange> => {
      const ws = windows();
      const curIdx = ws.findIndex((w) => w.key === currentPhase());
      const target = req.toPhase ?? ws[curIdx + 1]?.key;
      const at = new Date(now()).toISOString();
      const change: PhaseChange = { phaseKey: target!, action: 'started', at, by: req.by, reason: req.reason };
      state.phaseStarted[target!] = at;
      const current = ws[curIdx];
      if (current && current.key !== target) state.phaseEnded[current.key] = at;
      state.changes.push(change);
      version++;
      await recordEvents([phaseEvent(change)]);
      return change;
    },
    {
      validator: (req: AdvancePhaseRequest): void => {
        if (isBlank(req?.by)) throw new Error('advance: "by" (who triggers the phase) is required');
        if (isBlank(req?.reason)) throw new Error('advance: "reason" is required');
        const ws = windows();
        const cur = currentPhase();
        const curIdx = ws.findIndex((w) => w.key === cur);
        const target = req.toPhase ?? ws[curIdx + 1]?.key;
        if (target === undefined)
          throw new Error(`advance: phase ${cur ?? '(none)'} is the last; there is no next phase`);
        const idx = ws.findIndex((w) => w.key === target);
        if (idx < 0) throw new Error(`advance: unknown phase "${target}" (phases: ${ws.map((w) => w.key).join(', ')})`);
        if (idx <= curIdx) throw new Error(`advance: phases only move forward; "${target}" is not after "${cur}"`);
        if (Date.parse(ws[idx]!.startAt) <= now()) throw new Error(`advance: phase "${target}" has already started`);
      },
    },
  );

  setHandler(
    endPhaseUpdate,
    async (req: EndPhaseRequest): Promise<PhaseChange> => {
      const at = new Date(now()).toISOString();
      const change: PhaseChange = { phaseKey: req.phaseKey, action: 'ended', at, by: req.by, reason: req.reason };
      state.phaseEnded[req.phaseKey] = at;
      state.changes.push(change);
      version++;
      await recordEvents([phaseEvent(change)]);
      return change;
    },
    {
      validator: (req: EndPhaseRequest): void => {
        if (isBlank(req?.by)) throw new Error('end phase: "by" (who ends the phase) is required');
        if (isBlank(req?.reason)) throw new Error('end phase: "reason" is required');
        const w = windows().find((x) => x.key === req?.phaseKey);
        if (!w) throw new Error(`end phase: unknown phase "${String(req?.phaseKey)}"`);
        if (!isOpen(w, now())) throw new Error(`end phase: phase "${req.phaseKey}" is not the running phase`);
      },
    },
  );

  // ---- the work ----

  // Runs started before v0.4 cancelled their wake timer on every batch report (see workflows/wake.ts).
  const neverCancelTimers = patched('wake-timers-never-cancelled');
  const waitUntil = instantWaiter(input.clock);

  if (!state.unitsRegistered) {
    await registerUnits(
      org.order.map((id) => {
        const u = org.units[id]!;
        return {
          campaignId: plan.id,
          unitId: u.id,
          name: u.name,
          level: u.level,
          kind: u.kind,
          parentId: u.parentId,
          committeeId: u.committeeId,
        };
      }),
    );
    state.unitsRegistered = true;
  }

  const announce = async (w: PhaseWindow): Promise<void> => {
    const phase = plan.phases.find((p) => p.key === w.key)!;
    const at = new Date(Math.max(now(), announceAt(w))).toISOString();
    await recordEvents([
      {
        id: `${plan.id}:phase:${w.key}:started`,
        campaignId: plan.id,
        kind: 'phase-started',
        at: w.startAt,
        phaseKey: w.key,
        actor: state.phaseStarted[w.key] ? 'committee' : 'plan',
      },
    ]);
    const targets = org.order
      .filter((id) => id !== org.officeId && org.units[id]?.level !== 'member')
      .map((id) => ({ unitId: id, unitName: org.units[id]!.name, to: recipientsFor(org, id, ['unit']).to }));
    await announcePhase({
      message: {
        kind: 'phase-started',
        campaignId: plan.id,
        campaignTitle: plan.title,
        timeZone: plan.timeZone,
        locale: plan.locale,
        phaseKey: w.key,
        phaseName: plan.locale === 'en' ? phase.label : phase.name,
        step: `phase-started-${w.key}`,
        sentAt: at,
      },
      targets,
    });
    state.announced.push(w.key);
  };

  // Since v0.7 the batches of every cycle being opened share one budget of bytes in flight
  // (START_BYTES_IN_FLIGHT), admitted in order: a batch waits until the ones before it have
  // started, unless none is in flight, so that a batch larger than the budget still goes.
  // Admission reserves at once: conditions are only checked after a task's code has run, so all
  // the batches of one task would pass a condition together.
  let startBytesInFlight = 0;
  const budget = input.options.maxStartBytesInFlight ?? START_BYTES_IN_FLIGHT;
  const startQueue: { bytes: number; admit: () => void }[] = [];
  const admitStarts = (): void => {
    for (let next = startQueue[0]; next; next = startQueue[0]) {
      if (startBytesInFlight > 0 && startBytesInFlight + next.bytes > budget) return;
      startQueue.shift();
      startBytesInFlight += next.bytes;
      next.admit();
    }
  };
  const startBatchWithinBudget = async (b: BatchInput): Promise<void> => {
    const bytes = utf8Length(JSON.stringify(b));
    await new Promise<void>((admit) => {
      startQueue.push({ bytes, admit });
      admitStarts();
    });
    try {
      await startBatch(b);
    } finally {
      startBytesInFlight -= bytes;
      admitStarts();
    }
  };

  const launch = async (cycle: CycleSchedule): Promise<void> => {
    const obligation = plan.obligations.find((o) => o.key === cycle.obligationKey)!;
    const units = responsibleUnits(org, obligation);
    const size = input.options.batchSize;
    const batches: BatchInput[] = [];
    for (let i = 0; i * size < units.length; i++) {
      const unitIds = units.slice(i * size, (i + 1) * size);
      const batchId = batchWorkflowId(plan.id, obligation.key, cycle.cycleKey, i);
      if (!state.batches[batchId])
        batches.push({ ctx, batchId, obligation, cycle, unitIds, org: orgSlice(org, unitIds) });
    }
    // Campaigns started before v0.3 started their batches as children, one after the other;
    // since v0.3 an activity starts each batch as a workflow of its own, all at once (see
    // `startBatch` for why). Histories already running keep the old commands.
    if (patched('batches-started-by-activity')) {
      if (patched('batch-starts-within-budget')) await Promise.all(batches.map(startBatchWithinBudget));
      else await Promise.all(batches.map((b) => startBatch(b)));
    } else {
      for (const b of batches) {
        try {
          await startChild(batchWorkflow, {
            workflowId: b.batchId,
            // Batches outlive each campaign run (continue-as-new) and report to the workflow id.
            parentClosePolicy: ParentClosePolicy.ABANDON,
            args: [b],
          });
        } catch (err) {
          if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        }
      }
    }
    // A batch may have reported already: keep its report.
    for (const b of batches)
      state.batches[b.batchId] ??= { batchId: b.batchId, counts: { ...ZERO_COUNTS }, done: false };
    state.launched.push(cycleKey(cycle));
  };

  const runIsLarge = (): boolean => {
    const info = workflowInfo();
    return (
      info.continueAsNewSuggested ||
      info.historyLength > input.options.maxRunEvents ||
      info.historySize > input.options.maxRunBytes
    );
  };

  const finished = (): boolean => {
    const t = now();
    const ws = windows();
    return (
      ws.every((w) => w.endAt !== undefined && Date.parse(w.endAt) <= t) &&
      pendingCycles().length === 0 &&
      Object.values(state.batches).every((b) => b.done)
    );
  };

  // Runs started before v0.6 announced a phase to every unit before opening its cycles.
  const announceAlongside = patched('announce-alongside-launch');

  for (;;) {
    const t = now();
    const toAnnounce = windows().filter((w) => announceAt(w) <= t && !state.announced.includes(w.key));
    if (announceAlongside) {
      // The phase's announcement and the opening of its cycles go out together: thousands of
      // announcement mails must not hold back the deadlines, whose notices are mail too.
      const toLaunch = pendingCycles().filter((c) => Date.parse(c.opensAt) <= t);
      await Promise.all([Promise.all(toAnnounce.map(announce)), Promise.all(toLaunch.map(launch))]);
    } else {
      for (const w of toAnnounce) await announce(w);
      for (const c of pendingCycles()) {
        if (Date.parse(c.opensAt) <= t) await launch(c);
        if (runIsLarge()) break;
      }
    }
    if (finished()) break;
    if (runIsLarge()) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof campaignWorkflow>({ ...input, carried: state });
    }
    const n = nextAt();
    const seen = version;
    const batchesDone = Object.values(state.batches).filter((b) => b.done).length;
    const wake = (): boolean =>
      version !== seen || Object.values(state.batches).filter((b) => b.done).length !== batchesDone;
    if (n === undefined) await condition(wake);
    else if (neverCancelTimers) await waitUntil(wake, n);
    else await condition(wake, serverDelayUntil(input.clock, Date.now(), n) || 1);
  }

  await condition(allHandlersFinished);
  return {
    campaignId: plan.id,
    phases: windows(),
    batches: Object.keys(state.batches).length,
    runs: state.runs,
  };
}

export { campaignWorkflowId };
