/**
 * A campaign driven by hand through the client, on the time-skipping server: submissions and
 * their receipts, extensions and waivers, phase triggers, every kind of bad request, and the
 * campaign continuing-as-new without losing anything.
 */
import path from 'node:path';
import { DateTime } from 'luxon';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { loadOrgFile, loadPlanFile } from '../../plans/load';
import { CampaignClient } from '../../client/campaigns';
import { serverTime, type ClockSpec } from '../../domain/clock';
import { startEngineStack, type EngineStack } from '../helpers/engine-stack';

const local = (s: string): number => DateTime.fromISO(s, { zone: 'Asia/Shanghai' }).toMillis();

describe('driving a campaign', () => {
  let env: TestWorkflowEnvironment;
  let stack: EngineStack;
  let cc: CampaignClient;
  let clock: ClockSpec;

  const until = async (planLocal: string): Promise<void> => {
    const wait = serverTime(clock, local(planLocal)) - (await env.currentTimeMs());
    if (wait > 0) await env.sleep(wait);
  };
  const code = (p: Promise<unknown>) =>
    p.then(
      () => 'accepted',
      (e: Error & { code?: string }) => `${e.code ?? e.name}: ${e.message}`,
    );

  beforeAll(async () => {
    stack = await startEngineStack('requests');
    env = stack.env;
    cc = new CampaignClient(env.client);
    clock = { originPlanMs: local('2010-05-31T00:00'), originServerMs: await env.currentTimeMs(), scale: 1 };
    const plan = await loadPlanFile(path.join(__dirname, '../fixtures/mini-plan.yaml'));
    const org = await loadOrgFile(path.join(__dirname, '../fixtures/mini-org.yaml'));
    await cc.start({ plan, org, taskQueue: 'requests', clock, options: { searchAttributes: false } });
    await expect(cc.start({ plan, org, taskQueue: 'requests', clock })).rejects.toMatchObject({
      code: 'CAMPAIGN_EXISTS',
    });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('answers submissions with receipts, once, and refuses what it cannot take', async () => {
    await until('2010-06-15T10:00');
    const status = await cc.status('mini');
    expect(status).toMatchObject({ currentPhase: 'mobilise', open: 4, overdue: 0 });

    const receipt = await cc.submit('mini', 'branch-plan', 'once', 'b-mech-t1', { by: '张伟', text: '支部实施方案' });
    expect(receipt).toMatchObject({ onTime: true, lateMs: 0, dueAt: '2010-06-25T15:59:59.000Z' });
    expect(await cc.submit('mini', 'branch-plan', 'once', 'b-mech-t1', { by: '张伟', text: '支部实施方案' })).toEqual(
      receipt,
    );
    expect(await code(cc.submit('mini', 'branch-plan', 'once', 'b-mech-t1', { by: '张伟', text: '另一份' }))).toMatch(
      /^REJECTED: .*already submitted/,
    );
    expect(await code(cc.submit('mini', 'branch-plan', 'once', 'b-nobody', { by: 'x', text: 'y' }))).toMatch(
      /^UNKNOWN_UNIT: unknown unit "b-nobody"/,
    );
    expect(await code(cc.submit('mini', 'branch-plans', 'once', 'b-mech-s1', { by: 'x', text: 'y' }))).toMatch(
      /^UNKNOWN_OBLIGATION: unknown obligation "branch-plans".*known: branch-plan, quarterly-report/,
    );
    expect(await code(cc.submit('mini', 'quarterly-report', '2010-Q3', 'b-mech-s1', { by: 'x', text: 'y' }))).toMatch(
      /^CYCLE_NOT_OPEN: cycle "2010-Q3" of quarterly-report is not open/,
    );
    expect(await code(cc.submit('mini', 'branch-plan', 'once', 'b-mech-s1', { by: ' ', text: 'y' }))).toMatch(
      /^REJECTED: submit: "by"/,
    );
    expect(await code(cc.status('nope'))).toMatch(/^CAMPAIGN_NOT_FOUND/);
  });

  it('extends and waives; a late submission is accepted and marked late', async () => {
    const extended = await cc.extend('mini', 'branch-plan', 'once', 'b-mech-s1', {
      newDueAt: new Date(local('2010-07-05T17:00')).toISOString(),
      by: '组织部',
      reason: '书记出差',
    });
    expect(extended).toMatchObject({ dueAt: '2010-07-05T09:00:00.000Z', extensions: 1 });
    expect(extended.nextStep!.step).toMatch(/~ext1$/);
    expect(
      await code(
        cc.extend('mini', 'branch-plan', 'once', 'b-mech-s1', {
          newDueAt: '2010-06-01T00:00:00Z',
          by: 'x',
          reason: 'y',
        }),
      ),
    ).toMatch(/must be after the current due instant/);
    expect(
      (await cc.waive('mini', 'branch-plan', 'once', 'b-info-t1', { by: '组织部', reason: '支部撤并' })).outcome,
    ).toBe('waived');
    expect(await code(cc.waive('mini', 'branch-plan', 'once', 'b-info-t1', { by: '组织部', reason: 'again' }))).toMatch(
      /CYCLE_NOT_OPEN: the deadline .* is closed|is closed/,
    );

    await until('2010-06-27T10:00');
    const late = await cc.submit('mini', 'branch-plan', 'once', 'b-info-s1', { by: '黄磊', text: '迟交的方案' });
    expect(late.onTime).toBe(false);
    expect(Math.round(late.lateMs / 3_600_000)).toBe(34); // 25 June 23:59:59 → 27 June 10:00
    expect((await cc.deadlineStatus('mini', 'branch-plan', 'once', 'b-mech-s1')).state).toBe('green');
    await env.sleep('1 minute'); // batches report their counts to the campaign coalesced, every 30 s
    const s = await cc.status('mini');
    expect(s.counts.closed).toBe(3);
    expect(s.open).toBe(1);
  });

  it('lets the committee advance only forward, and end only the running phase', async () => {
    expect(await code(cc.advance('mini', { toPhase: 'mobilise', by: '校党委', reason: 'x' }))).toMatch(
      /phases only move forward/,
    );
    expect(await code(cc.advance('mini', { toPhase: 'celebrate', by: '校党委', reason: 'x' }))).toMatch(
      /unknown phase "celebrate"/,
    );
    expect(await code(cc.advance('mini', { by: '', reason: 'x' }))).toMatch(/"by"/);
    expect(await code(cc.endPhase('mini', { phaseKey: 'summary', by: '校党委', reason: 'x' }))).toMatch(
      /not the running phase/,
    );
    const change = await cc.advance('mini', { by: '校党委', reason: '提前进入全面争创阶段' });
    expect(change).toMatchObject({ phaseKey: 'engage', action: 'started' });
    expect(Math.abs(Date.parse(change.at) - local('2010-06-27T10:01'))).toBeLessThan(2000);
    expect((await cc.status('mini')).currentPhase).toBe('engage');
  });
});
