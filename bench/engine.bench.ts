/**
 * The engine's figures.
 *   npx tsx bench/engine.bench.ts [--part rehearsal|fanout|all] [--branches 100,1000,5000]
 *                                 [--fanout-branches 2500] [--probe-lead 3] [--lateness false]
 *                                 [--server dev|cluster] [--workers 1|2]
 *                                 [--workflow-threads N] [--max-cached N] [--reuse-v8-context false]
 *                                 [--metrics 127.0.0.1:9464] [--window-events true]
 *                                 [--server-profile true]
 *
 * rehearsal — the wall time to rehearse the four-phase seed plan (003) for generated
 *   universities of 100, 1,000 and 5,000 branches on the time-skipping server, with the real
 *   workflows and activities (mail into an outbox, ledger in SQLite); up to 1,000 branches, then
 *   the workflow tasks and history events of each workflow type, read from the histories.
 * fanout — on the dev server (SQLite, WAL; the ledger in SQLite), or with `--server cluster` on the
 *   self-hosted cluster (test/helpers/cluster.ts: PostgreSQL persistence and visibility, mTLS;
 *   the ledger in PostgreSQL), with the service's worker in this process and, with `--workers 2`,
 *   a second one in a process of its own (worker/main.ts) on the same task queue, in one run:
 *   1. a bare loop of `client.workflow.start` (64 in flight) starting the same deadline
 *      workflows, with the same inputs, for a campaign of their own: the yardstick;
 *   2. a campaign that opens two one-off obligations for every branch (2 × 2,500 deadlines by default;
 *      the organisation by reference) and a probe obligation for every committee: deadlines
 *      started per second, from the first request to the last deadline's start instant as the
 *      server recorded it (both sets are timed so, each with its starts second by second for
 *      the first ten), and the ratio to the bare loop; the campaign's start-up (its activities
 *      and its first deadline's batch's, up to that deadline's start); then when the last
 *      notice went out, and when every deadline had run its first workflow task;
 *   3. the memory of the process (worker and client; the SMTP sink runs in a child process)
 *      with those deadlines open;
 *   4. the bare loop again, for a third set: the campaign against the mean of the loops before
 *      and after it (each set the server holds makes the next starts dearer);
 *   5. timer lateness with the three sets open, right after that fan-out: the probe deadlines
 *      mail an escalation a minute, and each mail's acceptance by the SMTP server is compared
 *      with its scheduled instant;
 *   6. with `--window-events true` (bench/window-counts.ts): the requests and database operations
 *      of the dev server inside each set's window, from its metrics read every second, and last
 *      (it reads every history) the history events written inside each window;
 *   7. with `--server-profile true` (bench/server-profile.ts; needs Linux `perf`): the dev
 *      server's CPU inside each window by the part of the server it went to (visibility records,
 *      starts, transfer tasks, matching, its garbage collector, …), and the share in SQLite.
 */
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import YAML from 'yaml';
import { Client, Connection, isGrpcServiceError, type TLSConfig } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { generateOrg } from '../plans/generate-org';
import { loadPlanFile, parseOrgText, PLANS_DIR } from '../plans/load';
import { parsePlan } from '../domain/plan-loader';
import { BehaviourSchema } from '../rehearsal/behaviour';
import { stepsForDue, phaseWindows, cyclesOf } from '../domain/calendar';
import { serverTime, type ClockSpec } from '../domain/clock';
import { openDeadlineState } from '../domain/deadline-state';
import type { Org } from '../domain/org-schema';
import type { Plan } from '../domain/plan-schema';
import { orgSlice, responsibleUnits } from '../domain/org-slice';
import { defaultPayloadConverter, type SearchAttributePair } from '@temporalio/common';
import { tsToMs } from '@temporalio/common/lib/time';
import { requestSampler, windowEvents, type StartWindow } from './window-counts';
import { perfUnavailable, profileByWindow, recordServer } from './server-profile';
import { deadlineWorkflow } from '../workflows/deadline';
import { SINCE_V0_18 } from '../activities';
import type { DeadlineInput } from '../domain/engine/inputs';
import {
  batchWorkflowId,
  campaignWorkflowId,
  deadlineWorkflowId,
  DEFAULT_ENGINE_OPTIONS,
  type CampaignContext,
} from '../domain/engine/context';
import { CampaignIdKey, keywordIs } from '../domain/engine/search-attributes';
import { deadlineSearchAttributesOf } from '../domain/engine/deadline-opening';
import { createTimeSkippingEnv } from '../worker/servers';
import { createWorker, bundleWorkflows } from '../worker/worker';
import { runSimulation } from '../rehearsal/simulate';
import { CampaignClient } from '../client/campaigns';
import { openSqlLedger } from '../ledger/store';
import { createMailer } from '../mail';
import { createDatabase, startPostgres } from '../test/helpers/postgres';
import { freePort } from '../test/helpers/ports';
import { startDevServer, startWorkerProcess, type Proc } from '../test/helpers/processes';
import { startCluster } from '../test/helpers/cluster';
import { startSinkProcess } from './sink-process';
import { cpuSince, findProcess, processCpuSeconds, processTreeCpuSeconds } from './process-cpu';

