/**
 * The chaos soak: a compressed campaign (the tests' mini plan cut to two phases, with late,
 * missing and advanced work: test/helpers/compressed-campaign.ts) run at a high plan speed by
 * the service's own worker processes, while they are SIGKILLed at random and started again, the
 * Temporal server is killed and started again, and the SMTP server goes away for a while. Then
 * it counts what reached the SMTP server against what a rehearsal of the same plan on the
 * time-skipping server sends.
 *
 *   npx tsx bench/chaos.ts [--server dev|cluster|both] [--kills 100] [--server-restarts 5]
 *                          [--outages 3] [--outage-seconds 30-120] [--workers 2]
 *                          [--day-ms 4000] [--min-uptime-s 20] [--task-timeout-s 10] [--seed N]
 *
 * dev — the dev server (SQLite); cluster — the self-hosted cluster (test/helpers/cluster.ts:
 * PostgreSQL persistence and visibility, mTLS). Either way the ledger is in PostgreSQL, which
 * every worker process shares. `--day-ms` is the wall time of a plan day: the campaign lasts
 * about 125 plan days, so the default runs it in about eight minutes.
 *
 * It prints, per server: messages expected, delivered, doubled (each double with the window it
 * fell in), missing; the ledger's sent rows against what the SMTP server received; the audit
 * against the rehearsal; the catch-up time after each SMTP outage. test/e2e/chaos.test.ts runs
 * a short version (10 kills, one outage) through runChaos.
 */
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { Connection, type TLSConfig } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import type { Plan } from '../domain/plan-schema';
import type { Org } from '../domain/org-schema';
import { planSimulation } from '../rehearsal/behaviour';
import { runSimulation } from '../rehearsal/simulate';
import { createTimeSkippingEnv } from '../worker/servers';
import { openLedger } from '../ledger';
import { createDatabase, startPostgres, type PgCluster } from '../test/helpers/postgres';
import { freePort } from '../test/helpers/ports';
import { startDevServer, startWorkerProcess, type Proc } from '../test/helpers/processes';
import { startCluster } from '../test/helpers/cluster';
import { startSmtp } from '../test/helpers/smtp';
import {
  auditOf,
  behaviour,
  compressedPlan,
  DAY,
  ENGINE,
  miniOrg,
  wallClockServer,
  type CampaignAudit,
} from '../test/helpers/compressed-campaign';

export interface ChaosOptions {
  server: 'dev' | 'cluster';
  /** Worker SIGKILLs, each worker started again at once. */
  kills: number;
  /** Temporal server SIGKILLs, each started again on its data. */
  serverRestarts: number;
  /** SMTP outages, each of a length drawn from outageMs. */
  outages: number;
  outageMs: [number, number];
  /** Worker processes at once. */
  workers: number;
  /** Wall milliseconds per plan day. */
  dayMs: number;
  /**
   * A kill takes a worker that has been up at least this long (waiting for one). Without it, a
   * machine that starts workers more slowly than kills come has every worker shot as soon as it
   * is up, and nothing runs: that tests a crash loop, not a worker lost now and then.
   */
  minUptimeMs: number;
  /** The workflow task timeout (EngineOptions.workflowTaskTimeoutMs): a fresh worker's first task on a loaded machine may take longer than Temporal's 10 s. */
  workflowTaskTimeoutMs: number;
  seed: number;
  /** Progress lines (stderr by default). */
  log?: (line: string) => void;
}

/** The rehearsal every soak is compared with: the same plan and behaviour on the time-skipping server. */
export interface ChaosReference {
  plan: Plan;
  org: Org;
  audit: CampaignAudit;
  /** Each message's plan instant in the rehearsal, by `unit/obligation/cycle/step`. */
  planAtByStep: Map<string, number>;
}

export interface Double {
  step: string;
  /** Milliseconds from the soak's start of each acceptance. */
  acceptedAt: number[];
  /** The window it fell in: a worker killed between the two acceptances, or none. */
  window: string;
}

