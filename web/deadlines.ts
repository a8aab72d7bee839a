/**
 * What the web service does with one deadline, for pages and the JSON API alike: look it up
 * (obligation, seed sentence, due instant, 督办 colour, reminders sent, what was submitted),
 * and submit or review through client/campaigns.ts, then mail the receipt. The request itself
 * is the CLI's: the same Update, the same refusals.
 */
import { createHash } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { CampaignClient } from '../client/campaigns';
import { CampaignRequestError } from '../client/campaigns';
import type { Org } from '../domain/org-schema';
import { recipientsFor } from '../domain/recipients';
import type { LedgerStore } from '../ledger/types';
import type { Mailer } from '../mail/types';
import type { DeadlineStatus, Receipt } from '../workflows/messages';
import { deadlineWorkflowId } from '../domain/engine/context';
import type { AttachmentMeta, AttachmentStore } from './attachments';
import { refHash } from './attachments';
import { reviewerOf } from './access';
import type { LinkTarget } from './links';

/** After a deadline closes, its link shows the whole submission this long; then the receipt alone. */
export const LINK_GRACE_MS = 30 * 24 * 3600 * 1000;

export interface Submission {
  at: string;
  by: string;
  text: string;
  attachments: AttachmentMeta[];
}

export interface DeadlineView {
  target: LinkTarget;
  campaignTitle: string;
  timeZone: string;
  /** Plan time now (a rehearsal runs on its own calendar). */
  now: string;
  obligationTitle: string;
  source?: string;
  cycleKey: string;
  unitName: string;
  /** The Temporal workflow id of the deadline (a review's: `<obligation>.review`). */
  deadlineId: string;
  /** Undefined until the deadline (or the review) has opened. */
  status?: DeadlineStatus;
  remindersSent: { step: string; at: string }[];
  /** The unit's report (for a review: the report under review). */
  report?: Submission;
  /** The review comment, on a review link once given. */
  comment?: Submission;
  receipt?: Receipt & { number: string };
  /** Closed more than 30 days ago: the link shows the receipt, read-only. */
  expired: boolean;
}

/** A short receipt number people can read out: the same receipt always gets the same number. */
export function receiptNumber(r: Receipt): string {
  const h = createHash('sha256').update(`${r.deadlineId}|${r.receivedAt}`).digest('hex').toUpperCase();
  return `R${h.slice(0, 4)}-${h.slice(4, 8)}-${h.slice(8, 12)}`;
}

/** The engine's cycle key of a review: one review per reviewed unit (domain/engine/deadline-opening.ts). */
export const reviewCycleKey = (t: LinkTarget): string => `${t.cycleKey}:${t.unitId}`;

export const deadlineKey = (t: LinkTarget): string =>
  t.purpose === 'review' ? `${t.obligationKey}.review` : t.obligationKey;

export interface DeadlineDeps {
  campaigns: CampaignClient;
  ledger: LedgerStore;
  mailer: Mailer;
  org: Org;
  attachments: AttachmentStore;
}

async function submissionOf(
  deps: DeadlineDeps,
  t: LinkTarget,
  kind: 'submission' | 'review-comment',
): Promise<Submission | undefined> {
  const review = kind === 'review-comment';
  const events = await deps.ledger.events({
    campaignId: t.campaignId,
    kinds: [kind],
    obligationKey: review ? `${t.obligationKey}.review` : t.obligationKey,
    cycleKey: review ? reviewCycleKey(t) : t.cycleKey,
  });
  // A review comment is recorded under the reviewer; the reviewed unit is in its data.
  const e = events.find((x) => (review ? x.data?.reviewedUnit === t.unitId : x.unitId === t.unitId));
  if (!e) return undefined;
  const refs = Array.isArray(e.data?.attachments) ? (e.data.attachments as string[]) : [];
  const attachments: AttachmentMeta[] = [];
  for (const ref of refs) {
    const h = refHash(ref);
    const meta = h ? await deps.attachments.meta(h) : undefined;
    attachments.push(meta ?? { sha256: h ?? ref, name: ref, mime: 'application/octet-stream', size: 0 });
  }
  return { at: e.at, by: e.actor ?? '', text: typeof e.data?.text === 'string' ? e.data.text : '', attachments };
}

