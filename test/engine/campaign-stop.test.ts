/**
 * The office stops a campaign (since v0.26, CAMPAIGN_STOP and BATCH_STOPS_WITH_CAMPAIGN), on the
 * time-skipping server with the mini plan, started on 2010-09-06 in its engagement phase: the
 * branch plans (opened late) and the third quarter's reports with their leader reviews are open.
 * One branch hands in its quarterly report, whose review then opens for its committee. The stop:
 * - is recorded (campaign-stopped, with who and why) and refused a second time, and the phase
 *   requests after it are refused too;
 * - waives every deadline still open with the stop's reason, the reviews too: the open review of
 *   the report handed in, and those the waived reports start, in a later round;
 * - mails every unit once, and opens nothing more (no fourth quarter, no summary);
 * - ends every batch and then the campaign, whose result says it was stopped.
 */
import { CampaignRequestError } from '../../client/campaigns';
import { deadlineWorkflowId, reviewWorkflowId } from '../../domain/engine/context';
import type { campaignWorkflow } from '../../workflows/campaign';
import type { batchWorkflow } from '../../workflows/batch';
import { PATCHES } from '../../workflows/patches';
import { local, patchIds, startMiniCampaign, type MiniCampaign } from '../helpers/mini-campaign';

const BRANCHES = ['b-info-s1', 'b-info-t1', 'b-mech-s1', 'b-mech-t1'];
const STOP = { by: '组织部 王芳', reason: '校党委决定调整活动方案，另行部署' };

describe('the office stops a campaign', () => {
  let mini: MiniCampaign;

  beforeAll(async () => {
    mini = await startMiniCampaign({ taskQueue: 'campaign-stop', origin: '2010-09-06T10:00' });
  });
  afterAll(async () => {
    await mini?.stop();
  });

  it('waives what is open, tells every unit, opens nothing more and completes', async () => {
    const { until, history, cc, env, ledger } = mini;
    await until(local('2010-09-06T11:00'));
    await cc.submit('mini', 'quarterly-report', '2010-Q3', 'b-mech-t1', { by: '刘洋', text: '三季度汇报' });
    await until(local('2010-09-06T12:00'));
    const review = reviewWorkflowId('mini', 'quarterly-report', '2010-Q3', 'b-mech-t1');
    expect((await cc.deadlineStatus('mini', 'quarterly-report.review', '2010-Q3', 'b-mech-t1')).deadlineId).toBe(
      review,
    );

    const stop = await cc.stop('mini', STOP);
    expect(stop).toMatchObject(STOP);
    expect(Date.parse(stop.at) - local('2010-09-06T12:00')).toBeLessThan(60_000);
    const refused = (p: Promise<unknown>): Promise<string> =>
      p.then(
        () => 'accepted',
        (err: unknown) => (err instanceof CampaignRequestError ? `${err.code}: ${err.message}` : String(err)),
      );
    expect(await refused(cc.stop('mini', STOP))).toMatch(
      /^REJECTED: .*stop: the campaign was stopped at 2010-09-06T04:00:00\.\d{3}Z by 组织部 王芳/,
    );
    expect(await refused(cc.advance('mini', { by: '王芳', reason: '提前' }))).toMatch(
      /advance: the campaign was stopped/,
    );
    expect(await refused(cc.stop('mini', { by: ' ', reason: 'x' }))).toMatch(/stop/);

    // Its batches waive in rounds of ten seconds at most: an hour is plenty.
    await until(local('2010-09-06T13:00'));
    const campaign = env.client.workflow.getHandle<typeof campaignWorkflow>('campaign/mini');
    const result = await campaign.result();
    expect(result.stopped).toEqual(stop);

    const quarter = env.client.workflow.getHandle<typeof batchWorkflow>('mini/quarterly-report/2010-Q3#0');
    expect((await quarter.result()).outcomes).toEqual({
      'b-info-s1': 'waived',
      'b-info-t1': 'waived',
      'b-mech-s1': 'waived',
      'b-mech-t1': 'on-time',
    });
    expect(patchIds(await history('mini/quarterly-report/2010-Q3#0'))).toContain(PATCHES.BATCH_STOPS_WITH_CAMPAIGN.id);
    expect(patchIds(await history('campaign/mini'))).toContain(PATCHES.CAMPAIGN_STOP.id);

    // Every review closed: the one open at the stop and those the waived reports started.
    for (const unit of BRANCHES) {
      const r = env.client.workflow.getHandle(reviewWorkflowId('mini', 'quarterly-report', '2010-Q3', unit));
      expect((await r.describe()).status.name).toBe('COMPLETED');
    }
    const waivers = await ledger.events({ campaignId: 'mini', kinds: ['waiver'] });
    expect(waivers.every((w) => w.reason === `活动终止：${STOP.reason}` && w.actor === STOP.by)).toBe(true);
    expect(
      waivers
        .filter((w) => w.obligationKey === 'quarterly-report')
        .map((w) => w.unitId)
        .sort(),
    ).toEqual(['b-info-s1', 'b-info-t1', 'b-mech-s1']);
    // The reviews are the committees' (b-mech-t1's review went to c-mech): all four waived.
    expect(waivers.filter((w) => w.obligationKey === 'quarterly-report.review')).toHaveLength(4);
    const branchPlan = env.client.workflow.getHandle(deadlineWorkflowId('mini', 'branch-plan', 'once', 'b-info-t1'));
    expect((await branchPlan.describe()).status.name).toBe('COMPLETED');

    // Recorded once, with who and why.
    const stopped = await ledger.events({ campaignId: 'mini', kinds: ['campaign-stopped'] });
    expect(stopped.map((e) => [e.at, e.actor, e.reason, e.phaseKey])).toEqual([
      [stop.at, STOP.by, STOP.reason, 'engage'],
    ]);
    // Every unit told once: the same units as the phase's announcement.
    const sent = await ledger.events({ campaignId: 'mini', kinds: ['message-sent'] });
    const told = sent.filter((e) => e.step === 'campaign-stopped').map((e) => e.unitId);
    const announced = sent.filter((e) => e.step === 'phase-started-engage').map((e) => e.unitId);
    expect(told.sort()).toEqual(announced.sort());
    expect(told.length).toBeGreaterThanOrEqual(6);

    // Nothing opened after the stop: no fourth quarter, no summary, however long the plan ran.
    await until(local('2011-02-01T12:00'));
    const opened = await ledger.events({ campaignId: 'mini', kinds: ['deadline-opened'] });
    expect(opened.filter((e) => e.obligationKey === 'summary-report' || !e.cycleKey?.match(/^(once|2010-Q3)/))).toEqual(
      [],
    );
    expect(opened.filter((e) => e.obligationKey === 'quarterly-report')).toHaveLength(4);
    expect(await mini.exists('mini/quarterly-report/2010-Q4#0')).toBe(false);
  });
});