export interface ChaosReport {
  server: string;
  seed: number;
  kills: number;
  /**
   * How the kills went: how late each came after its planned instant (a kill waits for a worker
   * that is up), how long its victim had been up, and how long a worker took to start. When
   * workers start more slowly than kills come, every worker is killed soon after it is up and
   * the soak tests a service with hardly a worker: these say whether that happened.
   */
  killLagMs: Spread;
  victimUptimeMs: Spread;
  workerStartMs: Spread;
  serverRestarts: number;
  outages: { startMs: number; lengthMs: number; held: number; catchUpMs: number | null }[];
  expected: number;
  delivered: number;
  doubled: Double[];
  /**
   * Not delivered, with the deadline still open: lost. (`moot` are those of a deadline the unit
   * had answered before the mail could go out: the deadline sends nothing after the answer.)
   */
  missing: string[];
  moot: string[];
  /** Delivered, but not in the rehearsal. */
  unexpected: string[];
  ledgerSent: number;
  ledgerWithoutSmtp: string[];
  smtpWithoutLedger: string[];
  /** Deadlines whose audit differs from the rehearsal's (`deadline: soak ≠ rehearsal`). */
  auditDiffs: string[];
  wallMs: number;
}

/** The median and the extremes of some durations, in ms. */
export interface Spread {
  min: number;
  median: number;
  max: number;
}

function spreadOf(values: number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  return { min: sorted[0] ?? 0, median: sorted[Math.floor(sorted.length / 2)] ?? 0, max: sorted.at(-1) ?? 0 };
}

/** A small seeded generator (mulberry32), so that a soak can be run again with the same draws. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const stepOfKey = (dedupeKey: string): string => dedupeKey.split('/').slice(1).join('/');

export async function chaosReference(): Promise<ChaosReference> {
  const plan = await compressedPlan();
  const org = await miniOrg();
  const env = await createTimeSkippingEnv();
  try {
    const run = await runSimulation({ plan, org, behaviour, env, engine: { ...ENGINE, searchAttributes: false } });
    const audit = await auditOf(run.ledgerUrl, plan.id);
    const ledger = await openLedger(run.ledgerUrl);
    const planAtByStep = new Map<string, number>();
    try {
      for (const e of await ledger.events({ campaignId: plan.id, kinds: ['message-sent'] }))
        planAtByStep.set(`${e.unitId}/${e.obligationKey ?? '-'}/${e.cycleKey ?? '-'}/${e.step}`, Date.parse(e.at));
    } finally {
      await ledger.close();
    }
    rmSync(run.workDir, { recursive: true, force: true });
    return { plan, org, audit, planAtByStep };
  } finally {
    await env.teardown();
  }
}

interface SoakServer {
  label: string;
  address: string;
  namespace: string;
  tls?: TLSConfig;
  workerEnv: Record<string, string>;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

async function soakServer(kind: ChaosOptions['server'], pg: PgCluster, dir: string): Promise<SoakServer> {
  if (kind === 'cluster') {
    const cluster = await startCluster({ pg, dir, database: 'temporal_soak' });
    return {
      label: 'the self-hosted cluster (PostgreSQL, mTLS)',
      address: cluster.address,
      namespace: cluster.namespace,
      tls: cluster.tls,
      workerEnv: cluster.env,
      restart: () => cluster.restart('SIGKILL'),
      stop: () => cluster.stop(),
    };
  }
  const port = await freePort();
  const dbFile = path.join(dir, 'temporal.sqlite');
  let server = await startDevServer({ dbFile, port });
  const address = `127.0.0.1:${port}`;
  return {
    label: 'the dev server (SQLite)',
    address,
    namespace: 'default',
    workerEnv: { TEMPORAL_ADDRESS: address },
    async restart() {
      await server.kill('SIGKILL');
      server = await startDevServer({ dbFile, port });
    },
    stop: () => server.kill('SIGTERM'),
  };
}

/**
 * Worker processes that are killed and started again: a start that fails (the Temporal server
 * restarting at that moment) is tried again.
 */
class WorkerPool {
  readonly procs: (Proc | undefined)[];
  private readonly starting: (Promise<void> | undefined)[];
  /** When each worker was last up (its start resolved). */
  private readonly upSince: number[];
  /** How long each start took, from the spawn to the worker's first poll. */
  readonly startMs: number[] = [];
  private stopped = false;

