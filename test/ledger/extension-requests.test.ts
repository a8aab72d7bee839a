/**
 * A unit's requests for more time (ledger/extension-requests.ts), on a real SQLite ledger: which
 * request waits for the office, what settles it without an answer (an extension granted another
 * way, a report, a waiver), one pending at a time, numbered so that two recorded at once do not
 * become one, an answer only to the request that is open, and the dashboard's list in a scope.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  extensionRequests,
  ExtensionRequestRefused,
  pendingExtensionRequests,
  readExtensionRequests,
  recordExtensionAnswer,
  recordExtensionRequest,
} from '../../ledger/extension-requests';
import { openSqlLedger, type SqlLedger } from '../../ledger/store';
import type { LedgerEvent } from '../../ledger/types';

const keys = (unitId: string) => ({
  campaignId: 'mini',
  obligationKey: 'quarterly-report',
  cycleKey: '2010-Q3',
  unitId,
});
const at = (day: number) => `2010-09-${String(day).padStart(2, '0')}T02:00:00.000Z`;
const opened = (unitId: string, committeeId: string): LedgerEvent => ({
  ...keys(unitId),
  id: `mini/quarterly-report/2010-Q3/${unitId}:opened`,
  kind: 'deadline-opened',
  at: at(5),
  committeeId,
  phaseKey: 'engage',
  dueAt: '2010-09-25T15:59:00.000Z',
});
const asking = (unitId: string, day: number, until = '2010-10-08T09:00:00.000Z') => ({
  ...keys(unitId),
  at: at(day),
  by: '刘洋',
  reason: '书记出差',
  until,
});
const refusal = (code: string): unknown =>
  expect.objectContaining({ name: 'ExtensionRequestRefused', code }) as unknown;

describe('requests for more time', () => {
  let dir: string;
  let ledger: SqlLedger;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'extension-'));
    ledger = await openSqlLedger(`sqlite:${path.join(dir, 'ledger.sqlite')}`);
    await ledger.record(opened('b1', 'c-mech'));
    await ledger.record(opened('b2', 'c-info'));
  });
  afterEach(async () => {
    await ledger.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('records a request with its deadline’s committee and phase, and holds a second back while it waits', async () => {
    const r1 = await recordExtensionRequest(ledger, asking('b1', 10));
    expect(r1).toMatchObject({
      id: 'mini/quarterly-report/2010-Q3/b1:extension-request:1',
      kind: 'extension-requested',
      committeeId: 'c-mech',
      phaseKey: 'engage',
      actor: '刘洋',
      reason: '书记出差',
      data: { request: 1, until: '2010-10-08T09:00:00.000Z' },
    });
    await expect(recordExtensionRequest(ledger, asking('b1', 11))).rejects.toEqual(refusal('PENDING'));
    expect((await readExtensionRequests(ledger, keys('b1'))).pending?.id).toBe(r1.id);
    // A deadline the ledger has not seen open takes no request.
    await expect(recordExtensionRequest(ledger, asking('b3', 10))).rejects.toEqual(refusal('NOT_OPEN'));
  });

  it('declines only the request pending; after a decline the unit may ask again, numbered on', async () => {
    await recordExtensionRequest(ledger, asking('b1', 10));
    const answer = { ...keys('b1'), at: at(11), by: '组织部', reason: '不属特殊情况' };
    await expect(recordExtensionAnswer(ledger, answer, 2, { granted: false })).rejects.toEqual(refusal('NO_REQUEST'));
    const declined = await recordExtensionAnswer(ledger, answer, 1, { granted: false });
    expect(declined).toMatchObject({
      id: 'mini/quarterly-report/2010-Q3/b1:extension-declined:1',
      data: { request: 1 },
    });
    await expect(recordExtensionAnswer(ledger, answer, 1, { granted: false })).rejects.toEqual(refusal('NO_REQUEST'));
    await expect(recordExtensionAnswer(ledger, answer, 1, { granted: true, newDueAt: at(30) })).rejects.toEqual(
      refusal('NO_REQUEST'),
    );
    const state = await readExtensionRequests(ledger, keys('b1'));
    expect(state.pending).toBeUndefined();
    expect(state.declined?.id).toBe(declined.id);
    const r2 = await recordExtensionRequest(ledger, asking('b1', 12));
    expect(r2.data).toMatchObject({ request: 2 });
    expect((await readExtensionRequests(ledger, keys('b1'))).declined).toBeUndefined();
  });

  it('grants a request after the extension that settled it, but not twice', async () => {
    await recordExtensionRequest(ledger, asking('b1', 10));
    // The engine records the extension first; the request no longer waits.
    await ledger.record({
      ...keys('b1'),
      id: 'mini/quarterly-report/2010-Q3/b1:extension:1',
      kind: 'extension',
      at: at(11),
      data: { newDueAt: '2010-10-07T09:00:00.000Z' },
    });
    expect((await readExtensionRequests(ledger, keys('b1'))).pending).toBeUndefined();
    const answer = { ...keys('b1'), at: at(11), by: '组织部', reason: '同意' };
    // Nothing pending to decline…
    await expect(recordExtensionAnswer(ledger, answer, 1, { granted: false })).rejects.toEqual(refusal('NO_REQUEST'));
    // …but the grant of the extension made is recorded, once.
    const grant = await recordExtensionAnswer(ledger, answer, 1, {
      granted: true,
      newDueAt: '2010-10-07T09:00:00.000Z',
    });
    expect(grant.data).toEqual({ request: 1, newDueAt: '2010-10-07T09:00:00.000Z' });
    await expect(
      recordExtensionAnswer(ledger, answer, 1, { granted: true, newDueAt: '2010-10-07T09:00:00.000Z' }),
    ).rejects.toEqual(refusal('NO_REQUEST'));
  });

  it('records one of two requests made at once, and refuses the other', async () => {
    const both = await Promise.allSettled([
      recordExtensionRequest(ledger, asking('b1', 10)),
      recordExtensionRequest(ledger, asking('b1', 10, '2010-10-09T09:00:00.000Z')),
    ]);
    expect(both.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const [lost] = both.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(lost!.reason).toBeInstanceOf(ExtensionRequestRefused);
    expect(await ledger.events({ campaignId: 'mini', kinds: ['extension-requested'] })).toHaveLength(1);
  });

  it('lets a report, a waiver or the deadline closing settle a request, but not what came before it', () => {
    const request: LedgerEvent = {
      ...keys('b1'),
      id: 'r1',
      kind: 'extension-requested',
      at: at(10),
      data: { request: 1, until: at(30) },
    };
    const event = (kind: LedgerEvent['kind'], day: number): LedgerEvent => ({
      ...keys('b1'),
      id: kind,
      kind,
      at: at(day),
    });
    expect(extensionRequests([request]).pending).toBe(request);
    for (const kind of ['submission', 'waiver', 'deadline-closed', 'extension'] as const) {
      expect(extensionRequests([request, event(kind, 11)]).pending).toBeUndefined();
      // An extension granted before the request does not answer it.
      expect(extensionRequests([event(kind, 9), request]).pending).toBe(request);
    }
  });

  it('lists what waits in a campaign, in a committee or in a person’s units, the oldest first', async () => {
    const b2 = await recordExtensionRequest(ledger, asking('b2', 9));
    const b1 = await recordExtensionRequest(ledger, asking('b1', 10));
    expect((await pendingExtensionRequests(ledger, 'mini')).map((e) => e.id)).toEqual([b2.id, b1.id]);
    expect((await pendingExtensionRequests(ledger, 'mini', { committeeId: 'c-mech' })).map((e) => e.id)).toEqual([
      b1.id,
    ]);
    expect((await pendingExtensionRequests(ledger, 'mini', { unitIds: ['b2'] })).map((e) => e.id)).toEqual([b2.id]);
    await recordExtensionAnswer(ledger, { ...keys('b2'), at: at(11), by: '组织部', reason: '否' }, 1, {
      granted: false,
    });
    expect((await pendingExtensionRequests(ledger, 'mini')).map((e) => e.id)).toEqual([b1.id]);
    expect(await pendingExtensionRequests(ledger, 'other')).toEqual([]);
  });
});
