/**
 * A report's corrections and the unit's requests, read from the ledger's events
 * (ledger/corrections.ts): which request is still to decide, what the report reads now, which
 * files it had before; a leader's review comment and its corrections read the same way.
 */
import { deadlineIdOfLedgerKeys, deadlineWorkflowId } from '../../domain/engine/context';
import { currentReport, pendingRequests } from '../../ledger/corrections';
import { linkTargetOfLedgerKeys } from '../../web/links';
import type { LedgerEvent } from '../../ledger/types';

const deadline = (unitId: string) => ({
  campaignId: 'mini',
  obligationKey: 'quarterly-report',
  cycleKey: '2010-Q3',
  unitId,
});
let clock = Date.parse('2010-09-20T02:00:00Z');
const ev = (unitId: string, kind: LedgerEvent['kind'], data: Record<string, unknown>): LedgerEvent => ({
  ...deadline(unitId),
  id: `${unitId}:${kind}:${JSON.stringify(data)}`,
  kind,
  at: new Date((clock += 60_000)).toISOString(),
  data,
});
const ref = (c: string) => `sha256:${c.repeat(64)}`;

describe('a report’s corrections and requests', () => {
  it('keeps only the newest request pending, until a correction answers it or the office declines it', () => {
    const report = ev('b1', 'submission', { text: 'v0', attachments: [ref('a')] });
    const r1 = ev('b1', 'correction-requested', { request: 1, text: 'v1' });
    const r2 = ev('b1', 'correction-requested', { request: 2, text: 'v2' });
    // A newer request supersedes the one before: answering it leaves nothing pending.
    expect(currentReport([report, r1, r2])!.pendingRequest).toBe(r2);
    const fix = ev('b1', 'submission-corrected', { correction: 1, request: 2, text: 'v2', attachments: [ref('b')] });
    const fixed = currentReport([report, r1, r2, fix])!;
    expect(fixed.pendingRequest).toBeUndefined();
    expect(fixed.text).toBe('v2');
    expect(fixed.attachments).toEqual([ref('b')]);
    expect(fixed.earlierAttachments).toEqual([ref('a')]);
    // A correction made without answering (by telephone) leaves the request pending.
    const aside = ev('b1', 'submission-corrected', { correction: 1, text: 'v1' });
    expect(currentReport([report, r1, aside])!.pendingRequest).toBe(r1);
    // Declined: nothing pending, and the report says so.
    const r3 = ev('b1', 'correction-requested', { request: 3, text: 'v3' });
    const no = ev('b1', 'correction-declined', { request: 3 });
    const declined = currentReport([report, r1, r2, fix, r3, no])!;
    expect(declined.pendingRequest).toBeUndefined();
    expect(declined.declined).toBe(no);
    expect(declined.text).toBe('v2');
    // A decline of an older request does not answer a newer one.
    expect(currentReport([report, r1, r2, ev('b1', 'correction-declined', { request: 1 })])!.pendingRequest).toBe(r2);
  });

  it('orders corrections by their number, not their instant', () => {
    const report = ev('b1', 'submission', { text: 'v0' });
    const second = { ...ev('b1', 'submission-corrected', { correction: 2, text: 'v2' }), at: '2010-09-20T00:00:00Z' };
    const first = ev('b1', 'submission-corrected', { correction: 1, text: 'v1' });
    expect(currentReport([report, second, first])!.text).toBe('v2');
    expect(currentReport([ev('b1', 'correction-requested', { request: 1 })])).toBeUndefined();
  });

  it('lists a campaign’s pending requests, one per deadline, the oldest first', () => {
    const a1 = ev('b1', 'correction-requested', { request: 1 });
    const b1 = ev('b2', 'correction-requested', { request: 1 });
    const a2 = ev('b1', 'correction-requested', { request: 2 });
    const c1 = ev('b3', 'correction-requested', { request: 1 });
    const c1no = ev('b3', 'correction-declined', { request: 1 });
    expect(pendingRequests([a1, b1, a2, c1, c1no])).toEqual([b1, a2]);
  });
});

describe('a leader’s review comment and its corrections', () => {
  // A review's rows are the reviewer's, under the cycle `<cycle>:<unit reviewed>`.
  const review = { campaignId: 'mini', obligationKey: 'quarterly-report.review', cycleKey: '2010-Q3:b1', unitId: 'c1' };
  const at = (m: number) => new Date(Date.parse('2010-09-21T02:00:00Z') + m * 60_000).toISOString();
  const comment = (kind: LedgerEvent['kind'], m: number, data: Record<string, unknown>): LedgerEvent => ({
    ...review,
    id: `${kind}:${m}`,
    kind,
    at: at(m),
    data: { reviewedUnit: 'b1', attachments: [], ...data },
  });

  it('reads the newest correction by its number, the original kept', () => {
    const original = comment('review-comment', 0, { text: '好' });
    // Two corrections may carry the same instant: their numbers order them.
    const c2 = comment('review-comment-corrected', 5, { correction: 2, text: '很好，措施还需细化' });
    const c1 = comment('review-comment-corrected', 5, { correction: 1, text: '很好' });
    const now = currentReport([c2, original, c1])!;
    expect(now.original).toBe(original);
    expect(now.text).toBe('很好，措施还需细化');
    expect(now.corrections).toEqual([c1, c2]);
    expect(now.attachments).toEqual([]);
    expect(now.pendingRequest).toBeUndefined();
    expect(currentReport([c1])).toBeUndefined();
  });

  it('names the review by the workflow and the link of the unit it reviews', () => {
    const { campaignId, obligationKey, cycleKey, unitId } = review;
    expect(deadlineIdOfLedgerKeys(campaignId, obligationKey, cycleKey, unitId)).toBe(
      'mini/quarterly-report.review/2010-Q3/b1',
    );
    expect(linkTargetOfLedgerKeys(campaignId, obligationKey, cycleKey, unitId)).toEqual({
      campaignId: 'mini',
      obligationKey: 'quarterly-report',
      cycleKey: '2010-Q3',
      unitId: 'b1',
      purpose: 'review',
    });
    // A report's keys are its workflow's and its link's as they are.
    const report = deadline('b1');
    expect(deadlineIdOfLedgerKeys(report.campaignId, report.obligationKey, report.cycleKey, report.unitId)).toBe(
      deadlineWorkflowId(report.campaignId, report.obligationKey, report.cycleKey, report.unitId),
    );
    expect(linkTargetOfLedgerKeys(report.campaignId, report.obligationKey, report.cycleKey, report.unitId)).toEqual({
      ...report,
      purpose: 'submit',
    });
  });
});