const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : dflt;
};
const PART = arg('part', 'all');
const SIZES = arg('branches', '100,1000,5000').split(',').map(Number);
const FANOUT_BRANCHES = Number(arg('fanout-branches', '2500'));
/** Minutes from the campaign's start to the probe's first timer. */
const PROBE_LEAD = Number(arg('probe-lead', '3'));
/** `--lateness false` ends the fan-out after its memory figure, without waiting for the probes (about 8 minutes). */
const LATENESS = arg('lateness', 'true') !== 'false';
/** The service worker's workflow threads in the fan-out (default: the SDK's, one). */
const WORKFLOW_THREADS = Number(arg('workflow-threads', '0')) || undefined;
/** The rehearsal worker's workflow cache (default: the SDK's, from the heap size). */
const MAX_CACHED = Number(arg('max-cached', '0')) || undefined;
/** The SDK's reuseV8Context (default true): false gives every workflow a V8 context of its own. */
const REUSE_V8 = arg('reuse-v8-context', 'true') !== 'false';
/** The worker options the flags above ask for, for the rehearsal's worker and the fan-out's. */
const TUNING = {
  ...(WORKFLOW_THREADS ? { workflowThreadPoolSize: WORKFLOW_THREADS } : {}),
  ...(MAX_CACHED ? { maxCachedWorkflows: MAX_CACHED } : {}),
  ...(REUSE_V8 ? {} : { reuseV8Context: false }),
};
const load = (): string =>
  os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
const cpuSeconds = (since: NodeJS.CpuUsage): string => {
  const u = process.cpuUsage(since);
  return ((u.user + u.system) / 1e6).toFixed(1);
};
/** The fan-out's server: `dev` (the dev server on SQLite) or `cluster` (the self-hosted cluster on PostgreSQL). */
const SERVER = arg('server', 'dev');
/** The fan-out's workers: this process's, and with 2 a second in a process of its own. */
const WORKERS = Number(arg('workers', '1'));
/** Where to serve the SDK's Prometheus metrics (cache hits and evictions, replay latency), if anywhere. */
const METRICS = arg('metrics', '');
/** The fan-out campaign's deadlines per batch (default: the engine's, DEFAULT_ENGINE_OPTIONS.batchSize). */
const BATCH_SIZE = Number(arg('batch-size', '0')) || undefined;
if (BATCH_SIZE !== undefined && !(Number.isInteger(BATCH_SIZE) && BATCH_SIZE >= 1 && BATCH_SIZE <= 2_000))
  throw new Error(`--batch-size: a whole number from 1 to 2000, not ${arg('batch-size', '')}`);
/** `--window-events true`: what the server did inside each set's window (bench/window-counts.ts). */
const WINDOW_EVENTS = arg('window-events', 'false') === 'true';
/** `--server-profile true`: where the dev server's CPU went inside each window (bench/server-profile.ts). */
const SERVER_PROFILE = arg('server-profile', 'false') === 'true';
const MiB = 1024 * 1024;
const quiet = { info() {}, warn() {}, error() {}, debug() {}, trace() {}, log() {} };

function university(branches: number): Org {
  const committees = Math.max(6, Math.ceil(branches / 50));
  return parseOrgText(YAML.stringify(generateOrg({ committees, branches })), `generated-${branches}.yaml`);
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function rehearsals(): Promise<void> {
  const plan = await loadPlanFile(`${PLANS_DIR}/003-changchun.yaml`);
  const bundle = await bundleWorkflows(quiet);
  for (const n of SIZES) {
    const org = university(n);
    const env = await createTimeSkippingEnv();
    // This process's CPU (worker, workflow threads, client; not the test server's): other
    // engineers' jobs change the wall time far more than the CPU a rehearsal needs.
    const cpu0 = process.cpuUsage();
    // The test server's own CPU beside it: on two cores the two compete for the same time.
    const serverPid = findProcess(['TestServerLauncher', ` ${env.address.split(':').pop()}`]);
    const serverCpu0 = processCpuSeconds(serverPid);
    try {
      const run = await runSimulation({
        plan,
        org,
        behaviour: BehaviourSchema.parse({}),
        env,
        workflowBundle: bundle,
        workerOptions: TUNING,
        onProgress: (at, done, total) => {
          process.stderr.write(`\r  ${n} branches: ${at.slice(0, 10)} ${done}/${total} requests`);
        },
      });
      process.stderr.write('\n');
      const mails = Object.values(run.mailByKind).reduce((a, b) => a + b, 0);
      const byKind = Object.entries(run.mailByKind)
        .map(([kind, count]) => `${kind} ${count}`)
        .join(', ');
      const s = run.wallMs / 1000;
      console.log(
        `rehearsal of seed 003, ${n} branches: ${s.toFixed(1)} s wall; ${run.sim.expected.length} deadlines ` +
          `(${Math.round(run.sim.expected.length / s)}/s), ${mails} mails (${byKind}), ${run.campaignRuns} campaign run(s); ` +
          `worker process CPU ${cpuSeconds(cpu0)} s, test server CPU ${cpuSince(serverPid, serverCpu0)}; load average ${load()}`,
      );
      if (n <= 1000) console.log(`  ${await historyCounts(env.client, plan.id, run.sim.expected)}`);
      rmSync(run.workDir, { recursive: true, force: true });
    } finally {
      await env.teardown();
    }
  }
}

/**
 * Workflow tasks and history events per run of each workflow type of a rehearsed campaign, from
 * its histories: its deadlines (and their reviews, if any), its batches and the campaign.
 */
async function historyCounts(
  client: Client,
  campaignId: string,
  expected: readonly { obligationKey: string; cycleKey: string; unitId: string }[],
): Promise<string> {
  const ids = [campaignWorkflowId(campaignId)];
  const cycles = new Set<string>();
  for (const d of expected) {
    ids.push(deadlineWorkflowId(campaignId, d.obligationKey, d.cycleKey, d.unitId));
    ids.push(deadlineWorkflowId(campaignId, `${d.obligationKey}.review`, d.cycleKey, d.unitId));
    const cycle = JSON.stringify([d.obligationKey, d.cycleKey]);
    if (cycles.has(cycle)) continue;
    cycles.add(cycle);
    const units = expected.filter((e) => e.obligationKey === d.obligationKey && e.cycleKey === d.cycleKey).length;
    for (let i = 0; i * DEFAULT_ENGINE_OPTIONS.batchSize < units; i++)
      ids.push(batchWorkflowId(campaignId, d.obligationKey, d.cycleKey, i));
  }
  const byType = new Map<string, { runs: number; tasks: number; events: number }>();
  const { EventType } = temporal.api.enums.v1;
  for (let i = 0; i < ids.length; i += 32) {
    const histories = await Promise.all(
      ids.slice(i, i + 32).map((id) =>
        client.workflow
          .getHandle(id)
          .fetchHistory()
          .catch((err: unknown) => {
            // A report without a review has none (gRPC's NOT_FOUND, 5).
            if (isGrpcServiceError(err) && Number(err.code) === 5 && id.includes('.review/')) return undefined;
            throw err;
          }),
      ),
    );
    for (const [k, history] of histories.entries()) {
      if (!history) continue;
      const events = history.events ?? [];
      const type = `${events[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name ?? '?'}${ids[i + k]!.includes('.review/') ? ' (review)' : ''}`;
      const t = byType.get(type) ?? { runs: 0, tasks: 0, events: 0 };
      t.runs += 1;
      t.events += events.length;
      t.tasks += events.filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED).length;
      byType.set(type, t);
    }
  }
  return [...byType]
    .map(
      ([type, t]) =>
        `${type}: ${t.runs} run(s), ${(t.tasks / t.runs).toFixed(2)} workflow tasks and ${(t.events / t.runs).toFixed(1)} events a run`,
    )
    .join('; ');
}

