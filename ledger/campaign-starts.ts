/**
 * Who started a campaign, when, from where and with which plan (`campaign-started`): the
 * office's console, the API or the CLI each record it as the engine accepts the start, so that
 * the dashboard and the API can say who set years of mail going, and an audit finds it beside the
 * campaign's other facts. One record per run started: a failed campaign started again under its
 * id (the engine allows that, client/campaigns.ts) gets a second record, told apart by the run's
 * id.
 *
 * The record keeps the plan the campaign started with: once the engine no longer holds the
 * campaign (Temporal keeps a closed workflow only for its namespace's retention), the console
 * still names its phases and obligations and reads its escalation ladder from here.
 */
import { planTime, REAL_TIME, isRehearsalClock, type ClockSpec } from '../domain/clock';
import { campaignInputProblems } from '../domain/engine/input-check';
import type { Plan } from '../domain/plan-schema';
import type { LedgerEvent, LedgerStore } from './types';

export const START_VIAS = ['console', 'api', 'cli'] as const;
export type StartedVia = (typeof START_VIAS)[number];

/** Where a start came from, in the words the console and the CLI print (经控制台 / from the console). */
export const START_VIA_NAMES: Record<StartedVia, { zh: string; en: string }> = {
  console: { zh: '控制台', en: 'the console' },
  api: { zh: 'API', en: 'the API' },
  cli: { zh: '命令行', en: 'the command line' },
};

/** Live, or a rehearsal at its speed, in the words the console and the CLI print. */
export function startModeNames(s: Pick<CampaignStart, 'rehearsalScale'>): { zh: string; en: string } {
  if (s.rehearsalScale === undefined) return { zh: '正式运行', en: 'live' };
  if (s.rehearsalScale === 1) return { zh: '演练（按实际时间推进）', en: 'a rehearsal, in real time' };
  return { zh: `演练（${s.rehearsalScale} 倍速）`, en: `a rehearsal, ${s.rehearsalScale} times real time` };
}

/**
 * What the CLI and the API say of a campaign that the engine no longer holds (past its namespace's
 * retention, or deleted) and whose start `s` the ledger recorded: `at` is that start's instant as
 * the reader reads it, `readAt` where its history is read (a command, a route).
 */
export function goneFromEngineText(
  campaignId: string,
  s: Pick<CampaignStart, 'by'>,
  at: string,
  readAt: string,
  title?: string,
): { zh: string; en: string } {
  return {
    zh: `活动 "${campaignId}"${title ? `（${title}）` : ' '}已不在引擎中（已结束并过了保存期限，或已被删除）；台帐保存着它的记录（${s.by} 于 ${at} 发起）：${readAt}`,
    en: `campaign "${campaignId}"${title ? ` (${title})` : ''} is no longer in the engine (ended and past its retention, or deleted); the ledger keeps its history (started by ${s.by} on ${at}): ${readAt}`,
  };
}

export interface CampaignStart {
  campaignId: string;
  /** The instant on the campaign's clock (a rehearsal's plan time, years back). */
  at: string;
  /** The wall clock's instant: when the person did it. */
  recordedAt: string;
  /** Who: the signed-in person's or the token's email, or the CLI's `--by` (else its user). */
  by: string;
  via: StartedVia;
  /** The engine's run of the campaign (its first, when it continued as new since). */
  runId: string;
  /** A rehearsal's speed: plan milliseconds per real millisecond; absent for a live campaign. */
  rehearsalScale?: number;
}

export interface StartRecordRequest {
  campaignId: string;
  /** The plan as the engine was given it. */
  plan: Plan;
  runId: string;
  by: string;
  via: StartedVia;
  clock?: ClockSpec;
  /** The wall clock now, epoch ms (a test's own). */
  nowMs?: number;
}

export function campaignStartedEvent(r: StartRecordRequest): LedgerEvent {
  const nowMs = r.nowMs ?? Date.now();
  const clock = r.clock ?? REAL_TIME;
  return {
    id: `${r.campaignId}:campaign-started:${r.runId}`,
    campaignId: r.campaignId,
    kind: 'campaign-started',
    at: new Date(planTime(clock, nowMs)).toISOString(),
    actor: r.by,
    data: {
      via: r.via,
      runId: r.runId,
      recordedAt: new Date(nowMs).toISOString(),
      ...(isRehearsalClock(clock) ? { rehearsalScale: clock.scale } : {}),
      plan: r.plan,
    },
  };
}

/** Records a start; recording it again (a retried request) leaves one row. */
export async function recordCampaignStart(
  ledger: Pick<LedgerStore, 'record'>,
  r: StartRecordRequest,
): Promise<CampaignStart> {
  const event = campaignStartedEvent(r);
  await ledger.record(event);
  return startOf(event)!;
}

/** A `campaign-started` event read back; undefined for any other or a malformed one. */
export function startOf(e: LedgerEvent): CampaignStart | undefined {
  const d = e.data ?? {};
  if (e.kind !== 'campaign-started' || typeof d.runId !== 'string' || typeof d.recordedAt !== 'string')
    return undefined;
  const via = START_VIAS.find((v) => v === d.via);
  if (!via) return undefined;
  return {
    campaignId: e.campaignId,
    at: e.at,
    recordedAt: d.recordedAt,
    by: e.actor ?? '',
    via,
    runId: d.runId,
    ...(typeof d.rehearsalScale === 'number' ? { rehearsalScale: d.rehearsalScale } : {}),
  };
}

/** A campaign's starts with the plan each recorded, the latest last (by the wall clock: a rehearsal's plan instants may go back). */
async function recordedStarts(
  ledger: Pick<LedgerStore, 'events'>,
  campaignId: string,
): Promise<{ start: CampaignStart; plan: unknown }[]> {
  const events = await ledger.events({ campaignId, kinds: ['campaign-started'] });
  return events
    .flatMap((e) => {
      const start = startOf(e);
      return start ? [{ start, plan: e.data?.plan }] : [];
    })
    .sort((a, b) => (a.start.recordedAt < b.start.recordedAt ? -1 : a.start.recordedAt > b.start.recordedAt ? 1 : 0));
}

/** A campaign's starts, the latest last. */
export async function campaignStarts(
  ledger: Pick<LedgerStore, 'events'>,
  campaignId: string,
): Promise<CampaignStart[]> {
  return (await recordedStarts(ledger, campaignId)).map((r) => r.start);
}

/**
 * The plan of the campaign's latest start that the engine could use (its own check of its input),
 * or undefined: what the console reads for a campaign the engine no longer holds.
 */
export async function startedPlan(ledger: Pick<LedgerStore, 'events'>, campaignId: string): Promise<Plan | undefined> {
  const usable = (await recordedStarts(ledger, campaignId))
    .reverse()
    .find((r) => campaignInputProblems(r.plan, undefined, true).length === 0);
  return usable?.plan as Plan | undefined;
}
