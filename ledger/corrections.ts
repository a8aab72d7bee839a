/**
 * Corrections (更正) of a report already received. A deadline takes one report and closes; when a
 * unit sent the wrong text or file, it asks the office, which records the corrected report beside
 * the original. Nothing is overwritten: the original stays, with when it came, and each
 * correction is a fact of its own (who, when, why, and the whole report as corrected). Lateness
 * stays the original's: a correction changes what was reported, not when.
 */
import { deadlineWorkflowId } from '../domain/engine/context';
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
}

export class CorrectionRefused extends Error {
  override readonly name = 'CorrectionRefused';
  constructor(
    /** NOT_SUBMITTED: nothing to correct yet; CONFLICT: another correction was recorded meanwhile. */
    readonly code: 'NOT_SUBMITTED' | 'CONFLICT',
    message: string,
  ) {
    super(message);
  }
}

/** The report as it stands: the original submission with its newest correction applied. */
export interface CurrentReport {
  original: LedgerEvent;
  text: string;
  attachments: string[];
  /** Oldest first. */
  corrections: LedgerEvent[];
  /** Files of earlier versions that the current one no longer lists: still the unit's record. */
  earlierAttachments: string[];
}

const refsOf = (e: LedgerEvent): string[] =>
  Array.isArray(e.data?.attachments) ? (e.data.attachments as unknown[]).filter((r) => typeof r === 'string') : [];
const textOf = (e: LedgerEvent): string => (typeof e.data?.text === 'string' ? e.data.text : '');
const numberOf = (e: LedgerEvent): number => (typeof e.data?.correction === 'number' ? e.data.correction : 0);

/** One deadline's report from its `submission` and `submission-corrected` events, or undefined before the report. */
export function currentReport(events: readonly LedgerEvent[]): CurrentReport | undefined {
  const original = events.find((e) => e.kind === 'submission');
  if (!original) return undefined;
  // Numbered, not ordered by instant: two corrections may carry the same plan instant.
  const corrections = events.filter((e) => e.kind === 'submission-corrected').sort((a, b) => numberOf(a) - numberOf(b));
  const newest = corrections[corrections.length - 1] ?? original;
  const attachments = refsOf(newest);
  const earlier = new Set([original, ...corrections].flatMap(refsOf).filter((r) => !attachments.includes(r)));
  return { original, text: textOf(newest), attachments, corrections, earlierAttachments: [...earlier] };
}

/**
 * Records a correction as the next of the deadline's corrections. Refused before the report
 * came, and when another correction took the same number meanwhile (the office is told to look
 * again rather than overwrite what a colleague just recorded).
 */
export async function recordCorrection(ledger: LedgerStore, req: CorrectionRequest): Promise<LedgerEvent> {
  const { campaignId, obligationKey, cycleKey, unitId } = req;
  const report = currentReport(
    await ledger.events({ campaignId, kinds: ['submission', 'submission-corrected'], obligationKey, cycleKey, unitId }),
  );
  if (!report) throw new CorrectionRefused('NOT_SUBMITTED', 'nothing to correct: the unit has not reported yet');
  const n = report.corrections.length + 1;
  const event: LedgerEvent = {
    id: `${deadlineWorkflowId(campaignId, obligationKey, cycleKey, unitId)}:correction:${n}`,
    campaignId,
    kind: 'submission-corrected',
    at: req.at,
    obligationKey,
    cycleKey,
    unitId,
    ...(report.original.committeeId ? { committeeId: report.original.committeeId } : {}),
    ...(report.original.phaseKey ? { phaseKey: report.original.phaseKey } : {}),
    actor: req.by,
    reason: req.reason,
    data: { correction: n, text: req.text, attachments: req.attachments },
  };
  if (!(await ledger.record(event)).inserted)
    throw new CorrectionRefused('CONFLICT', `correction ${n} was recorded by someone else meanwhile`);
  return event;
}