const FANOUT_PLAN = `
id: bench-fanout
title: 扇出基准
timeZone: Asia/Shanghai
officeHours: { start: '00:00', end: '23:59', workingDaysOnly: false }
phases:
  - { key: p, name: 基准, label: Bench, start: '2010-06-01', end: '2010-06-30' }
obligations:
  - key: plan-a
    title: 实施方案
    submitters: { level: branch }
    cadence: once
    due: { at: '2010-06-12T10:00' }
    opens: '-3d'
    phases: [p]
    reminders: ['-1d']
  - key: plan-b
    title: 承诺书
    submitters: { level: branch }
    cadence: once
    due: { at: '2010-06-12T10:00' }
    opens: '-3d'
    phases: [p]
    reminders: ['-1d']
  # Reminders on the due day give way to the due-day notice (at the office's opening), so the
  # probe's minute-apart timers are escalation steps after its due instant.
  - key: probe
    title: 计时探针
    submitters: { level: committee }
    cadence: once
    due: { at: '2010-06-10T10:02' }
    opens: '-1d'
    phases: [p]
    escalation:
      - { after: '+1m', notify: [unit] }
      - { after: '+2m', notify: [unit] }
      - { after: '+3m', notify: [unit] }
      - { after: '+4m', notify: [unit] }
      - { after: '+5m', notify: [unit] }
      - { after: '+6m', notify: [unit] }
`;

/** Tasks waiting in a task queue (workflow and activity), as the server estimates them. */
async function backlog(client: Client, taskQueue: string): Promise<number> {
  const namespace = client.options.namespace;
  let n = 0;
  // TaskQueueType: 1 workflow, 2 activity (temporal.api.enums.v1).
  for (const taskQueueType of [1, 2]) {
    const r = await client.workflowService.describeTaskQueue({
      namespace,
      taskQueue: { name: taskQueue },
      taskQueueType,
      reportStats: true,
    });
    n += Number(r.stats?.approximateBacklogCount ?? 0);
  }
  return n;
}

/** The history events a deadline's step goes through (temporal.api.enums.v1.EventType). */
const EVENT_NAMES: Record<number, string> = {
  5: 'task scheduled',
  6: 'task started',
  7: 'task completed',
  10: 'activity scheduled',
  11: 'activity started',
  12: 'activity completed',
  17: 'timer started',
  18: 'timer fired',
  26: 'signaled',
  37: 'signal sent',
  40: 'attributes upserted',
};

/**
 * Where the latest probe mail's lateness went: its deadline's history from the timer that woke it
 * to the activity that sent it, each event's time after the scheduled instant.
 */
async function explainWorst(
  client: Client,
  accepted: Map<string, number>,
  campaignId: string,
  steps: { step: string; at: string }[],
  clock: ClockSpec,
): Promise<void> {
  let worst: { key: string; late: number; due: number } | undefined;
  for (const s of steps) {
    const due = serverTime(clock, Date.parse(s.at));
    for (const [key, at] of accepted)
      if (key.startsWith(`${campaignId}/`) && key.includes('/probe/') && key.endsWith(`/${s.step}`))
        if (!worst || at - due > worst.late) worst = { key, late: at - due, due };
  }
  if (!worst) return;
  const [campaign, unitId, obligationKey, cycleKey] = worst.key.split('/') as [string, string, string, string];
  const deadlineId = deadlineWorkflowId(campaign, obligationKey, cycleKey, unitId);
  const history = await client.workflow.getHandle(deadlineId).fetchHistory();
  const events = (history.events ?? []).map((e) => ({
    type: EVENT_NAMES[Number(e.eventType)] ?? `event ${String(e.eventType)}`,
    ms: tsToMs(e.eventTime) - worst.due,
  }));
  const from = events.findIndex((e) => e.ms >= -1000);
  const shown = events.slice(Math.max(0, from), from + 14).map((e) => `${e.type} +${e.ms} ms`);
  console.log(`  the latest probe mail (${worst.key}, ${worst.late} ms late) in its history: ${shown.join(', ')}`);
}

