/**
 * Corrections (更正) of a report already received. A deadline takes one report and closes; when a
 * unit sent the wrong text or file, it asks the office (through its link, or by telephone), which
 * records the corrected report beside the original, or declines. Nothing is overwritten: the
 * original stays, with when it came, and each correction, request and decline is a fact of its
 * own (who, when, why; a correction carries the whole report as corrected). Lateness stays the
 * original's: a correction changes what was reported, not when.
 *
 * A leader's review comment is the reviewer's answer to a review deadline (`<obligation>.review`,
 * cycle `<cycle>:<reviewed unit>`, under the reviewer) and is corrected the same way, as
 * `review-comment-corrected`: by the reviewer through the review link (the words are the
 * reviewer's own, so nobody has to approve them) or by the office. A comment has no files and no
 * requests.
 */
import { deadlineIdOfLedgerKeys } from '../domain/engine/context';
import type { LedgerEvent, LedgerStore } from './types';

export interface CorrectionRequest {
  campaignId: string;
  obligationKey: string;
  cycleKey: string;
  unitId: string;
  /** The campaign's time now (a rehearsal's plan time), ISO-8601. */
  at: string;
  by: string;
  reason: string;
  /** The report as it should read, whole. */
  text: string;
  /** Its files, as `sha256:<hex>` refs: the ones kept from before and the new ones. */
  attachments: string[];
  /** The unit's request this correction answers, by its number. */
  answers?: number;
  /** Who corrects: the office (the default), or a reviewer their own review comment, through the review link. */
  corrector?: 'office' | 'reviewer';
}

export class CorrectionRefused extends Error {
  override readonly name = 'CorrectionRefused';
  constructor(
    /**
     * NOT_SUBMITTED: nothing to correct yet; CONFLICT: another was recorded meanwhile;
     * NO_REQUEST: the request to decline is not the one pending (answered, or a newer one came).
     */
    readonly code: 'NOT_SUBMITTED' | 'CONFLICT' | 'NO_REQUEST' | 'COMMENT_HAS_NO_FILES',
    message: string,
  ) {
    super(message);
  }
}

/** The report as it stands: the original submission (or review comment) with its newest correction applied. */
export interface CurrentReport {
  /** The `submission`, or the `review-comment` of a review deadline. */
  original: LedgerEvent;
  text: string;
  attachments: string[];
  /** Oldest first. */
  corrections: LedgerEvent[];
  /** Files of earlier versions that the current one no longer lists: still the unit's record. */
  earlierAttachments: string[];
  /** The unit's requests for a correction, oldest first. */
  requests: LedgerEvent[];
  /** The newest request, while neither a correction nor a decline has answered it: what the office has to decide. */
  pendingRequest?: LedgerEvent;
  /** The office's decline of the newest request, if it declined it. */
  declined?: LedgerEvent;
}

/** The `sha256:` refs of an event's files. */
export const refsOf = (e: LedgerEvent): string[] =>
  Array.isArray(e.data?.attachments) ? (e.data.attachments as unknown[]).filter((r) => typeof r === 'string') : [];
const textOf = (e: LedgerEvent): string => (typeof e.data?.text === 'string' ? e.data.text : '');
const ORIGINAL_KINDS: readonly string[] = ['submission', 'review-comment'];
const CORRECTION_KINDS: readonly string[] = ['submission-corrected', 'review-comment-corrected'];
/** A correction's number, or a request's (a decline's: the request's); each deadline counts its own from 1. */
const numberOf = (e: LedgerEvent): number => {
  const n = CORRECTION_KINDS.includes(e.kind) ? e.data?.correction : e.data?.request;
  return typeof n === 'number' ? n : 0;
};

/** One deadline's report from its events of `REPORT_KINDS`, or undefined before the report. */
export function currentReport(events: readonly LedgerEvent[]): CurrentReport | undefined {
  const original = events.find((e) => ORIGINAL_KINDS.includes(e.kind));
  if (!original) return undefined;
  // Numbered, not ordered by instant: two corrections may carry the same plan instant.
  const corrections = events.filter((e) => CORRECTION_KINDS.includes(e.kind)).sort((a, b) => numberOf(a) - numberOf(b));
  const newest = corrections[corrections.length - 1] ?? original;
  const attachments = refsOf(newest);
  const earlier = new Set([original, ...corrections].flatMap(refsOf).filter((r) => !attachments.includes(r)));
  const requests = events.filter((e) => e.kind === 'correction-requested').sort((a, b) => numberOf(a) - numberOf(b));
  const [pendingRequest] = pendingRequests(events);
  const last = requests[requests.length - 1];
  const declined = last && events.find((e) => e.kind === 'correction-declined' && numberOf(e) === numberOf(last));
  return {
    original,
    text: textOf(newest),
    attachments,
    corrections,
    earlierAttachments: [...earlier],
    requests,
    ...(pendingRequest ? { pendingRequest } : {}),
    ...(declined ? { declined } : {}),
  };
}

/** One deadline's report (or review comment) as it stands in the ledger, or undefined before it came. */
export async function readReport(
  ledger: LedgerStore,
  keys: { campaignId: string; obligationKey: string; cycleKey: string; unitId: string },
): Promise<CurrentReport | undefined> {
  const { campaignId, obligationKey, cycleKey, unitId } = keys;
  return currentReport(await ledger.events({ campaignId, obligationKey, cycleKey, unitId, kinds: [...REPORT_KINDS] }));
}

/** The kinds `currentReport` reads. */
export const REPORT_KINDS = [
  'submission',
  'submission-corrected',
  'correction-requested',
  'correction-declined',
  'review-comment',
  'review-comment-corrected',
] as const;

