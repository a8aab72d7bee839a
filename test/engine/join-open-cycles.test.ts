/**
 * Units new to a cycle open now join it on the office's word (since v0.23, JOIN_OPEN_CYCLES): a
 * student branch founded after the third quarter's report opened is had report for it at the
 * re-import (`joinOpenCycles`), gets its deadline with the quarter's due instant and its notice,
 * and the ledger says who had it join. The same import again opens nothing twice; the branch
 * the roster no longer has keeps the deadline it had. On the time-skipping server, the mini plan.
 */
import { campaignWorkflowId } from '../../domain/engine/context';
import { previewReimport } from '../../client/org-reimport';
import { PATCHES } from '../../workflows/patches';
import { local, patchIds, startMiniCampaign, type MiniCampaign } from '../helpers/mini-campaign';
import { DISSOLVED, FOUNDED, miniOrgFoundedAndDissolved, reimportMini } from '../helpers/mini-reimport';

const Q3 = 'mini/quarterly-report/2010-Q3';

describe('units joining the cycles open now', () => {
  let mini: MiniCampaign;
  beforeAll(async () => {
    mini = await startMiniCampaign({
      taskQueue: 'join-open-cycles',
      origin: '2010-08-25T00:00',
      orgByReference: true,
      contactsFreshMs: 0,
    });
  });
  afterAll(() => mini?.stop());

  const reimport = (at: number, joinOpenCycles: boolean) =>
    reimportMini(mini, miniOrgFoundedAndDissolved(), at, { joinOpenCycles });

  it('has the founded branch report for the quarter open, once, with its notice, and records who asked', async () => {
    await mini.until(local('2010-09-08T10:00'));
    expect(await mini.exists(`${Q3}/b-mech-t1`)).toBe(true);

    // The preview names the quarter open, which the founded branch would join.
    const preview = await previewReimport(mini.cc, mini.ledger, 'mini', miniOrgFoundedAndDissolved());
    expect(preview.newBranches).toEqual([FOUNDED]);
    // Only it: the dissolved branch is not in the file, every other unit has its deadline already.
    expect(preview.openCycles).toEqual([
      expect.objectContaining({
        obligationKey: 'quarterly-report',
        cycleKey: '2010-Q3',
        cycleLabel: '2010年第三季度',
        wouldJoin: [FOUNDED],
      }),
    ]);
    expect(preview.openCycles[0]!.stillOpening).toBeUndefined();
    const dueAt = preview.openCycles[0]!.dueAt;

    const before = await mini.cc.status('mini');
    const result = await reimport(local('2010-09-08T10:00'), true);
    expect(result.follows).toMatchObject({ followed: true });
    expect(result.joined).toEqual({
      orgRef: result.contacts,
      cycles: [
        expect.objectContaining({ obligationKey: 'quarterly-report', cycleKey: '2010-Q3', dueAt, joined: [FOUNDED] }),
      ],
    });
    await mini.until(local('2010-09-08T12:00'));
    expect(await mini.exists(`${Q3}/${FOUNDED}`)).toBe(true);
    // The branch the roster no longer has keeps the deadline it was opened.
    expect(await mini.exists(`${Q3}/${DISSOLVED}`)).toBe(true);

    // Its deadline is the quarter's, it was told, and the ledger says who had it join.
    const rows = await mini.ledger.deadlineRows({
      campaignId: 'mini',
      obligationKey: 'quarterly-report',
      cycleKey: '2010-Q3',
    });
    expect(rows.find((r) => r.unitId === FOUNDED)).toMatchObject({ dueAt });
    const events = await mini.ledger.events({ campaignId: 'mini', unitId: FOUNDED });
    expect(events.find((e) => e.kind === 'cycle-joined')).toMatchObject({
      actor: '组织部',
      obligationKey: 'quarterly-report',
      cycleKey: '2010-Q3',
      data: { orgHash: result.contacts!.hash, orgVersion: result.contacts!.version },
    });
    const notice = events.find((e) => e.kind === 'message-sent' && e.step === 'notice');
    expect(notice?.recipients).toContain('sun.yue@example.org');

    // The same file again, asked to join again: every unit has its deadline, nothing is opened.
    const again = await reimport(local('2010-09-08T12:30'), true);
    expect(again.joined?.cycles).toEqual([expect.objectContaining({ cycleKey: '2010-Q3', joined: [] })]);
    // One batch more, counted with the campaign's: one deadline more open.
    await mini.until(local('2010-09-08T13:00'));
    const status = await mini.cc.status('mini');
    expect(status.batchesLaunched).toBe(before.batchesLaunched + 1);
    expect(status.open).toBe(before.open + 1);

    // The joined deadline is the campaign's like the others: it falls due and is counted overdue.
    await mini.until(local('2010-09-26T12:00'));
    const after = await mini.cc.status('mini');
    expect(after.overdue).toBeGreaterThanOrEqual(rows.length);
    const history = await mini.history(campaignWorkflowId('mini'));
    expect(patchIds(history)).toContain(PATCHES.JOIN_OPEN_CYCLES.id);
  });
});