/**
 * The first and the last start instant of a campaign's `total` deadlines, as the server recorded
 * them, and how many started by each ten seconds after `from`. Visibility lists a workflow a
 * moment after its start: the list is read again until it holds all of them.
 */
async function startSpan(
  client: Client,
  campaignId: string,
  from: number,
  total: number,
): Promise<{ first: number; firstId: string; last: number; ramp: string }> {
  let starts: { at: number; workflowId: string }[] = [];
  for (let tries = 0; starts.length < total && tries < 120; tries++) {
    if (tries > 0) await new Promise((r) => setTimeout(r, 500));
    starts = [];
    for await (const w of client.workflow.list({
      query: `WorkflowType = 'deadlineWorkflow' AND ${keywordIs(CampaignIdKey, campaignId)}`,
    }))
      starts.push({ at: w.startTime.getTime(), workflowId: w.workflowId });
  }
  if (starts.length < total) throw new Error(`${campaignId}: visibility lists ${starts.length} of ${total} deadlines`);
  starts.sort((a, b) => a.at - b.at);
  const first = starts[0]!;
  const last = starts[starts.length - 1]!.at;
  // Second by second for the first ten (where a fan-out's start-up shows), then by ten seconds.
  const bounds = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  while (bounds[bounds.length - 1]! * 1000 < last - from) bounds.push(bounds[bounds.length - 1]! + 10);
  const ramp = bounds.map((s) => `${s} s: ${starts.filter((x) => x.at - from < s * 1000).length}`).join('; ');
  return { first: first.at, firstId: first.workflowId, last, ramp };
}

/**
 * Where a campaign's start-up goes before its first deadline starts: the activities of the
 * campaign and of the batch that started that deadline, each as seconds after the client's
 * request (an activity that ran several times, as the campaign's `startBatch`, first to last).
 */
async function startUpTrace(
  client: Client,
  campaignId: string,
  from: number,
  first: { at: number; workflowId: string },
): Promise<string> {
  const offset = (at: number): string => `+${((at - from) / 1000).toFixed(2)}`;
  const timeline = async (workflowId: string, label: string): Promise<string[]> => {
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    const types = new Map<string, string>();
    const seen = new Map<string, { first: number; last: number; count: number }>();
    for (const e of history.events ?? []) {
      const at = tsToMs(e.eventTime);
      if (at > first.at) break;
      const scheduled = e.activityTaskScheduledEventAttributes;
      if (scheduled) types.set(String(e.eventId), scheduled.activityType?.name ?? '?');
      const of =
        e.activityTaskStartedEventAttributes?.scheduledEventId ??
        e.activityTaskCompletedEventAttributes?.scheduledEventId;
      const activity = scheduled ? scheduled.activityType?.name : of ? types.get(String(of)) : undefined;
      const what = e.workflowExecutionStartedEventAttributes
        ? 'started'
        : activity
          ? `${activity} ${EVENT_NAMES[e.eventType ?? 0]}`
          : undefined;
      if (!what) continue;
      const span = seen.get(what) ?? { first: at, last: at, count: 0 };
      seen.set(what, { first: span.first, last: at, count: span.count + 1 });
    }
    return [...seen].map(
      ([what, s]) =>
        `${label} ${what}${s.count > 1 ? ` ×${s.count}` : ''} ${offset(s.first)}${s.last > s.first ? `…${offset(s.last).slice(1)}` : ''}`,
    );
  };
  const started = (await client.workflow.getHandle(first.workflowId).fetchHistory()).events?.[0];
  const payload = started?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  const batchId = payload ? defaultPayloadConverter.fromPayload<DeadlineInput>(payload).batchWorkflowId : undefined;
  const lines = await timeline(campaignWorkflowId(campaignId), 'campaign');
  if (batchId) lines.push(...(await timeline(batchId, 'batch')));
  lines.push(`first deadline started ${offset(first.at)}`);
  return lines.join('; ');
}

/**
 * The server's and this process's CPU, sampled four times a second without asking the server
 * anything, so that a half can be charged what it used up to its last start.
 */