  constructor(
    private readonly env: Record<string, string>,
    size: number,
    private readonly log: (line: string) => void,
  ) {
    this.procs = Array.from({ length: size }, () => undefined);
    this.starting = Array.from({ length: size }, () => undefined);
    this.upSince = Array.from({ length: size }, () => 0);
  }

  start(i: number): Promise<void> {
    const p = (async () => {
      for (let attempt = 1; !this.stopped; attempt++) {
        try {
          const began = Date.now();
          // On a loaded machine a worker may take minutes to start (it bundles its workflows).
          this.procs[i] = await startWorkerProcess(this.env, 300_000);
          this.upSince[i] = Date.now();
          this.startMs.push(this.upSince[i] - began);
          return;
        } catch (err) {
          this.log(`  worker ${i + 1} did not start (attempt ${attempt}): ${String(err).split('\n')[0]}`);
          await sleep(1000);
        }
      }
    })();
    this.starting[i] = p;
    return p.finally(() => (this.starting[i] = undefined));
  }

  /** The workers running, and up for at least `minUptimeMs`. */
  ready(minUptimeMs = 0): number[] {
    const now = Date.now();
    return this.procs.flatMap((p, i) =>
      p && !this.starting[i] && p.child.exitCode === null && now - this.upSince[i]! >= minUptimeMs ? [i] : [],
    );
  }

  /**
   * SIGKILLs a running worker chosen by `pick` (waiting for one to be running) and starts it
   * again in the background; returns which, and how long it had been up.
   */
  async killOne(pick: (n: number) => number, minUptimeMs: number): Promise<{ worker: number; uptimeMs: number }> {
    while (this.ready(minUptimeMs).length === 0) await sleep(100);
    const ready = this.ready(minUptimeMs);
    const i = ready[pick(ready.length)]!;
    const uptimeMs = Date.now() - this.upSince[i]!;
    await this.procs[i]!.kill('SIGKILL');
    void this.start(i);
    return { worker: i, uptimeMs };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.allSettled(this.starting.filter((s) => s !== undefined));
    for (const p of this.procs) await p?.kill('SIGTERM');
  }
}

/** Instants (ms from the start) for `n` events spread at random over [from, to). */
function instants(rand: () => number, n: number, from: number, to: number): number[] {
  return Array.from({ length: n }, () => from + rand() * (to - from)).sort((a, b) => a - b);
}

