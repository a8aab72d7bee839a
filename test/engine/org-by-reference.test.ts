/**
 * Organisations by reference (since v0.13): the ledger keeps each version of a campaign's
 * organisation under its content hash, on SQLite and PostgreSQL, and a campaign of 20,000 units
 * runs its first cycle on the time-skipping server with no payload over the SDK's warning limit
 * (512 KB), where the organisation alone is several times Temporal's 2 MB limit.
 *
 * The sizes are measured, not assumed: every payload of every event of the campaign's, the
 * batches' and every deadline's history is read back from the server and weighed.
 */
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import YAML from 'yaml';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporal } from '@temporalio/proto';
import { loadPlanFile, parseOrgText } from '../../plans/load';
import { generateOrg } from '../../plans/generate-org';
import type { Plan } from '../../domain/plan-schema';
import type { Org } from '../../domain/org-schema';
import { responsibleUnits } from '../../domain/org-slice';
import { utf8Bytes } from '../../domain/limits';
import { batchWorkflowId, campaignWorkflowId, deadlineWorkflowId } from '../../domain/engine/context';
import { createTimeSkippingEnv } from '../../worker/servers';
import { bundleWorkflows, createWorker } from '../../worker/worker';
import { openLedger } from '../../ledger';
import type { LedgerStore } from '../../ledger/types';
import { orgHash, rememberingOrgVersions } from '../../ledger/org-versions';
import { createMailer } from '../../mail';
import { CampaignClient } from '../../client/campaigns';
import { startPostgres, type PgCluster } from '../helpers/postgres';

/** The TypeScript SDK warns of a payload over this (its `payloadSizeWarning`); Temporal refuses 2 MB. */
const PAYLOAD_WARNING_BYTES = 512 * 1024;
const EventType = temporal.api.enums.v1.EventType;

const org = (committees: number, branches: number, members: number): Org =>
  parseOrgText(YAML.stringify(generateOrg({ committees, branches, members })), 'generated.yaml');