function cpuSampler(serverCpu: () => number | undefined) {
  const samples: { at: number; server?: number; bench: NodeJS.CpuUsage }[] = [];
  const take = (): void => {
    samples.push({ at: Date.now(), server: serverCpu(), bench: process.cpuUsage() });
  };
  take();
  const timer = setInterval(take, 250);
  return {
    stop: () => clearInterval(timer),
    /** "server CPU …, bench process CPU …" from `from` to the first sample at or after `to`. */
    between(from: number, to: number): string {
      const a = samples.find((x) => x.at >= from) ?? samples[0]!;
      const b = samples.find((x) => x.at >= to) ?? samples[samples.length - 1]!;
      const server = a.server === undefined || b.server === undefined ? '?' : `${(b.server - a.server).toFixed(1)} s`;
      const bench = (b.bench.user + b.bench.system - a.bench.user - a.bench.system) / 1e6;
      return `server CPU ${server}, bench process CPU ${bench.toFixed(1)} s`;
    },
    /**
     * Each of the first `seconds` seconds from `from`: the cores the server and this process used
     * in it, and how late the sampler's timer ran at worst (this process's event loop held up):
     * whether a half's slow first seconds waited on the server or on the worker.
     */
    bySecond(from: number, seconds: number): string {
      const at = (t: number) => samples.find((x) => x.at >= t) ?? samples[samples.length - 1]!;
      const parts: string[] = [];
      for (let k = 0; k < seconds; k++) {
        const a = at(from + k * 1000);
        const b = at(from + (k + 1) * 1000);
        const span = (b.at - a.at) / 1000;
        if (span <= 0) break;
        const server =
          a.server === undefined || b.server === undefined ? '?' : ((b.server - a.server) / span).toFixed(2);
        const bench = (b.bench.user + b.bench.system - a.bench.user - a.bench.system) / 1e6 / span;
        const within = samples.filter((x) => x.at > a.at && x.at <= b.at);
        const late = Math.max(0, ...within.map((x, i) => x.at - (i === 0 ? a.at : within[i - 1]!.at) - 250));
        parts.push(`${k + 1} s: ${server}/${bench.toFixed(2)} (${late} ms)`);
      }
      return `cores used by second, server/bench (the bench's event loop late by at most): ${parts.join('; ')}`;
    },
  };
}

interface BareDeadline {
  input: DeadlineInput;
  attributes: SearchAttributePair[];
}

/** The deadlines the campaign would open, for a campaign of their own ("bench-bare"), as a batch would start them. */
function bareDeadlines(plan: Plan, org: Org, clock: ClockSpec, campaignId: string): BareDeadline[] {
  const ctx: CampaignContext = {
    campaignId,
    title: plan.title,
    timeZone: plan.timeZone,
    locale: plan.locale,
    officeHours: plan.officeHours,
    clock,
    options: { ...DEFAULT_ENGINE_OPTIONS },
    campaignWorkflowId: 'bench-bare-sink-0',
  };
  const out: BareDeadline[] = [];
  const openedAt = new Date(clock.originPlanMs).toISOString();
  for (const obligation of plan.obligations) {
    const cycle = cyclesOf(plan, obligation, phaseWindows(plan, {}), {})[0]!;
    const steps = stepsForDue(plan, obligation, cycle.opensAt, cycle.dueAt, { holidayRule: true });
    const noticeStep = steps.find((s) => s.kind === 'notice')!.step;
    // The colour its batch starts it in (since v0.19): blue past its first reminder.
    const colour = openDeadlineState(clock.originPlanMs, cycle.dueAt, steps);
    for (const unitId of responsibleUnits(org, obligation)) {
      const deadlineId = deadlineWorkflowId(ctx.campaignId, obligation.key, cycle.cycleKey, unitId);
      const input: DeadlineInput = {
        ctx,
        deadlineId,
        role: 'report',
        obligation,
        cycle: {
          key: cycle.cycleKey,
          label: cycle.cycleLabel,
          labelEn: cycle.cycleLabelEn,
          phaseKey: cycle.phaseKey,
        },
        unitId,
        org: orgSlice(org, [unitId]),
        opensAt: cycle.opensAt,
        dueAt: cycle.dueAt,
        dueOnHoliday: cycle.dueOnHoliday,
        // As many deadlines per sink as per batch: a workflow takes at most 10,000 signals.
        batchWorkflowId: `bench-bare-sink-${Math.floor(out.length / DEFAULT_ENGINE_OPTIONS.batchSize)}`,
        // As the campaign's starter (activities/index.ts) starts them today: the opening
        // recorded, the notice the starter's to send after every start, the shared steps the
        // batch's. The campaign's fan-out does that work itself (a ledger write, the notices);
        // the yardstick does not.
        opening: {
          at: openedAt,
          notice: { step: noticeStep, status: 'after-start' },
          sharedSteps: true,
          ...SINCE_V0_18,
          ...(colour !== 'green' ? { startedAs: colour } : {}),
        },
      };
      // The starter's own attributes for that input (domain/engine/deadline-opening.ts).
      out.push({ input, attributes: deadlineSearchAttributesOf(input) });
    }
  }
  return out;
}

interface FanoutServer {
  label: string;
  address: string;
  namespace: string;
  tls?: TLSConfig;
  ledgerUrl: string;
  /** CPU seconds the server has used so far: the dev server's process, or the cluster's with its PostgreSQL (the ledger's too). */
  cpuSeconds(): number | undefined;
  /** How a worker process reaches the server (TEMPORAL_* variables). */
  workerEnv: Record<string, string>;
  /** The server's Prometheus metrics (the dev server's, with `--window-events true`). */
  metricsUrl?: string;
  /** The dev server's process, for `--server-profile`. */
  pid?: number;
  stop(): Promise<void>;
}

