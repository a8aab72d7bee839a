/**
 * Every signal, query and update of the campaign engine, defined once and shared by the
 * workflows, the client and the tests.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { DeadlineCounts, DeadlineOutcome, DeadlineState } from '../domain/deadline-state';
import type { PhaseWindow, ScheduledStep } from '../domain/calendar-types';

// ---- campaign ----

export interface AdvancePhaseRequest {
  /** The phase to start now; the next one when omitted. */
  toPhase?: string;
  by: string;
  reason: string;
}
export interface EndPhaseRequest {
  phaseKey: string;
  by: string;
  reason: string;
}
export interface PhaseChange {
  phaseKey: string;
  action: 'started' | 'ended';
  at: string;
  by: string;
  reason: string;
}

export interface CampaignStatus {
  campaignId: string;
  title: string;
  /** Plan time now. */
  now: string;
  currentPhase?: string;
  phases: PhaseWindow[];
  /** The next instant the campaign itself acts (a phase or a cycle opening), plan time. */
  nextAt?: string;
  counts: DeadlineCounts;
  open: number;
  overdue: number;
  cyclesLaunched: number;
  batchesDone: number;
  batchesLaunched: number;
  completed: boolean;
  runs: number;
}

export const advancePhaseUpdate = defineUpdate<PhaseChange, [AdvancePhaseRequest]>('advancePhase');
export const endPhaseUpdate = defineUpdate<PhaseChange, [EndPhaseRequest]>('endPhase');
export const campaignStatusQuery = defineQuery<CampaignStatus>('campaignStatus');

export interface BatchReport {
  batchId: string;
  counts: DeadlineCounts;
  done: boolean;
}
/** A batch tells its campaign its counts (coalesced, so the campaign's history stays small). */
export const batchReportSignal = defineSignal<[BatchReport]>('batchReport');

// ---- batch ----

export interface DeadlineChange {
  deadlineId: string;
  state: DeadlineState;
  /** With the closed state (since v0.5): how it ended. */
  outcome?: DeadlineOutcome;
}
/** A deadline (or its review) tells its batch its new state. */
export const deadlineChangedSignal = defineSignal<[DeadlineChange]>('deadlineChanged');
export const batchCountsQuery = defineQuery<BatchReport>('batchCounts');

// ---- deadline ----

export interface SubmitRequest {
  by: string;
  text: string;
  attachments?: string[];
}
export interface Receipt {
  deadlineId: string;
  unitId: string;
  receivedAt: string;
  dueAt: string;
  onTime: boolean;
  lateMs: number;
  by: string;
}
export interface ExtendRequest {
  newDueAt: string;
  by: string;
  reason: string;
}
export interface WaiveRequest {
  by: string;
  reason: string;
}
export interface DeadlineStatus {
  deadlineId: string;
  campaignId: string;
  obligationKey: string;
  cycleKey: string;
  unitId: string;
  role: 'report' | 'review';
  state: DeadlineState;
  outcome?: DeadlineOutcome;
  opensAt: string;
  dueAt: string;
  dueOnHoliday: boolean;
  nextStep?: ScheduledStep;
  stepsDone: string[];
  receipt?: Receipt;
  extensions: number;
}

export const submitUpdate = defineUpdate<Receipt, [SubmitRequest]>('submit');
export const extendUpdate = defineUpdate<DeadlineStatus, [ExtendRequest]>('extend');
export const waiveUpdate = defineUpdate<DeadlineStatus, [WaiveRequest]>('waive');
export const deadlineStatusQuery = defineQuery<DeadlineStatus>('deadlineStatus');

/** What the campaign knows of its plan and organisation, for clients to check requests. */
export interface CampaignDirectory {
  campaignId: string;
  timeZone: string;
  /** `source`: the seed sentence the obligation comes from (since the web service; absent before). */
  obligations: { key: string; title: string; cadence: string; hasReview: boolean; source?: string }[];
  units: { id: string; name: string; level: string; committeeId?: string }[];
  /** `<obligation>/<cycle>` of every cycle opened so far. */
  launched: string[];
}
export const campaignDirectoryQuery = defineQuery<CampaignDirectory>('campaignDirectory');
