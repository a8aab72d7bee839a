/**
 * A campaign follows a re-imported organisation (since v0.22, ORG_FOLLOWS_REIMPORT): the cycles it
 * opens after the import are for the file's units. A student branch founded in June takes part
 * from the quarterly report's first cycle (opened in September), not in the branch plan already
 * open; the branch the file no longer has keeps its open branch plan and is opened nothing more.
 * With a tiny history budget the campaign continues as new between the import and September, so
 * the version it follows is carried from run to run. On the time-skipping server, the mini plan.
 */
import { campaignWorkflowId } from '../../domain/engine/context';
import { PATCHES } from '../../workflows/patches';
import { local, patchIds, startMiniCampaign, type MiniCampaign } from '../helpers/mini-campaign';
import { DISSOLVED, FOUNDED, miniOrgFoundedAndDissolved, reimportMini } from '../helpers/mini-reimport';

describe('a campaign following a re-imported organisation', () => {
  let mini: MiniCampaign;
  beforeAll(async () => {
    mini = await startMiniCampaign({
      taskQueue: 'org-follows-reimport',
      origin: '2010-06-10T00:00',
      orgByReference: true,
      contactsFreshMs: 0,
      options: { maxRunEvents: 60 },
    });
  });
  afterAll(() => mini?.stop());

  it('opens its later cycles for the founded branch and none for the dissolved one; what is open stays', async () => {
    await mini.until(local('2010-06-12T12:00'));
    const started = await mini.cc.directoryWithoutUnits('mini');
    const result = await reimportMini(mini, miniOrgFoundedAndDissolved(), local('2010-06-12T12:00'));

    expect(result.newBranches).toEqual([FOUNDED]);
    expect(result.contacts).not.toBeNull();
    expect(result.follows).toMatchObject({ followed: true, orgRef: result.contacts, units: 7 });
    // The quarterly report's first cycle is the first the founded branch is in.
    expect(result.follows!.nextCycles).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          obligationKey: 'quarterly-report',
          cycleKey: '2010-Q3',
          cycleLabel: '2010年第三季度',
        }),
      ]),
    );
    expect(result.follows!.nextCycles.map((c) => c.obligationKey)).not.toContain('branch-plan');
    const followed = await mini.cc.directory('mini');
    expect(followed.orgRef).toEqual(result.contacts);
    expect(followed.orgRef).not.toEqual(started.orgRef);
    expect(followed.units.map((u) => u.id)).toContain(FOUNDED);
    // Its lag is counted under its name from its first deadline.
    expect((await mini.ledger.units('mini')).map((u) => u.unitId)).toContain(FOUNDED);

    // The same file again: followed already, nothing changes.
    const again = await reimportMini(mini, miniOrgFoundedAndDissolved(), local('2010-06-12T12:30'));
    expect(again).toMatchObject({
      contacts: null,
      newBranches: [],
      follows: { followed: false, orgRef: result.contacts },
    });

    await mini.until(local('2010-09-06T12:00'));
    expect(await mini.exists(`mini/quarterly-report/2010-Q3/${FOUNDED}`)).toBe(true);
    expect(await mini.exists(`mini/quarterly-report/2010-Q3/${DISSOLVED}`)).toBe(false);
    expect(await mini.exists('mini/quarterly-report/2010-Q3/b-mech-t1')).toBe(true);
    // The branch plan opened before the import: not for the founded branch, still for the dissolved.
    expect(await mini.exists(`mini/branch-plan/once/${FOUNDED}`)).toBe(false);
    expect(await mini.exists(`mini/branch-plan/once/${DISSOLVED}`)).toBe(true);

    // The campaign continued as new since the import, and its current run starts from the version it follows.
    const status = await mini.cc.status('mini');
    expect(status.runs).toBeGreaterThan(1);
    const runs = await mini.env.client.workflow.getHandle(campaignWorkflowId('mini')).fetchHistory();
    expect(patchIds(runs.events ?? [])).not.toContain(PATCHES.ORG_FOLLOWS_REIMPORT.id);
    expect((await mini.cc.directoryWithoutUnits('mini')).orgRef).toEqual(result.contacts);
  });
});