async function fanoutServer(dir: string): Promise<FanoutServer> {
  if (SERVER === 'dev') {
    const port = await freePort();
    const metricsPort = WINDOW_EVENTS ? await freePort() : undefined;
    const server = await startDevServer({ dbFile: path.join(dir, 'temporal.sqlite'), port, metricsPort });
    const address = `127.0.0.1:${port}`;
    return {
      label: 'the dev server',
      address,
      namespace: 'default',
      ledgerUrl: `sqlite:${path.join(dir, 'ledger.sqlite')}`,
      cpuSeconds: () => processCpuSeconds(server.child.pid),
      ...(server.child.pid ? { pid: server.child.pid } : {}),
      workerEnv: { TEMPORAL_ADDRESS: address },
      ...(metricsPort ? { metricsUrl: `http://127.0.0.1:${metricsPort}/metrics` } : {}),
      stop: () => server.kill('SIGTERM'),
    };
  }
  if (SERVER !== 'cluster') throw new Error(`--server: dev or cluster, not ${SERVER}`);
  const pg = await startPostgres();
  try {
    const cluster = await startCluster({ pg, dir });
    const postmaster = findProcess(['postgres', `-p ${pg.port} `]);
    return {
      label:
        "the self-hosted cluster (PostgreSQL, mTLS; its server CPU is the Temporal server's and PostgreSQL's, the ledger's writes included)",
      address: cluster.address,
      namespace: cluster.namespace,
      tls: cluster.tls,
      ledgerUrl: await createDatabase(pg, 'ledger_bench'),
      workerEnv: cluster.env,
      cpuSeconds: () => processTreeCpuSeconds([cluster.proc().child.pid, postmaster]),
      stop: async () => {
        await cluster.stop();
        pg.stop();
      },
    };
  } catch (err) {
    pg.stop();
    throw err;
  }
}

