/**
 * Every signal, query and update of the campaign engine, defined once and shared by the
 * workflows, the client and the tests. What they carry is in domain/engine/requests.ts.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type {
  AdvancePhaseRequest,
  EndPhaseRequest,
  PhaseChange,
  CampaignStatus,
  BatchReport,
  DeadlineChange,
  SubmitRequest,
  Receipt,
  ExtendRequest,
  WaiveRequest,
  DeadlineStatus,
  CampaignDirectory,
  CampaignEvent,
  EventOpening,
  FollowOrgRequest,
  JoinOpenCyclesRequest,
  OpenCycle,
  OpenCyclesJoined,
  OrgFollowed,
  CampaignStop,
  StopCampaignRequest,
} from '../domain/engine/requests';

import { SIGNAL_NAMES } from '../domain/engine/inputs';

export type * from '../domain/engine/requests';

// ---- campaign ----

export const advancePhaseUpdate = defineUpdate<PhaseChange, [AdvancePhaseRequest]>('advancePhase');
export const endPhaseUpdate = defineUpdate<PhaseChange, [EndPhaseRequest]>('endPhase');
export const campaignStatusQuery = defineQuery<CampaignStatus>('campaignStatus');
/** What the campaign knows of its plan and organisation, for clients to check requests. */
export const campaignDirectoryQuery = defineQuery<CampaignDirectory>('campaignDirectory');
/** Something happened to one unit (a grade, an appointment): open what the plan's `openedBy` declares for it. */
export const openForEventUpdate = defineUpdate<EventOpening, [CampaignEvent]>('openForEvent');
/** The office re-imported the organisation: the cycles opened from now on are for its units (since v0.22). */
export const followOrgUpdate = defineUpdate<OrgFollowed, [FollowOrgRequest]>('followOrg');
/** The cycles open now (since v0.23): what the office may have the units new to them join. */
export const openCyclesQuery = defineQuery<OpenCycle[]>('openCycles');
/** The units of the version followed that lack a deadline in a cycle open now join it (since v0.23). */
export const joinOpenCyclesUpdate = defineUpdate<OpenCyclesJoined, [JoinOpenCyclesRequest]>('joinOpenCycles');
/** The office stops the campaign (since v0.26): answers the stop as recorded. */
export const stopCampaignUpdate = defineUpdate<CampaignStop, [StopCampaignRequest]>('stopCampaign');
/** A batch tells its campaign its counts (coalesced, so the campaign's history stays small). */
export const batchReportSignal = defineSignal<[BatchReport]>('batchReport');

// ---- batch ----

/** A deadline (or its review) tells its batch its new state. */
export const deadlineChangedSignal = defineSignal<[DeadlineChange]>(SIGNAL_NAMES.deadlineChanged);
export const batchCountsQuery = defineQuery<BatchReport>('batchCounts');
/** Its campaign was stopped (since v0.26): the batch waives the deadlines it still has open. */
export const stopBatchSignal = defineSignal<[CampaignStop]>(SIGNAL_NAMES.stopBatch);

// ---- deadline ----

export const submitUpdate = defineUpdate<Receipt, [SubmitRequest]>('submit');
export const extendUpdate = defineUpdate<DeadlineStatus, [ExtendRequest]>('extend');
export const waiveUpdate = defineUpdate<DeadlineStatus, [WaiveRequest]>('waive');
export const deadlineStatusQuery = defineQuery<DeadlineStatus>('deadlineStatus');
