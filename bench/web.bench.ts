/**
 * The web service under load, on the dev server with the service's own worker process:
 *   npx tsx bench/web.bench.ts [--part api|console|both] [--branches 200] [--views 5]
 *                              [--console-branches 1000] [--years 3] [--requests 50] [--materials-kb 256]
 * A generated organisation of two committees sharing the branches (100 each by default) runs
 * the mini plan from 10 September 2010, when every branch's Q3 report is open. Prints:
 *   - "my open deadlines" (/me) for one committee's secretary (100 branches): each view's time;
 *   - all branches submitting at once through the JSON API (one POST each, concurrently, over
 *     HTTP): p50/p99/max latency and the wall time; then the same POSTs again (a client's
 *     retries), which must get the same receipts;
 *   - the ledger's count: each submission recorded exactly once (the run fails otherwise).
 * The console part fills a ledger with the ledger benchmark's campaign (1,000 branches in 40
 * committees over three years, bench/ledger-data.ts) and serves the office's dashboard and the
 * quarterly report's heatmap (1,000 units × 12 cycles) over HTTP, one request after another
 * (the engine holds no such campaign, so the pages come from the ledger): p50/p99/max and the
 * heatmap's size in bytes, and whether issue 17's goals are met (p99 ≤ 300 ms, reported; the
 * heatmap under 1 MB, else the run exits 1). Then the ZIP of one quarter's materials for every
 * branch that reported, each with one file of --materials-kb (256) KiB: its time, size and the
 * resident memory at its highest while it streams.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { generateOrg } from '../plans/generate-org';
import { startWebHarness, TEST_API_TOKEN, TEST_LINK_SECRET } from '../test/helpers/web';
import os from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { CampaignClient, connectClient } from '../client/campaigns';
import { openSqlLedger } from '../ledger/store';
import { createMailer, createPlainSender } from '../mail';
import { freePort } from '../test/helpers/ports';
import { startDevServer } from '../test/helpers/processes';
import { LiveOrg } from '../web/live-org';
import { AttachmentStore } from '../web/attachments';
import { parseWebConfig } from '../web/config';
import { verifyLink } from '../web/links';
import { buildServer, DIRECTORY_CACHE_MS } from '../web/server';
import { benchCampaign, benchUnits } from './ledger-data';

const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : dflt;
};
const BRANCHES = Number(arg('branches', '200'));
const VIEWS = Number(arg('views', '5'));
const PART = arg('part', 'both');
const CONSOLE_BRANCHES = Number(arg('console-branches', '1000'));
const YEARS = Number(arg('years', '3'));
const REQUESTS = Number(arg('requests', '50'));
const MATERIALS_KB = Number(arg('materials-kb', '256'));

const pct = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
const ms = (n: number): string => `${n.toFixed(1)} ms`;
/** Issue 17: the dashboard and the heatmap served within 300 ms at p99, the heatmap's payload under 1 MB. */
const P99_GOAL_MS = 300;
const HEATMAP_GOAL_BYTES = 1_000_000;
const FULL_HEATMAP = '/console/bench/o/quarterly-report/';