async function fanout(): Promise<void> {
  if (WORKERS !== 1 && WORKERS !== 2) throw new Error(`--workers: 1 or 2, not ${WORKERS}`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'engine-bench-'));
  const server = await fanoutServer(dir);
  const sink = await startSinkProcess();
  const { address, namespace, tls } = server;
  const connection = await Connection.connect({ address, tls });
  const client = new Client({ connection, namespace });
  const native = await NativeConnection.connect({ address, tls });
  const ledger = await openSqlLedger(server.ledgerUrl);
  const sinkUrl = `smtp://127.0.0.1:${sink.port}/?pool=true&maxConnections=8`;
  const mailer = await createMailer({
    url: sinkUrl,
    from: 'office@example.org',
    baseUrl: 'http://localhost:8080',
    ledger,
  });
  const workers: Worker[] = [];
  const runs: Promise<void>[] = [];
  let second: Proc | undefined;
  /** With `--window-events true`: the dev server's counters, read every second (stopped in `finally` too). */
  let requests: ReturnType<typeof requestSampler> | undefined;
  /** With `--server-profile true`: `perf` recording the dev server (stopped in `finally` too). */
  let profile: ReturnType<typeof recordServer> | undefined;
  const profileFile = path.join(dir, 'server.perf');
  try {
    const plan = parsePlan(FANOUT_PLAN, 'fanout.yaml');
    const org = university(FANOUT_BRANCHES);
    const committees = org.order.filter((id) => org.units[id]!.level === 'committee').length;
    const total = 2 * FANOUT_BRANCHES + committees;
    console.log(
      `fan-out on ${server.label}, ${WORKERS} worker(s): ` +
        `${FANOUT_BRANCHES} branches × 2 obligations + ${committees} committees = ${total} deadlines`,
    );

    // The service's worker runs both sets of deadlines; with --workers 2, so does a second one
    // in a process of its own (worker/main.ts), as a deployment would run it.
    if (WORKERS === 2)
      second = await startWorkerProcess({
        ...server.workerEnv,
        TASK_QUEUE: 'bench-campaign',
        LEDGER_URL: server.ledgerUrl,
        MAIL_URL: sinkUrl,
        LINK_SECRET: 'engine-bench-link-secret-0123456789abcdef',
      });
    const worker = await createWorker({
      connection: native,
      namespace,
      taskQueue: 'bench-campaign',
      deps: { ledger, mailer, client },
      workflowBundle: await bundleWorkflows(quiet),
      options: TUNING,
    });
    workers.push(worker);
    runs.push(worker.run());

    // 1. The yardstick: a bare loop of client.workflow.start (64 in flight) starting the same
    //    deadline workflows with the same inputs, for a campaign of its own, on the same worker:
    //    what the fan-out costs beyond the deadlines themselves is the difference. Their state
    //    reports go to workflows that only wait (bench/bare-workflow.ts), one per 250.
    const sinkWorker = await Worker.create({
      connection: native,
      namespace,
      taskQueue: 'bench-bare',
      workflowsPath: require.resolve('./bare-workflow'),
    });
    workers.push(sinkWorker);
    runs.push(sinkWorker.run());
    for (let i = 0; i * DEFAULT_ENGINE_OPTIONS.batchSize < total; i++)
      await client.workflow.start('bareWorkflow', { taskQueue: 'bench-bare', workflowId: `bench-bare-sink-${i}` });
    const cpu = cpuSampler(() => server.cpuSeconds());
    const windows: StartWindow[] = [];
    if (WINDOW_EVENTS && server.metricsUrl) requests = requestSampler(server.metricsUrl);
    if (SERVER_PROFILE) {
      const unavailable = server.pid ? perfUnavailable() : 'it profiles the dev server only';
      if (unavailable) console.log(`  --server-profile: not recorded, ${unavailable}`);
      else profile = recordServer(server.pid!, profileFile);
    }
    /** How long the first loop's deadlines took to run their first workflow task (`settle`). */
    let bareSettledSeconds = 0;
    /**
     * The bare loop over the deadlines of campaign `campaignId`: its rate from the first request
     * to the last deadline's start instant as the server recorded it (its visibility start time,
     * not when visibility counts them all, which lags the starts by seconds under load), as the
     * campaign's is timed. `settle`: then until they have run their first workflow task.
     */
    const bareLoop = async (campaignId: string, label: string, settle: boolean): Promise<number> => {
      // Their clock reads a day earlier than the campaign's, after the probe opens: its notices go
      // at once, its reminders a day later, after the run.
      const bare = bareDeadlines(
        plan,
        org,
        {
          originPlanMs: Date.parse('2010-06-09T02:10:00Z'), // 10:10, after every notice's instant
          originServerMs: Date.now(),
          scale: 1,
        },
        campaignId,
      );
      await new Promise((r) => setTimeout(r, 300));
      const t0 = Date.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: 64 }, async () => {
          while (next < bare.length) {
            const d = bare[next++]!;
            await client.workflow.start(deadlineWorkflow, {
              taskQueue: 'bench-campaign',
              workflowId: d.input.deadlineId,
              typedSearchAttributes: d.attributes,
              args: [d.input],
            });
          }
        }),
      );
      const span = await startSpan(client, campaignId, t0, total);
      windows.push({ label, from: t0, to: span.last });
      const seconds = (span.last - t0) / 1000;
      console.log(
        `  ${label}: ${total} deadlines in ${seconds.toFixed(1)} s = ${Math.round(total / seconds)}/s ` +
          `(the first started at +${((span.first - t0) / 1000).toFixed(1)} s; started by: ${span.ramp}); ` +
          `${cpu.between(t0, span.last)} up to the last start; load average ${load()}`,
      );
      console.log(`    ${cpu.bySecond(t0, 5)}`);
      if (settle) {
        // The campaign's deadlines run some of their first workflow tasks inside its window;
        // what the loop's deadlines cost until they have all run theirs, for the comparison.
        while ((await backlog(client, 'bench-campaign')) > 0) await new Promise((r) => setTimeout(r, 500));
        const settled = Date.now();
        bareSettledSeconds = (settled - t0) / 1000;
        console.log(
          `  the loop's deadlines had run their first workflow task ${bareSettledSeconds.toFixed(1)} s after its first request ` +
            `(no backlog at a check every 0.5 s); ${cpu.between(t0, settled)} until then`,
        );
      }
      return total / seconds;
    };
    // Each set a server holds makes its next starts dearer (in one run, 2026-12-04: a second
    // loop of 5,050 after the first, 286/s against 300/s); the campaign, second in line, is
    // compared with a loop before it and one after it.
    const bareRate = await bareLoop('bench-bare', 'bare loop of client.workflow.start', true);
    const sent = (prefix: string): number =>
      [...sink.accepted.keys()].filter((k) => k.startsWith(prefix) && k.endsWith('/notice')).length;

    // 2. The campaign's fan-out, with the service's worker.
    // The probe's first escalation is at 10:03 in Shanghai; the campaign starts PROBE_LEAD minutes before.
    const origin = Date.parse('2010-06-10T02:03:00Z') - PROBE_LEAD * 60_000;
    const clock: ClockSpec = { originPlanMs: origin, originServerMs: Date.now(), scale: 1 };
    const t1 = Date.now();
    // With the ledger, the client stores the organisation and the campaign holds it by reference.
    await new CampaignClient(client, 0, ledger).start({
      plan,
      org,
      taskQueue: 'bench-campaign',
      clock,
      ...(BATCH_SIZE ? { options: { batchSize: BATCH_SIZE } } : {}),
    });
    const input = (await client.workflow.getHandle(campaignWorkflowId(plan.id)).fetchHistory()).events?.[0]
      ?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0]?.data?.length;
    console.log(`  the campaign's input: ${input ?? '?'} bytes (the organisation by reference)`);
    // Waited for without asking the server (as the bare loop's half does not): a batch's starter
    // mails its notices once all of its deadlines have started, so once every notice is out,
    // every deadline has started. (Counting them in visibility four times a second, as this
    // bench did until 2026-12-03, cost the dev server a second of CPU in every four of this half.)
    while (sent(`${plan.id}/`) < total) await new Promise((r) => setTimeout(r, 250));
    const notices = Date.now();
    const fanSpan = await startSpan(client, plan.id, t1, total);
    // As for the loop: until its deadlines have run their first task (asked once the notices are out).
    while ((await backlog(client, 'bench-campaign')) > 0) await new Promise((r) => setTimeout(r, 500));
    const fanSettled = Date.now();
    console.log(`  started by: ${fanSpan.ramp}`);
    console.log(
      `  the campaign's start-up: ${await startUpTrace(client, plan.id, t1, { at: fanSpan.first, workflowId: fanSpan.firstId })}`,
    );
    const fanSeconds = (fanSpan.last - t1) / 1000;
    windows.push({ label: 'campaign fan-out', from: t1, to: fanSpan.last });
    const fanRate = total / fanSeconds;
    console.log(
      `  campaign fan-out: ${total} deadlines in ${fanSeconds.toFixed(1)} s = ${Math.round(fanRate)}/s ` +
        `(the first started at +${((fanSpan.first - t1) / 1000).toFixed(1)} s, after the campaign's own start-up); ` +
        `${cpu.between(t1, fanSpan.last)} up to the last start; ` +
        `ratio to the bare loop ${(fanRate / bareRate).toFixed(2)}; load average ${load()}`,
    );
    console.log(`    ${cpu.bySecond(t1, 5)}`);
    const settledRatio = bareSettledSeconds / ((fanSettled - t1) / 1000);
    console.log(
      `  the campaign's deadlines had run their first workflow task ${((fanSettled - t1) / 1000).toFixed(1)} s after its start ` +
        `(no backlog at a check every 0.5 s once the notices were out); ${cpu.between(t1, fanSettled)} until then; ` +
        `counted so, the ratio to the loop is ${settledRatio.toFixed(2)}`,
    );

    // 3. Memory with the deadlines open, once their notices are out.
    global.gc?.();
    const m = process.memoryUsage();
    console.log(
      `  ${2 * total} deadlines open (both sets), the campaign's notices sent (${((notices - t1) / 1000).toFixed(0)} s after the start): ` +
        `process RSS ${Math.round(m.rss / MiB)} MiB, heap ${Math.round(m.heapUsed / MiB)} MiB ` +
        `(worker and client${second ? '; not the second worker' : ''}; the SMTP sink runs in a process of its own)`,
    );
    // The heap above is the main thread's; the workflows live in the workflow thread's, whose
    // cache keeps up to this many, each with its own copy of the modules it evaluated (all but
    // the SDK's shared ones and SHARED_WORKFLOW_MODULES; test/architecture/workflow-bundle.test.ts).
    console.log(
      `  workflow cache of this worker: up to ${worker.options.maxCachedWorkflows} workflows ` +
        `in ${worker.options.workflowThreadPoolSize} thread(s), outside the heap above`,
    );

    // The yardstick again, on the server as the campaign left it (its deadlines' first tasks
    // left to run as the probe's timers come due: the lateness below is right after a fan-out).
    const afterRate = await bareLoop('bench-bare-after', 'bare loop again, after the campaign', false);
    cpu.stop();
    const meanRate = (bareRate + afterRate) / 2;
    console.log(
      `  campaign fan-out against the mean of the loops before and after it (${Math.round(meanRate)}/s): ` +
        `ratio ${(fanRate / meanRate).toFixed(2)}`,
    );
    if (profile) {
      // A recording that failed (no leave to trace another process, say) is reported, not fatal.
      const stopped = profile.stop();
      profile = undefined;
      await stopped.then(
        async () => {
          for (const line of await profileByWindow(profileFile, windows))
            console.log(`  the dev server's CPU by part (perf, 250 samples a second) in the window of the ${line}`);
        },
        (err: unknown) => console.log(`  --server-profile: ${err instanceof Error ? err.message : String(err)}`),
      );
    }
    if (requests) {
      // Read until here only: the reads would cost the server CPU through the lateness below.
      await requests.stop();
      for (const w of windows)
        console.log(`  the server's requests and database operations in the window of the ${requests.within(w)}`);
    }

    const pool = ledger.poolStats();
    if (pool)
      console.log(
        `  ledger pool of this process, the fan-out and its notices: ${pool.size} connections, ${pool.waitMs / 1000} s wait; ` +
          `longest queue ${pool.maxWaiting}, waits run out ${pool.busy} (each retried)`,
      );

    if (LATENESS) {
      // 5. Timer lateness: the probe deadlines' reminders, due-day notice and first escalation.
      const probe = plan.obligations.find((o) => o.key === 'probe')!;
      const cycle = cyclesOf(plan, probe, phaseWindows(plan, {}), {})[0]!;
      const steps = stepsForDue(plan, probe, cycle.opensAt, cycle.dueAt).filter((s) => s.kind === 'escalation');
      const lastAt = Math.max(...steps.map((s) => serverTime(clock, Date.parse(s.at))));
      const deadline = lastAt + 120_000;
      const expected = steps.length * committees;
      const late = (): number[] => {
        const out: number[] = [];
        for (const s of steps) {
          const due = serverTime(clock, Date.parse(s.at));
          for (const [key, at] of sink.accepted)
            if (key.startsWith(`${plan.id}/`) && key.includes('/probe/') && key.endsWith(`/${s.step}`))
              out.push(at - due);
        }
        return out;
      };
      while (late().length < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1000));
      const lateness = late().sort((a, b) => a - b);
      await explainWorst(client, sink.accepted, plan.id, steps, clock);
      console.log(
        `  timer lateness while ${3 * total} deadlines are open (${lateness.length}/${expected} probe mails, ` +
          `${steps.length} instants a minute apart): median ${pct(lateness, 50)} ms, p99 ${pct(lateness, 99)} ms, ` +
          `max ${lateness[lateness.length - 1]} ms; load average ${load()}`,
      );
    }
    if (WINDOW_EVENTS)
      for (const line of await windowEvents(client, windows))
        console.log(`  history events in the window of the ${line}`);
  } finally {
    await requests?.stop();
    await profile?.stop().catch(() => undefined);
    for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
    await Promise.allSettled(runs);
    await second?.kill('SIGTERM');
    await mailer.close();
    await ledger.close();
    await native.close();
    await connection.close();
    await sink.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  Runtime.install({
    logger: new DefaultLogger('WARN'),
    ...(METRICS ? { telemetryOptions: { metrics: { prometheus: { bindAddress: METRICS } } } } : {}),
  });
  console.log(
    `engine benchmark: node ${process.version}, ${os.cpus().length} cores, worker options ${JSON.stringify(TUNING)}, ` +
      `load average ${load()}`,
  );
  if (PART === 'rehearsal' || PART === 'all') await rehearsals();
  if (PART === 'fanout' || PART === 'all') await fanout();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