export async function loadDeadline(deps: DeadlineDeps, t: LinkTarget): Promise<DeadlineView> {
  const [dir, campaign] = await Promise.all([
    deps.campaigns.directory(t.campaignId),
    deps.campaigns.status(t.campaignId),
  ]);
  const ob = dir.obligations.find((o) => o.key === t.obligationKey && (t.purpose === 'submit' || o.hasReview));
  if (!ob) throw new CampaignRequestError('UNKNOWN_OBLIGATION', `unknown obligation "${t.obligationKey}"`);
  const unit = dir.units.find((u) => u.id === t.unitId);
  if (!unit) throw new CampaignRequestError('UNKNOWN_UNIT', `unknown unit "${t.unitId}"`);
  const key = deadlineKey(t);
  let status: DeadlineStatus | undefined;
  try {
    status = await deps.campaigns.deadlineStatus(t.campaignId, key, t.cycleKey, t.unitId);
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
  const sent = await deps.ledger.events({
    campaignId: t.campaignId,
    kinds: ['message-sent'],
    obligationKey: key,
    cycleKey: t.purpose === 'review' ? reviewCycleKey(t) : t.cycleKey,
    unitId: t.purpose === 'review' ? reviewerOf(deps.org, t.unitId) : t.unitId,
  });
  const steps = new Set(status?.stepsDone ?? []);
  const report = await submissionOf(deps, t, 'submission');
  const comment = t.purpose === 'review' ? await submissionOf(deps, t, 'review-comment') : undefined;
  const closedAt = status?.receipt?.receivedAt ?? (status?.state === 'closed' ? status.dueAt : undefined);
  return {
    target: t,
    campaignTitle: campaign.title,
    timeZone: dir.timeZone,
    now: campaign.now,
    obligationTitle: ob.title,
    source: ob.source,
    cycleKey: t.cycleKey,
    unitName: unit.name,
    deadlineId: deadlineWorkflowId(t.campaignId, key, t.cycleKey, t.unitId),
    status,
    remindersSent: sent.filter((e) => e.step && steps.has(e.step)).map((e) => ({ step: e.step!, at: e.at })),
    report,
    comment,
    receipt: status?.receipt ? { ...status.receipt, number: receiptNumber(status.receipt) } : undefined,
    expired: closedAt !== undefined && Date.parse(campaign.now) > Date.parse(closedAt) + LINK_GRACE_MS,
  };
}

export interface SubmitInput {
  by: string;
  text: string;
  attachments: AttachmentMeta[];
}

/**
 * Submits the report (or the review comment) and mails the receipt. Idempotent: the same
 * submission again gets the same receipt from the deadline workflow, the ledger's event ids
 * are the workflow's, and the receipt mail's dedupe key is the deadline's.
 */
export async function submitDeadline(
  deps: DeadlineDeps,
  t: LinkTarget,
  input: SubmitInput,
): Promise<Receipt & { number: string }> {
  const receipt = await deps.campaigns.submit(t.campaignId, deadlineKey(t), t.cycleKey, t.unitId, {
    by: input.by,
    text: input.text,
    attachments: input.attachments.map((a) => `sha256:${a.sha256}`),
  });
  const number = receiptNumber(receipt);
  await singleFlight(receipt.deadlineId, () => mailReceipt(deps, t, receipt, number));
  return { ...receipt, number };
}

/**
 * The mailer sends once per dedupe key by asking the ledger first; two sends of one receipt at
 * the same instant (a double click) would both find nothing yet. One at a time per deadline.
 */
const receiptMails = new Map<string, Promise<void>>();
async function singleFlight(key: string, fn: () => Promise<void>): Promise<void> {
  const before = receiptMails.get(key) ?? Promise.resolve();
  const mine = before.then(fn, fn);
  receiptMails.set(key, mine);
  try {
    await mine;
  } finally {
    if (receiptMails.get(key) === mine) receiptMails.delete(key);
  }
}

/** A campaign's title does not change while it runs: asked once (every query waits on the campaign's one workflow). */
const titles = new Map<string, Promise<string>>();
function campaignTitle(deps: DeadlineDeps, campaignId: string): Promise<string> {
  let t = titles.get(campaignId);
  if (!t) {
    t = deps.campaigns.status(campaignId).then((s) => s.title);
    t.catch(() => titles.delete(campaignId));
    titles.set(campaignId, t);
  }
  return t;
}

async function mailReceipt(deps: DeadlineDeps, t: LinkTarget, receipt: Receipt, number: string): Promise<void> {
  const [dir, title] = await Promise.all([deps.campaigns.directory(t.campaignId), campaignTitle(deps, t.campaignId)]);
  const ob = dir.obligations.find((o) => o.key === t.obligationKey);
  const review = t.purpose === 'review';
  // A review's receipt goes to the reviewer, under the engine's keys for that review.
  const unitId = review ? reviewerOf(deps.org, t.unitId) : t.unitId;
  const to = recipientsFor(deps.org, unitId, ['unit']).to;
  if (to.length === 0) return;
  const unitName = deps.org.units[t.unitId]?.name ?? t.unitId;
  await deps.mailer.send({
    kind: 'receipt',
    campaignId: t.campaignId,
    campaignTitle: title,
    timeZone: dir.timeZone,
    locale: 'zh',
    unitId,
    unitName: deps.org.units[unitId]?.name ?? unitId,
    obligationKey: deadlineKey(t),
    obligationTitle: review ? `${ob?.title ?? t.obligationKey}点评` : (ob?.title ?? t.obligationKey),
    cycleKey: review ? reviewCycleKey(t) : t.cycleKey,
    cycleLabel: t.cycleKey,
    reviewedUnitName: review ? unitName : undefined,
    step: 'receipt',
    dueAt: receipt.dueAt,
    sentAt: receipt.receivedAt,
    receiptNumber: number,
    receivedAt: receipt.receivedAt,
    lateMs: receipt.lateMs,
    to,
  });
}