async function apiBench(): Promise<void> {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'web-bench-'));
  const orgFile = path.join(scratch, 'org.yaml');
  const input = generateOrg({ committees: 2, branches: BRANCHES });
  writeFileSync(orgFile, YAML.stringify(input));
  const branchIds = input.branches!.map((b) => b.id);
  const committee = input.committees![0]!;
  const h = await startWebHarness({ org: orgFile, listen: true, mailUrl: `outbox:${path.join(scratch, 'outbox')}` });
  try {
    // Every branch's deadline is open (visibility is eventually consistent).
    const t0 = Date.now();
    for (;;) {
      const open = await h.campaigns.list('mini', { obligation: 'quarterly-report' });
      if (open.length >= BRANCHES) break;
      if (Date.now() - t0 > 300_000) throw new Error(`only ${open.length} of ${BRANCHES} deadlines open after 300 s`);
      await new Promise((r) => setTimeout(r, 1000));
    }
    console.log(`${BRANCHES} deadlines open after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    // Then the worker's opening work (notices, the overdue branch plans' mail) settles: the
    // figures below are the web's, not the fan-out's.
    let last = -1;
    for (;;) {
      const n = (await h.ledger.events({ campaignId: 'mini' })).length;
      if (n === last) break;
      last = n;
      await new Promise((r) => setTimeout(r, 3000));
    }
    console.log(`quiet after ${((Date.now() - t0) / 1000).toFixed(1)} s (${last} ledger events)`);

    // A committee secretary's session, as the sign-in would start it.
    const sessions = h.ledger.sessions(3600_000);
    const s = (await sessions.redeem(await sessions.issueSignIn(committee.secretary.email)))!;
    const cookie = `sid=${h.app.signCookie(s.sessionId)}`;
    const mine = branchIds.filter((_, i) => i % 2 === 0).length;
    const views: number[] = [];
    let lastRows = 0;
    for (let i = 0; i < VIEWS; i++) {
      const start = performance.now();
      const res = await fetch(`${h.config.BASE_URL}/me`, { headers: { cookie }, redirect: 'manual' });
      const body = await res.text();
      views.push(performance.now() - start);
      // Its branches' Q3 reports, besides older deadlines still open (overdue branch plans):
      // each row links to its deadline, and the link's token names it.
      const targets = [...body.matchAll(/<a href="\/s\/([^"]+)"/g)].map((m) => verifyLink(h.config.LINK_SECRET, m[1]!));
      const rows = targets.length;
      const reports = targets.filter((t) => t?.obligationKey === 'quarterly-report' && t.cycleKey === '2010-Q3').length;
      if (res.status !== 200 || reports !== mine)
        throw new Error(`/me: ${res.status}, ${reports} Q3 reports, expected ${mine}`);
      lastRows = rows;
    }
    console.log(
      `my open deadlines (${committee.id}, ${mine} branches, ${lastRows} open deadlines): ${views.map(ms).join(', ')}; median ${ms([...views].sort((a, b) => a - b)[Math.floor(VIEWS / 2)]!)}`,
    );

    const submitAll = async (): Promise<{ latencies: number[]; wall: number; receipts: string[] }> => {
      const start = performance.now();
      const results = await Promise.all(
        branchIds.map(async (unit) => {
          const t = performance.now();
          const res = await fetch(
            `${h.config.BASE_URL}/api/v1/campaigns/mini/deadlines/quarterly-report/2010-Q3/${unit}/submit`,
            {
              method: 'POST',
              headers: { authorization: `Bearer ${TEST_API_TOKEN}`, 'content-type': 'application/json' },
              body: JSON.stringify({ text: `${unit} 第三季度工作汇报` }),
            },
          );
          const body = (await res.json()) as { number?: string; detail?: string };
          if (res.status !== 200) throw new Error(`${unit}: ${res.status} ${body.detail}`);
          return { latency: performance.now() - t, number: body.number! };
        }),
      );
      return {
        latencies: results.map((r) => r.latency).sort((a, b) => a - b),
        wall: performance.now() - start,
        receipts: results.map((r) => r.number),
      };
    };
    const report = (label: string, r: { latencies: number[]; wall: number }): void =>
      console.log(
        `${label}: ${BRANCHES} concurrent API submissions in ${ms(r.wall)}; ` +
          `p50 ${ms(pct(r.latencies, 50))}, p99 ${ms(pct(r.latencies, 99))}, max ${ms(r.latencies.at(-1)!)}`,
      );
    const first = await submitAll();
    report('first', first);
    const again = await submitAll();
    report('again (retries)', again);
    if (again.receipts.join() !== first.receipts.join()) throw new Error('a retried submission got another receipt');

    const recorded = await h.ledger.events({ campaignId: 'mini', kinds: ['submission'] });
    const perUnit = new Map<string, number>();
    for (const e of recorded) perUnit.set(e.unitId!, (perUnit.get(e.unitId!) ?? 0) + 1);
    const once = branchIds.every((u) => perUnit.get(u) === 1);
    console.log(`ledger: ${recorded.length} submissions for ${BRANCHES} branches, each once: ${once ? 'yes' : 'NO'}`);
    if (!once || recorded.length !== BRANCHES) process.exitCode = 1;
  } finally {
    await h.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** The office console on a big ledger: the dashboard and the heatmap, timed over HTTP. */
async function consoleBench(): Promise<void> {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'console-bench-'));
  const temporalPort = await freePort();
  const server = await startDevServer({ dbFile: path.join(scratch, 'temporal.sqlite'), port: temporalPort });
  const webPort = await freePort();
  const config = parseWebConfig({
    TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`,
    LEDGER_URL: `sqlite:${path.join(scratch, 'ledger.sqlite')}`,
    MAIL_URL: `outbox:${path.join(scratch, 'outbox')}`,
    BASE_URL: `http://127.0.0.1:${webPort}`,
    LINK_SECRET: TEST_LINK_SECRET,
    API_TOKEN: TEST_API_TOKEN,
    ATTACHMENTS_DIR: path.join(scratch, 'attachments'),
  });
  const ledger = await openSqlLedger(config.LEDGER_URL);
  const client = await connectClient(config.temporal);
  const mailer = await createMailer({ url: config.MAIL_URL, from: config.MAIL_FROM, baseUrl: config.BASE_URL, ledger });
  const signInMail = createPlainSender(config.MAIL_URL, config.MAIL_FROM);
  try {
    const t0 = Date.now();
    await ledger.upsertUnits(benchUnits(CONSOLE_BRANCHES));
    let events = 0;
    for (const batch of benchCampaign(CONSOLE_BRANCHES, YEARS)) events += await ledger.recordMany(batch);
    console.log(
      `console: ledger of ${CONSOLE_BRANCHES} branches over ${YEARS} years, ${events.toLocaleString()} events, filled in ${((Date.now() - t0) / 1000).toFixed(0)} s`,
    );
    const app = await buildServer({
      config,
      campaigns: new CampaignClient(client, DIRECTORY_CACHE_MS),
      ledger,
      mailer,
      signInMail,
      sessions: ledger.sessions(3600_000),
      apiTokens: ledger.apiTokens(),
      // As the service runs: the file, and any re-import in the ledger looked at every few seconds.
      org: await LiveOrg.open(config.ORG, ledger, { freshMs: config.CONTACTS_FRESH_SECONDS * 1000, log: () => {} }),
      attachments: new AttachmentStore(config.ATTACHMENTS_DIR),
    });
    await app.listen({ host: '127.0.0.1', port: webPort });
    const pages: [string, string][] = [
      ['dashboard (ranking of the last quarter)', '/console/bench'],
      ['dashboard (ranking of 2012)', '/console/bench?period=2012'],
      ['dashboard (ranking of the whole campaign)', '/console/bench?period=all'],
      ['heatmap, quarterly report', FULL_HEATMAP],
      ['heatmap, one committee', '/console/bench/o/quarterly-report/?committee=c-07'],
      ['heatmap PNG', '/console/bench/heatmap.png?obligation=quarterly-report'],
    ];
    const misses: string[] = [];
    for (const [label, url] of pages) {
      const times: number[] = [];
      let bytes = 0;
      for (let i = 0; i < REQUESTS + 2; i++) {
        const start = performance.now();
        const res = await fetch(`${config.BASE_URL}${url}`, { headers: { authorization: `Bearer ${TEST_API_TOKEN}` } });
        const body = Buffer.from(await res.arrayBuffer());
        if (res.status !== 200) throw new Error(`${url}: ${res.status} ${body.toString().slice(0, 300)}`);
        // The first two warm the caches (the plan query, prepared statements).
        if (i >= 2) times.push(performance.now() - start);
        bytes = body.length;
      }
      times.sort((a, b) => a - b);
      console.log(
        `  ${label.padEnd(44)} p50 ${ms(pct(times, 50))}, p99 ${ms(pct(times, 99))}, max ${ms(times.at(-1)!)}; ${(bytes / 1024).toFixed(0)} KiB`,
      );
      // Issue 17's figures: every page within 300 ms at p99; the whole heatmap's HTML under 1 MB.
      const p99 = pct(times, 99);
      console.log(`    goal p99 ≤ ${P99_GOAL_MS} ms: ${p99 <= P99_GOAL_MS ? 'met' : 'NOT MET'}`);
      if (p99 > P99_GOAL_MS) misses.push(`${label}: p99 ${ms(p99)} > ${P99_GOAL_MS} ms`);
      if (url === FULL_HEATMAP) {
        const met = bytes < HEATMAP_GOAL_BYTES;
        console.log(
          `    goal heatmap < 1 MB (${HEATMAP_GOAL_BYTES.toLocaleString()} bytes): ${met ? 'met' : 'NOT MET'}`,
        );
        if (!met) {
          misses.push(`${label}: ${bytes.toLocaleString()} bytes ≥ ${HEATMAP_GOAL_BYTES.toLocaleString()}`);
          // The size is the machine's no more than the code's: a page over it fails the run.
          process.exitCode = 1;
        }
      }
    }
    // Latency depends on the machine (two shared cores here): reported, not fatal.
    console.log(
      misses.length === 0 ? 'console: every goal of issue 17 met' : `console: goals missed:\n  ${misses.join('\n  ')}`,
    );
    await materialsBench(ledger, new AttachmentStore(config.ATTACHMENTS_DIR), config.BASE_URL);
    await app.close();
  } finally {
    signInMail.close();
    await mailer.close();
    await ledger.close();
    await client.connection.close();
    await server.kill('SIGTERM');
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * The ZIP of one quarter's materials (web/console/materials.ts) for every branch that reported:
 * each report is corrected to carry one file of MATERIALS_KB random (incompressible, as a PDF or
 * a scan is) kilobytes. Prints the time to the last byte, the archive's size and rate, and the
 * process's resident memory before and at its highest while the archive streams.
 */
async function materialsBench(ledger: Awaited<ReturnType<typeof openSqlLedger>>, store: AttachmentStore, base: string) {
  const cycle = `${2010 + YEARS - 1}-9`;
  const reports = await ledger.events({
    campaignId: 'bench',
    obligationKey: 'quarterly-report',
    cycleKey: cycle,
    kinds: ['submission'],
  });
  const t0 = Date.now();
  const corrections = [];
  for (const [i, e] of reports.entries()) {
    const meta = await store.put(`附件-${i}.pdf`, 'application/pdf', randomBytes(MATERIALS_KB * 1024));
    corrections.push({
      ...e,
      id: `${e.id}:correction:1`,
      kind: 'submission-corrected' as const,
      actor: 'office@example.org',
      reason: 'bench',
      data: { correction: 1, text: '报告（更正）', attachments: [`sha256:${meta.sha256}`] },
    });
  }
  await ledger.recordMany(corrections);
  console.log(
    `materials: ${reports.length} reports of ${cycle} given one file of ${MATERIALS_KB} KiB each in ${((Date.now() - t0) / 1000).toFixed(0)} s`,
  );
  const url = `${base}/console/bench/materials.zip?obligation=quarterly-report&cycle=${cycle}`;
  for (let run = 1; run <= 2; run++) {
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    const start = performance.now();
    const res = await fetch(url, { headers: { authorization: `Bearer ${TEST_API_TOKEN}` } });
    if (res.status !== 200) throw new Error(`${url}: ${res.status} ${await res.text()}`);
    let bytes = 0;
    // Read as a client would, chunk by chunk, never holding the archive.
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) bytes += chunk.length;
    const seconds = (performance.now() - start) / 1000;
    clearInterval(sampler);
    // Every file went in (stored or deflated, random bytes do not shrink): else the figure counts less than it says.
    if (bytes < reports.length * MATERIALS_KB * 1024)
      throw new Error(`materials: ${bytes} bytes for ${reports.length} files of ${MATERIALS_KB} KiB`);
    const mib = (n: number) => (n / 1024 / 1024).toFixed(0);
    console.log(
      `  ZIP run ${run}: ${mib(bytes)} MiB in ${seconds.toFixed(1)} s (${(bytes / 1024 / 1024 / seconds).toFixed(0)} MiB/s); resident memory ${mib(rssBefore)} MiB before, ${mib(peak)} MiB at most (+${mib(peak - rssBefore)} MiB)`,
    );
  }
}

async function main(): Promise<void> {
  if (PART === 'api' || PART === 'both') await apiBench();
  if (PART === 'console' || PART === 'both') await consoleBench();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