export async function runChaos(opts: ChaosOptions, reference: ChaosReference): Promise<ChaosReport> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const rand = random(opts.seed);
  const { plan, org } = reference;
  const dir = mkdtempSync(path.join(os.tmpdir(), `chaos-${opts.server}-`));
  const pg = await startPostgres();
  const smtp = await startSmtp();
  let server: SoakServer | undefined;
  let pool: WorkerPool | undefined;
  let connection: Connection | undefined;
  try {
    server = await soakServer(opts.server, pg, dir);
    const ledgerUrl = await createDatabase(pg, 'ledger_soak');
    const taskQueue = 'chaos';
    pool = new WorkerPool(
      {
        ...server.workerEnv,
        TASK_QUEUE: taskQueue,
        LEDGER_URL: ledgerUrl,
        MAIL_URL: smtp.url,
        LINK_SECRET: 'chaos-soak-link-secret-0123456789abcdef',
        BASE_URL: 'http://localhost:8080',
      },
      opts.workers,
      log,
    );
    await Promise.all(pool.procs.map((_, i) => pool!.start(i)));
    connection = await Connection.connect({ address: server.address, tls: server.tls });

    const suffix = '-chaos';
    const campaignId = `${plan.id}${suffix}`;
    // Each acceptance by the SMTP server, with its time: the received list has none.
    const accepted: { key: string; messageId: string; at: number }[] = [];
    smtp.beforeAccept = (mail) => {
      const header = mail.headers.get('x-campaign-dedupe-key');
      accepted.push({
        key: typeof header === 'string' ? header : '',
        messageId: String(mail.messageId),
        at: Date.now(),
      });
      return true;
    };

    // The schedule, over the campaign's expected length in wall time.
    const sim = planSimulation(plan, org, behaviour);
    const originPlanMs = Date.parse(sim.windows[0]!.startAt) - DAY;
    const scale = DAY / opts.dayMs;
    const lengthMs = (Date.parse(sim.endAt) - originPlanMs) / scale;
    const from = 0.05 * lengthMs;
    const to = 0.85 * lengthMs;
    const killAt = instants(rand, opts.kills, from, to);
    const restartAt = instants(rand, opts.serverRestarts, from, to);
    // One outage in each of `outages` equal stretches, so that they do not overlap, each
    // beginning shortly before a message falls due (mail comes in bursts: at phase changes,
    // on due days), so that there is mail to catch up with.
    const dueMs = [...reference.planAtByStep.values()].map((planMs) => (planMs - originPlanMs) / scale);
    const stretch = (to - from) / Math.max(1, opts.outages);
    const outagePlan = Array.from({ length: opts.outages }, (_, k) => {
      const len = opts.outageMs[0] + rand() * (opts.outageMs[1] - opts.outageMs[0]);
      const lo = from + k * stretch;
      const hi = Math.max(lo, lo + stretch - len);
      const due = dueMs.filter((t) => t >= lo && t < hi);
      const startMs = due.length > 0 ? Math.max(lo, due[Math.floor(rand() * due.length)]! - rand() * len * 0.5) : lo;
      return { startMs, lengthMs: len };
    });
    log(
      `chaos on ${server.label}: campaign of about ${(lengthMs / 1000).toFixed(0)} s (a plan day in ${opts.dayMs} ms), ` +
        `${opts.workers} workers, ${opts.kills} kills, ${opts.serverRestarts} server restarts, ` +
        `${opts.outages} SMTP outages, seed ${opts.seed}; a kill takes a worker up for ${opts.minUptimeMs / 1000} s or more; ` +
        `workflow task timeout ${opts.workflowTaskTimeoutMs / 1000} s`,
    );

    const t0 = Date.now();
    let done = false;
    const kills: { at: number; worker: number; lagMs: number; uptimeMs: number }[] = [];
    let restarts = 0;
    const until = async (ms: number): Promise<boolean> => {
      while (!done && Date.now() - t0 < ms) await sleep(Math.min(200, ms - (Date.now() - t0)));
      return !done;
    };
    const killing = (async () => {
      for (const at of killAt) {
        if (!(await until(at))) return;
        const { worker, uptimeMs } = await pool.killOne((n) => Math.floor(rand() * n), opts.minUptimeMs);
        kills.push({ at: Date.now() - t0, worker, lagMs: Date.now() - t0 - at, uptimeMs });
        if (kills.length % 10 === 0)
          log(
            `  ${kills.length} kills, ${((Date.now() - t0) / 1000).toFixed(0)} s (planned by ${(at / 1000).toFixed(0)} s)`,
          );
      }
    })();
    const restarting = (async () => {
      for (const at of restartAt) {
        if (!(await until(at))) return;
        const started = Date.now();
        await server.restart();
        restarts++;
        log(`  Temporal server restarted (${Date.now() - started} ms down)`);
      }
    })();
    const outages: { startMs: number; lengthMs: number }[] = [];
    const outaging = (async () => {
      for (const o of outagePlan) {
        if (!(await until(o.startMs))) return;
        await smtp.stop();
        const startMs = Date.now() - t0;
        log(`  SMTP server down for ${(o.lengthMs / 1000).toFixed(0)} s`);
        await sleep(o.lengthMs);
        await smtp.start();
        outages.push({ startMs, lengthMs: Date.now() - t0 - startMs });
      }
    })();

    try {
      await runSimulation({
        plan,
        org,
        behaviour,
        env: wallClockServer(connection, server.namespace),
        scale,
        engine: { ...ENGINE, workflowTaskTimeoutMs: opts.workflowTaskTimeoutMs },
        campaignIdSuffix: suffix,
        worker: { kind: 'external', taskQueue, ledgerUrl },
      });
    } finally {
      done = true;
      await Promise.allSettled([killing, restarting, outaging]);
      await pool.stop();
    }
    const wallMs = Date.now() - t0;

    // What arrived, against the rehearsal.
    const ours = accepted.filter((a) => a.key.startsWith(`${campaignId}/`));
    const byStep = new Map<string, number[]>();
    for (const a of ours) byStep.set(stepOfKey(a.key), [...(byStep.get(stepOfKey(a.key)) ?? []), a.at - t0]);
    const expectedSteps = [...reference.planAtByStep.keys()];
    const doubled: Double[] = [...byStep.entries()]
      .filter(([, ats]) => ats.length > 1)
      .map(([step, ats]) => {
        const kill = kills.find((k) => k.at >= ats[0]! && k.at <= ats[1]!);
        return {
          step,
          acceptedAt: ats,
          window: kill
            ? `worker ${kill.worker + 1} killed ${kill.at - ats[0]!} ms after the SMTP server accepted it, before the ledger's record`
            : 'no worker killed between the two acceptances',
        };
      });

    // The ledger against the SMTP server.
    const audit = await auditOf(ledgerUrl, campaignId);
    // A message not delivered is moot when its deadline was answered: a reminder held back by an
    // outage, or by a dead worker's task, until after the unit's answer is never sent.
    const answered = new Set(audit.deadlines.filter((d) => d.submitted).map((d) => d.deadline));
    const isMoot = (step: string): boolean => {
      const [unitId, obligationKey, cycleKey] = step.split('/');
      return answered.has(`${obligationKey}/${cycleKey}/${unitId}`);
    };
    const notDelivered = expectedSteps.filter((s) => !byStep.has(s));
    const ledgerIds = new Set(audit.sentMessageIds);
    const smtpIds = new Set(ours.map((a) => a.messageId));

    // The audit against the rehearsal, deadline by deadline.
    const soakRows = new Map(audit.deadlines.map((d) => [d.deadline, JSON.stringify(d)]));
    const refRows = new Map(reference.audit.deadlines.map((d) => [d.deadline, JSON.stringify(d)]));
    const auditDiffs = [...new Set([...soakRows.keys(), ...refRows.keys()])]
      .filter((k) => soakRows.get(k) !== refRows.get(k))
      .map((k) => `${k}: ${soakRows.get(k) ?? 'absent'} ≠ ${refRows.get(k) ?? 'absent'}`);

    // Catch-up: from the SMTP server's return to the acceptance of the last message whose
    // instant (the rehearsal's, on this run's clock) fell inside the outage.
    const report: ChaosReport = {
      server: server.label,
      seed: opts.seed,
      kills: kills.length,
      killLagMs: spreadOf(kills.map((k) => k.lagMs)),
      victimUptimeMs: spreadOf(kills.map((k) => k.uptimeMs)),
      workerStartMs: spreadOf(pool.startMs),
      serverRestarts: restarts,
      outages: outages.map((o) => {
        const held = expectedSteps.filter((s) => {
          const at = (reference.planAtByStep.get(s)! - originPlanMs) / scale;
          return at >= o.startMs && at < o.startMs + o.lengthMs;
        });
        const firsts = held.map((s) => byStep.get(s)?.[0]).filter((a) => a !== undefined);
        const end = o.startMs + o.lengthMs;
        return {
          startMs: o.startMs,
          lengthMs: o.lengthMs,
          held: held.length,
          catchUpMs: firsts.length > 0 ? Math.max(0, Math.max(...firsts) - end) : null,
        };
      }),
      expected: expectedSteps.length,
      delivered: byStep.size,
      doubled,
      missing: notDelivered.filter((s) => !isMoot(s)),
      moot: notDelivered.filter(isMoot),
      unexpected: [...byStep.keys()].filter((s) => !reference.planAtByStep.has(s)),
      ledgerSent: ledgerIds.size,
      ledgerWithoutSmtp: [...ledgerIds].filter((id) => !smtpIds.has(id)),
      smtpWithoutLedger: [...smtpIds].filter((id) => !ledgerIds.has(id)),
      auditDiffs,
      wallMs,
    };
    return report;
  } finally {
    smtp.beforeAccept = undefined;
    await pool?.stop();
    await connection?.close();
    await server?.stop();
    await smtp.stop();
    pg.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function formatReport(r: ChaosReport): string {
  const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
  const lines = [
    `chaos on ${r.server} (seed ${r.seed}): ${r.kills} worker kills survived, ${r.serverRestarts} server restarts, ` +
      `${r.outages.length} SMTP outages, ${s(r.wallMs)}`,
    `  kills came ${s(r.killLagMs.median)} after their planned instant (at most ${s(r.killLagMs.max)}); ` +
      `a killed worker had been up ${s(r.victimUptimeMs.median)} (at least ${s(r.victimUptimeMs.min)}); ` +
      `a worker took ${s(r.workerStartMs.median)} to start (at most ${s(r.workerStartMs.max)})`,
    `  messages expected ${r.expected}, delivered ${r.delivered}, doubled ${r.doubled.length}, ` +
      `missing ${r.missing.length}, not sent because the unit had answered first ${r.moot.length}` +
      (r.unexpected.length > 0 ? `, not in the rehearsal ${r.unexpected.length}` : ''),
    ...r.doubled.map((d) => `    doubled ${d.step} at ${d.acceptedAt.map(s).join(', ')}: ${d.window}`),
    ...r.missing.map((m) => `    missing ${m}`),
    ...r.moot.map((m) => `    not sent, answered first: ${m}`),
    ...r.unexpected.map((m) => `    not in the rehearsal ${m}`),
    `  ledger: ${r.ledgerSent} messages recorded sent; ${r.ledgerWithoutSmtp.length} recorded but not received, ` +
      `${r.smtpWithoutLedger.length} received but not recorded`,
    `  audit against the time-skipping rehearsal: ${r.auditDiffs.length === 0 ? 'equal' : `${r.auditDiffs.length} deadlines differ`}`,
    ...r.auditDiffs.slice(0, 10).map((d) => `    ${d}`),
    ...r.outages.map(
      (o) =>
        `  SMTP outage at ${s(o.startMs)} for ${s(o.lengthMs)}: ${o.held} messages fell due in it, ` +
        (o.catchUpMs === null ? 'none delivered' : `all delivered ${s(o.catchUpMs)} after it ended`),
    ),
  ];
  return lines.join('\n');
}

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : dflt;
}