describe('organisation versions in the ledger', () => {
  let pg: PgCluster | undefined;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'org-versions-'));
  afterAll(() => {
    pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const versionsBehave = async (ledger: LedgerStore): Promise<void> => {
    const first = org(2, 6, 3);
    const v1 = await ledger.storeOrg('camp', first);
    expect(v1).toEqual({ hash: orgHash(first), version: 1 });
    expect(v1.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    // The same content, even with its keys in another order, is the same version.
    const reordered = JSON.parse(JSON.stringify({ order: first.order, units: first.units, officeId: first.officeId }));
    expect(await ledger.storeOrg('camp', reordered as Org)).toEqual(v1);
    // A re-import with a new secretary is the next version; the first stays readable, unchanged.
    const second = structuredClone(first);
    const branchId = first.order.find((id) => first.units[id]!.level === 'branch')!;
    second.units[branchId]!.secretary = { name: '新书记', email: 'new-secretary@example.org' };
    const v2 = await ledger.storeOrg('camp', second);
    expect(v2.version).toBe(2);
    expect(v2.hash).not.toBe(v1.hash);
    expect(await ledger.orgVersion(v1.hash)).toEqual(first);
    expect((await ledger.orgVersion(v2.hash))!.units[branchId]!.secretary!.name).toBe('新书记');
    // Another campaign with the same organisation numbers its own versions and shares the body;
    // the content was last stored then (what the web service weighs its ORG file by).
    const storedBefore = new Date().toISOString();
    expect(await ledger.storeOrg('other', first)).toEqual({ hash: v1.hash, version: 1 });
    expect((await ledger.orgStoredAt(v1.hash))! >= storedBefore).toBe(true);
    expect((await ledger.orgStoredAt(v2.hash))! <= storedBefore).toBe(true);
    expect(await ledger.orgStoredAt('sha256:0000')).toBeUndefined();
    // Importers racing for the next version each get one, and no content is stored twice.
    const third = structuredClone(second);
    third.units[branchId]!.name = '改名支部';
    const raced = await Promise.all([ledger.storeOrg('camp', third), ledger.storeOrg('camp', third)]);
    expect(raced[0]).toEqual(raced[1]);
    expect(raced[0].version).toBe(3);
    expect(await ledger.orgVersion('sha256:0000')).toBeUndefined();
  };

  it('on SQLite: the same content keeps its version, a re-import is the next, every version stays', async () => {
    const ledger = await openLedger(`sqlite:${path.join(dir, 'ledger.sqlite')}`);
    try {
      await versionsBehave(ledger);
    } finally {
      await ledger.close();
    }
  });

  it('are read once while kept: what is not found, a failed read and the least used are read again', async () => {
    const stored = new Map([1, 2, 3].map((n) => [`sha256:${n}`, org(1, n, 1)]));
    const reads: string[] = [];
    let fail = false;
    const read = rememberingOrgVersions((hash) => {
      reads.push(hash);
      return fail ? Promise.reject(new Error('ledger down')) : Promise.resolve(stored.get(hash));
    }, 2);
    expect(await read('sha256:1')).toBe(stored.get('sha256:1'));
    expect(await read('sha256:1')).toBe(stored.get('sha256:1'));
    // Not found, then stored: found at the next read.
    expect(await read('sha256:9')).toBeUndefined();
    stored.set('sha256:9', org(1, 9, 1));
    expect(await read('sha256:9')).toBe(stored.get('sha256:9'));
    // Two kept: reading a third drops the least recently used (1, as 9 was read since).
    await read('sha256:2');
    await read('sha256:9');
    await read('sha256:1');
    // A failed read is not kept either.
    fail = true;
    await expect(read('sha256:3')).rejects.toThrow('ledger down');
    fail = false;
    expect(await read('sha256:3')).toBe(stored.get('sha256:3'));
    expect(reads).toEqual(['sha256:1', 'sha256:9', 'sha256:9', 'sha256:2', 'sha256:1', 'sha256:3', 'sha256:3']);
  });

  it('on PostgreSQL: the same', async () => {
    pg = await startPostgres();
    const ledger = await openLedger(pg.url);
    try {
      await versionsBehave(ledger);
    } finally {
      await ledger.close();
    }
  });
});

/** Every payload of a history's events: input, results, signal and query arguments, markers. */
function payloadSizes(history: temporal.api.history.v1.IHistory): { eventType: string; bytes: number }[] {
  const out: { eventType: string; bytes: number }[] = [];
  const walk = (value: unknown, eventType: string): void => {
    if (value === null || typeof value !== 'object') return;
    if (value instanceof Uint8Array) return;
    const o = value as Record<string, unknown>;
    if (Array.isArray(o.payloads)) {
      for (const p of o.payloads as temporal.api.common.v1.IPayload[])
        out.push({ eventType, bytes: temporal.api.common.v1.Payload.encode(p).finish().length });
      return;
    }
    for (const v of Object.values(o)) walk(v, eventType);
  };
  for (const e of history.events ?? []) walk(e, EventType[e.eventType ?? 0] ?? '?');
  return out;
}

describe('a campaign of 20,000 units, its first cycle', () => {
  let env: TestWorkflowEnvironment;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'org-20000-'));
  beforeAll(async () => {
    env = await createTimeSkippingEnv();
  });
  afterAll(async () => {
    await env?.teardown();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every payload of every history under the 512 KB warning', async () => {
    // The office, 20 committees, 1,000 branches and 18,979 members listed with the first branch.
    const big = org(20, 1000, 18_979);
    expect(big.order.length).toBe(20_000);
    const orgBytes = utf8Bytes(JSON.stringify(big));
    // By value this could not even be sent: over Temporal's 2 MB limit.
    expect(orgBytes).toBeGreaterThan(2 * 1024 * 1024);

    const mini = await loadPlanFile(`${__dirname}/../fixtures/mini-plan.yaml`);
    const plan: Plan = {
      ...mini,
      id: 'org20k',
      phases: mini.phases.slice(0, 1),
      obligations: mini.obligations.filter((o) => o.key === 'branch-plan'),
    };
    const branches = responsibleUnits(big, plan.obligations[0]!);
    expect(branches.length).toBe(1000);

    const ledger = await openLedger(`sqlite:${path.join(dir, 'ledger.sqlite')}`);
    const mailer = await createMailer({
      url: `outbox:${path.join(dir, 'outbox')}`,
      from: 'campaign-office@example.org',
      baseUrl: 'http://localhost:8080',
      ledger,
    });
    const worker = await createWorker({
      connection: env.nativeConnection,
      taskQueue: 'org20k',
      deps: { ledger, mailer, client: env.client },
      workflowBundle: await bundleWorkflows(),
    });
    const cc = new CampaignClient(env.client, 0, ledger);
    const started = Date.now();
    try {
      await worker.runUntil(async () => {
        // Plan time starts on 12 June 2010, 10:00 in Beijing: the phase has begun and the branch
        // plans' cycle is open (it opened on the 11th), so the campaign announces and opens at once;
        // the first reminder is days away, and the test server's clock is not skipped meanwhile.
        const clock = {
          originPlanMs: Date.parse('2010-06-12T02:00:00Z'),
          originServerMs: await env.currentTimeMs(),
          scale: 1,
        };
        await cc.start({ plan, org: big, taskQueue: 'org20k', clock, options: { searchAttributes: false } });
        // The first cycle is done when every deadline is open and its notice and the phase's
        // announcement (to every committee and branch) are out.
        for (;;) {
          const opened = (await ledger.events({ campaignId: plan.id, kinds: ['deadline-opened'] })).length;
          const sent = (await ledger.events({ campaignId: plan.id, kinds: ['message-sent'] })).length;
          if (opened === 1000 && sent >= 1000 + 1020) break;
          if (Date.now() - started > 540_000) throw new Error(`first cycle not done: ${opened} opened, ${sent} sent`);
          await new Promise((r) => setTimeout(r, 1000));
        }
        // The campaign's directory names no unit itself: the client reads them from the stored version.
        const dir = await cc.directory(plan.id);
        expect(dir.orgRef).toEqual({ hash: orgHash(big), version: 1 });
        expect(dir.units).toHaveLength(20_000);
        expect(dir.units.find((u) => u.id === branches[0])).toMatchObject({ level: 'branch' });
      });
    } finally {
      await mailer.close();
    }
    const cycleMs = Date.now() - started;

    const ids = [
      campaignWorkflowId(plan.id),
      ...[0, 1, 2, 3].map((i) => batchWorkflowId(plan.id, 'branch-plan', 'once', i)),
      ...branches.map((u) => deadlineWorkflowId(plan.id, 'branch-plan', 'once', u)),
    ];
    const largest: Record<string, { bytes: number; eventType: string; workflowId: string }> = {};
    let payloads = 0;
    const queue = [...ids];
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
          const history = await env.client.workflow.getHandle(id).fetchHistory();
          const type = history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name ?? '?';
          for (const p of payloadSizes(history)) {
            payloads++;
            if (p.bytes > (largest[type]?.bytes ?? -1)) largest[type] = { ...p, workflowId: id };
          }
        }
      }),
    );
    const campaignInput = (await env.client.workflow.getHandle(campaignWorkflowId(plan.id)).fetchHistory()).events?.[0]
      ?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    const input = JSON.parse(Buffer.from(campaignInput!.data!).toString('utf8')) as Record<string, unknown>;
    console.log(
      `20,000 units (organisation ${(orgBytes / 1e6).toFixed(2)} MB as JSON): first cycle in ${(cycleMs / 1000).toFixed(1)} s; ` +
        `${payloads} payloads in ${ids.length} histories; largest by workflow type: ${JSON.stringify(largest)}`,
    );
    await ledger.close();

    expect(input.org).toBeUndefined();
    expect(input.orgRef).toEqual({ hash: orgHash(big), version: 1 });
    expect(Object.keys(largest).sort()).toEqual(['batchWorkflow', 'campaignWorkflow', 'deadlineWorkflow']);
    expect(payloads).toBeGreaterThan(ids.length);
    for (const [type, p] of Object.entries(largest))
      expect({ type, bytes: p.bytes, under: p.bytes < PAYLOAD_WARNING_BYTES }).toMatchObject({ type, under: true });
  }, 600_000);
});