/**
 * Records a correction as the next of the deadline's corrections: of its report, or of its review
 * comment (which takes no files). Refused before the report came, and when another correction
 * took the same number meanwhile (the office is told to look again rather than overwrite what a
 * colleague just recorded).
 */
export async function recordCorrection(ledger: LedgerStore, req: CorrectionRequest): Promise<LedgerEvent> {
  return recordNext(
    ledger,
    req,
    (report) => {
      if (report.original.kind !== 'review-comment') return 'submission-corrected';
      if (req.attachments.length > 0)
        throw new CorrectionRefused('COMMENT_HAS_NO_FILES', 'a review comment has no files');
      return 'review-comment-corrected';
    },
    (report) => report.corrections.length + 1,
    (n, report) => ({
      correction: n,
      text: req.text,
      attachments: req.attachments,
      ...(req.answers !== undefined ? { request: req.answers } : {}),
      ...(req.corrector === 'reviewer' ? { corrector: 'reviewer' } : {}),
      // A comment's events are the reviewer's; the unit it is about is in their data.
      ...(report.original.data?.reviewedUnit !== undefined ? { reviewedUnit: report.original.data.reviewedUnit } : {}),
    }),
  );
}

/**
 * Records a unit's request for a correction (through its link): the report as the unit wants it
 * to read and why. The office decides; until a correction answers it, it is the pending request.
 */
export async function recordCorrectionRequest(
  ledger: LedgerStore,
  req: Omit<CorrectionRequest, 'answers'>,
): Promise<LedgerEvent> {
  return recordNext(
    ledger,
    req,
    () => 'correction-requested',
    (report) => report.requests.length + 1,
    (n) => ({
      request: n,
      text: req.text,
      attachments: req.attachments,
    }),
  );
}

/**
 * The office declines the unit's pending request `request`, saying why (the reason). Refused when
 * that request is no longer the pending one: answered meanwhile, or a newer request came.
 */
export async function recordDecline(
  ledger: LedgerStore,
  req: Omit<CorrectionRequest, 'answers' | 'text' | 'attachments'>,
  request: number,
): Promise<LedgerEvent> {
  return recordNext(
    ledger,
    { ...req, text: '', attachments: [] },
    () => 'correction-declined',
    (report) => {
      if (report.pendingRequest?.data?.request !== request)
        throw new CorrectionRefused('NO_REQUEST', `request ${request} is not the one pending`);
      return request;
    },
    (n) => ({ request: n }),
  );
}

/**
 * The id's word for each kind: `<deadline id>:correction:<n>`, `…:correction-request:<n>`,
 * `…:correction-declined:<request>`; a review comment's correction, on the review deadline,
 * `…:comment-correction:<n>`.
 */
const ID_WORD = {
  'submission-corrected': 'correction',
  'review-comment-corrected': 'comment-correction',
  'correction-requested': 'correction-request',
  'correction-declined': 'correction-declined',
} as const;

/**
 * Records the deadline's next correction or request, numbered after those in the ledger; the
 * number makes the id, so that of two recorded at once the second is refused, not lost in the first.
 */
async function recordNext(
  ledger: LedgerStore,
  req: Omit<CorrectionRequest, 'answers'>,
  kindOf: (report: CurrentReport) => keyof typeof ID_WORD,
  next: (report: CurrentReport) => number,
  data: (n: number, report: CurrentReport) => Record<string, unknown>,
): Promise<LedgerEvent> {
  const { campaignId, obligationKey, cycleKey, unitId } = req;
  const report = await readReport(ledger, req);
  if (!report) throw new CorrectionRefused('NOT_SUBMITTED', 'nothing to correct: the unit has not reported yet');
  const kind = kindOf(report);
  const n = next(report);
  const event: LedgerEvent = {
    id: `${deadlineIdOfLedgerKeys(campaignId, obligationKey, cycleKey, unitId)}:${ID_WORD[kind]}:${n}`,
    campaignId,
    kind,
    at: req.at,
    obligationKey,
    cycleKey,
    unitId,
    ...(report.original.committeeId ? { committeeId: report.original.committeeId } : {}),
    ...(report.original.phaseKey ? { phaseKey: report.original.phaseKey } : {}),
    actor: req.by,
    reason: req.reason,
    data: data(n, report),
  };
  if (!(await ledger.record(event)).inserted)
    throw new CorrectionRefused('CONFLICT', `${ID_WORD[kind]} ${n} was recorded by someone else meanwhile`);
  return event;
}

/**
 * The requests still to decide, across a campaign's events of the kinds that answer them
 * (`correction-requested`, `submission-corrected`, `correction-declined`): of each deadline its
 * newest request while unanswered, the oldest first.
 */
export function pendingRequests(events: readonly LedgerEvent[]): LedgerEvent[] {
  const byDeadline = new Map<string, LedgerEvent[]>();
  for (const e of events) {
    const key = `${e.obligationKey ?? ''}|${e.cycleKey ?? ''}|${e.unitId ?? ''}`;
    byDeadline.set(key, [...(byDeadline.get(key) ?? []), e]);
  }
  const out: LedgerEvent[] = [];
  for (const list of byDeadline.values()) {
    // Only the newest request counts (a newer one supersedes the one before); it is pending until a
    // correction answers it or the office declines it.
    const newest = list
      .filter((e) => e.kind === 'correction-requested')
      .sort((a, b) => numberOf(a) - numberOf(b))
      .pop();
    if (!newest) continue;
    const n = numberOf(newest);
    const answered = list.some(
      (e) =>
        (e.kind === 'submission-corrected' && e.data?.request === n) ||
        (e.kind === 'correction-declined' && numberOf(e) === n),
    );
    if (!answered) out.push(newest);
  }
  return out.sort((a, b) => a.at.localeCompare(b.at));
}