async function main(): Promise<void> {
  const servers = arg('server', 'both');
  const [lo, hi] = arg('outage-seconds', '30-120')
    .split('-')
    .map((x) => Number(x) * 1000) as [number, number];
  const base = {
    kills: Number(arg('kills', '100')),
    serverRestarts: Number(arg('server-restarts', '5')),
    outages: Number(arg('outages', '3')),
    outageMs: [lo, hi ?? lo] as [number, number],
    workers: Number(arg('workers', '2')),
    dayMs: Number(arg('day-ms', '4000')),
    minUptimeMs: Number(arg('min-uptime-s', '20')) * 1000,
    workflowTaskTimeoutMs: Number(arg('task-timeout-s', '10')) * 1000,
    seed: Number(arg('seed', String(Date.now() % 100_000))),
  };
  Runtime.install({ logger: new DefaultLogger('WARN') });
  console.log(
    `chaos soak: node ${process.version}, ${os.cpus().length} cores, ${new Date().toISOString().slice(0, 10)}`,
  );
  // The time-skipping server gets 5 s to start, which a loaded machine may not give it: up to five tries.
  let reference: ChaosReference | undefined;
  for (let attempt = 1; !reference; attempt++) {
    try {
      reference = await chaosReference();
    } catch (err) {
      if (attempt === 5) throw err;
      console.error(`the rehearsal did not run (${String(err).split('\n')[0]}); once more`);
    }
  }
  const kinds = servers === 'both' ? (['dev', 'cluster'] as const) : [servers as 'dev' | 'cluster'];
  for (const server of kinds) {
    if (server !== 'dev' && server !== 'cluster')
      throw new Error(`--server: dev, cluster or both, not ${String(server)}`);
    console.log(formatReport(await runChaos({ ...base, server }, reference)));
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
