/**
 * Who started a campaign (`campaign-started`, ledger/campaign-starts.ts), on a real SQLite ledger:
 * the instant on the campaign's clock with the wall clock's beside it, one row per run (a retried
 * record leaves one), the starts in the order people made them, and the plan the latest start
 * kept, which the console reads once the engine no longer holds the campaign.
 */
import os from 'node:os';
import path from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import {
  campaignStartedEvent,
  campaignStarts,
  recordCampaignStart,
  startedPlan,
  startOf,
} from '../../ledger/campaign-starts';
import { openSqlLedger, type SqlLedger } from '../../ledger/store';
import { loadPlanFile } from '../../plans/load';
import type { Plan } from '../../domain/plan-schema';

const PLAN = path.join(__dirname, '..', 'fixtures', 'mini-plan.yaml');

describe('who started a campaign, and with which plan', () => {
  let dir: string;
  let ledger: SqlLedger;
  let plan: Plan;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'starts-'));
    ledger = await openSqlLedger(`sqlite:${path.join(dir, 'ledger.sqlite')}`);
    plan = await loadPlanFile(PLAN);
  });
  afterAll(async () => {
    await ledger?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('records the instant on the campaign’s clock and the wall clock’s beside it, one row per run', () => {
    const rehearsal = { originPlanMs: Date.parse('2010-05-30T16:00:00Z'), originServerMs: 1_000_000, scale: 2880 };
    const first = campaignStartedEvent({
      campaignId: 'c',
      plan,
      runId: 'run-1',
      by: 'office@example.org',
      via: 'console',
      clock: rehearsal,
      nowMs: 1_000_000 + 10_000,
    });
    expect(first).toMatchObject({
      id: 'c:campaign-started:run-1',
      kind: 'campaign-started',
      // Ten real seconds at 2880 times: eight hours of the plan.
      at: '2010-05-31T00:00:00.000Z',
      actor: 'office@example.org',
      data: { via: 'console', runId: 'run-1', recordedAt: new Date(1_010_000).toISOString(), rehearsalScale: 2880 },
    });
    const live = campaignStartedEvent({ campaignId: 'c', plan, runId: 'run-2', by: 'a', via: 'api', nowMs: 5 });
    expect(live.at).toBe(new Date(5).toISOString());
    expect(live.data).not.toHaveProperty('rehearsalScale');
    // What the ledger did not write itself is not taken for a start.
    expect(startOf({ ...live, data: { ...live.data, via: 'phone' } })).toBeUndefined();
    expect(startOf({ ...live, kind: 'waiver' })).toBeUndefined();
  });

  it('keeps the starts in the order they were made, once each, and the latest usable plan', async () => {
    const start = (runId: string, nowMs: number, p: Plan, by = 'office@example.org') =>
      recordCampaignStart(ledger, { campaignId: 'mini', plan: p, runId, by, via: 'cli', nowMs });
    expect(await startedPlan(ledger, 'mini')).toBeUndefined();
    // The first run failed on its plan (a day that is not in the calendar); the office put it right.
    const broken = structuredClone(plan);
    broken.obligations[0]!.due = { at: '2010-02-30' };
    await start('run-1', Date.parse('2026-12-01T01:00:00Z'), broken, '组织部 王芳');
    expect(await startedPlan(ledger, 'mini')).toBeUndefined();
    const renamed = { ...plan, title: '创先争优测试活动（修订）' };
    await start('run-2', Date.parse('2026-12-02T01:00:00Z'), renamed);
    await start('run-2', Date.parse('2026-12-02T01:00:00Z'), renamed); // a retried request
    const starts = await campaignStarts(ledger, 'mini');
    expect(starts.map((s) => [s.runId, s.by])).toEqual([
      ['run-1', '组织部 王芳'],
      ['run-2', 'office@example.org'],
    ]);
    // The start itself carries no plan: the API's status says who, not what.
    expect(starts[1]).not.toHaveProperty('plan');
    expect(await startedPlan(ledger, 'mini')).toEqual(renamed);
    // A later start whose plan the engine could not use leaves the usable one in force.
    await start('run-3', Date.parse('2026-12-03T01:00:00Z'), broken);
    expect((await startedPlan(ledger, 'mini'))?.title).toBe('创先争优测试活动（修订）');
    expect(await startedPlan(ledger, 'other')).toBeUndefined();
  });
});
