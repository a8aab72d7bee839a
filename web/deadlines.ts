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
import { cycleLabelOfKey } from '../domain/calendar';
import { planTime, type ClockSpec } from '../domain/clock';
import { formatInstant } from '../domain/format';
import { recipientsFor } from '../domain/recipients';
import type { LedgerEvent, LedgerStore } from '../ledger/types';
import { currentReport, refsOf, REPORT_KINDS } from '../ledger/corrections';
import { readExtensionRequests, type ExtensionRequests } from '../ledger/extension-requests';
import type { DeadlineMessage, Mailer, SendResult } from '../mail/types';
import type { DeadlineStatus, Receipt } from '../workflows/messages';
import { deadlineWorkflowId } from '../domain/engine/context';
import type { AttachmentMeta, AttachmentStore } from './attachments';
import type { OrgSource } from './live-org';
import { refHash } from './attachments';
import { reviewerOf } from './access';
import { WebError } from './errors';
import type { LinkTarget } from './links';
import { nominatesAdvanced, submitNomination, type Nominees } from '../client/nomination';
import { PerKeyQueue } from './per-key-queue';

/** After a deadline closes, its link shows the whole submission this long; then the receipt alone. */
export const LINK_GRACE_MS = 30 * 24 * 3600 * 1000;

export interface Submission {
  /** When it came (a corrected report keeps the original's instant). */
  at: string;
  by: string;
  /** The report as it stands: its newest correction's text and files, if the office corrected it. */
  text: string;
  attachments: AttachmentMeta[];
  /** The corrections, oldest first (ledger/corrections.ts): the office's, or a reviewer's of their own comment. */
  corrections: { at: string; by: string; reason: string; byReviewer: boolean }[];
  /** Files of the versions before, which the current one no longer lists. */
  earlierAttachments: AttachmentMeta[];
  /** The unit's request for a correction that the office has not answered yet. */
  pendingRequest?: { at: string; by: string; reason: string; text: string; attachments: AttachmentMeta[] };
  /** Files the unit sent with its requests for a correction (its own, still served to its link). */
  requestedAttachments: AttachmentMeta[];
  /** The office's answer to the unit's newest request, when it declined it. */
  declined?: { at: string; by: string; reason: string };
}

export interface DeadlineView {
  target: LinkTarget;
  campaignTitle: string;
  timeZone: string;
  /** The campaign's clock now (a rehearsal runs on its own calendar), not the workflow's last wake-up. */
  now: string;
  /** The campaign has ended (or was stopped): nothing more is taken. */
  ended: boolean;
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
  /** Its report nominates advanced branches (plan `nominates: advanced-branch`): the form asks for them. */
  nominates: boolean;
  /** The unit's requests for more time (a report's link only; ledger/extension-requests.ts). */
  extension: ExtensionRequests;
}

/** A short receipt number people can read out: the same receipt always gets the same number. */
export function receiptNumber(r: Pick<Receipt, 'deadlineId' | 'receivedAt'>): string {
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
  org: OrgSource;
  attachments: AttachmentStore;
}

/** What a mail about a deadline needs: the campaign's names, who to tell, and the sender. */
export type DeadlineMailDeps = Pick<DeadlineDeps, 'campaigns' | 'org' | 'mailer'>;

async function submissionOf(
  deps: DeadlineDeps,
  t: LinkTarget,
  kind: 'submission' | 'review-comment',
): Promise<Submission | undefined> {
  const review = kind === 'review-comment';
  const events = await deps.ledger.events({
    campaignId: t.campaignId,
    kinds: [...REPORT_KINDS],
    obligationKey: review ? `${t.obligationKey}.review` : t.obligationKey,
    cycleKey: review ? reviewCycleKey(t) : t.cycleKey,
  });
  // A review comment is recorded under the reviewer; the reviewed unit is in its data.
  const own = events.filter((x) => (review ? x.data?.reviewedUnit === t.unitId : x.unitId === t.unitId));
  const report = currentReport(own);
  if (!report) return undefined;
  const e = report.original;
  const metas = (refs: string[]) => Promise.all(refs.map((ref) => attachmentMeta(deps, ref)));
  return {
    at: e.at,
    by: e.actor ?? '',
    text: report.text,
    attachments: await metas(report.attachments),
    corrections: report.corrections.map((c) => ({
      at: c.at,
      by: c.actor ?? '',
      reason: c.reason ?? '',
      byReviewer: c.data?.corrector === 'reviewer',
    })),
    earlierAttachments: await metas(report.earlierAttachments),
    requestedAttachments: await metas([...new Set(report.requests.flatMap(refsOf))]),
    ...(report.declined
      ? { declined: { at: report.declined.at, by: report.declined.actor ?? '', reason: report.declined.reason ?? '' } }
      : {}),
    ...(report.pendingRequest
      ? {
          pendingRequest: {
            at: report.pendingRequest.at,
            by: report.pendingRequest.actor ?? '',
            reason: report.pendingRequest.reason ?? '',
            text: typeof report.pendingRequest.data?.text === 'string' ? report.pendingRequest.data.text : '',
            attachments: await metas(
              Array.isArray(report.pendingRequest.data?.attachments)
                ? (report.pendingRequest.data.attachments as string[])
                : [],
            ),
          },
        }
      : {}),
  };
}

/** A stored file's description; a ref the store does not know is shown by its ref. */
async function attachmentMeta(deps: DeadlineDeps, ref: string): Promise<AttachmentMeta> {
  const h = refHash(ref);
  const meta = h ? await deps.attachments.meta(h) : undefined;
  return meta ?? { sha256: h ?? ref, name: ref, mime: 'application/octet-stream', size: 0 };
}

/** A campaign's clock never changes (continue-as-new carries it on): read once from its history. */
const clocks = new Map<string, Promise<ClockSpec>>();

/**
 * The campaign's time now, on its own clock: the plan's dates in a rehearsal, the wall clock
 * for a live campaign. Not the campaign's status `now`, which is its last wake-up and stops
 * when the campaign ends: links would then never turn read-only.
 */
export async function campaignNow(deps: DeadlineDeps, campaignId: string): Promise<number> {
  let clock = clocks.get(campaignId);
  if (!clock) {
    clock = deps.campaigns.clock(campaignId);
    clock.catch(() => clocks.delete(campaignId));
    clocks.set(campaignId, clock);
  }
  // The Temporal server's clock and this host's are one wall clock (the server's timers run on it).
  return planTime(await clock, Date.now());
}

/** Whether the campaign's workflow has ended (finished, or stopped by the office). */
async function campaignEnded(deps: DeadlineDeps, campaignId: string): Promise<boolean> {
  try {
    return (await deps.campaigns.campaign(campaignId).describe()).status.name !== 'RUNNING';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError)
      throw new CampaignRequestError('CAMPAIGN_NOT_FOUND', `no campaign "${campaignId}"`);
    throw err;
  }
}

/** When a link turns read-only: 30 days after its deadline closed (answered, or closed unanswered at its due). */
function readOnlyFrom(status: DeadlineStatus | undefined): number | undefined {
  const closedAt = status?.receipt?.receivedAt ?? (status?.state === 'closed' ? status.dueAt : undefined);
  return closedAt === undefined ? undefined : Date.parse(closedAt) + LINK_GRACE_MS;
}

/** The deadline's status, or undefined while it has not opened. */
async function statusOf(deps: DeadlineDeps, t: LinkTarget): Promise<DeadlineStatus | undefined> {
  try {
    return await deps.campaigns.deadlineStatus(t.campaignId, deadlineKey(t), t.cycleKey, t.unitId);
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
    return undefined;
  }
}

/** Refuses a submission once its campaign has ended: one place for the link and the API. */
async function refuseIfEnded(deps: DeadlineDeps, campaignId: string): Promise<void> {
  // A deadline can outlive its campaign only if the office stopped the campaign; either way, no more.
  if (await campaignEnded(deps, campaignId))
    throw new WebError(409, '活动已结束', '该活动已经结束，不再接受报送或点评。如有疑问，请联系活动办公室。');
}

/**
 * Refuses a link's submission after its campaign ended, or once the link shows the receipt only.
 * Gives the receipt of the deadline's answer, if it holds one already: then only the same
 * submission again (a retried post) can pass, and its files are in the store since that answer
 * was taken.
 */
export async function refuseLinkSubmission(
  deps: DeadlineDeps,
  t: LinkTarget,
): Promise<{ answered: Receipt | undefined; status: DeadlineStatus | undefined }> {
  await refuseIfEnded(deps, t.campaignId);
  const [status, now] = await Promise.all([statusOf(deps, t), campaignNow(deps, t.campaignId)]);
  const from = readOnlyFrom(status);
  if (from !== undefined && now > from)
    throw new WebError(410, '链接已过期', '该事项已关闭超过30天，链接仅显示回执，不能再提交。', 'token');
  // Closed with no answer to repeat (waived, or closed unanswered): refused before any upload is
  // kept. The engine would refuse it too; this keeps refused files out of the attachment store.
  if (status?.state === 'closed' && !status.receipt)
    throw new WebError(
      409,
      status.outcome === 'waived' ? '该事项已免报' : '该事项已关闭',
      `不能再提交：该事项已${status.outcome === 'waived' ? '免报' : '关闭'}。`,
    );
  return { answered: status?.receipt, status };
}

/**
 * The refusal of a submission other than the one a deadline took (`answered`), for the person
 * at the page: when the answer came, in China time with the weekday, and whom to ask. The
 * engine's own words name the workflow and a UTC instant.
 */
export async function answeredRefusal(deps: DeadlineDeps, t: LinkTarget, answered: Receipt): Promise<WebError> {
  const { timeZone } = await deps.campaigns.directory(t.campaignId);
  const what = t.purpose === 'review' ? '点评' : '报送';
  return new WebError(
    409,
    t.purpose === 'review' ? '已点评过' : '已报送过',
    `本事项已于${formatInstant(answered.receivedAt, timeZone, 'zh')}（北京时间）${what}，回执编号 ${receiptNumber(answered)}。` +
      `${what}后不能再提交不同的内容；如需更正，请联系活动办公室。`,
  );
}

export async function loadDeadline(deps: DeadlineDeps, t: LinkTarget): Promise<DeadlineView> {
  const [dir, campaign, now, ended] = await Promise.all([
    deps.campaigns.directory(t.campaignId),
    deps.campaigns.status(t.campaignId),
    campaignNow(deps, t.campaignId),
    campaignEnded(deps, t.campaignId),
  ]);
  const ob = dir.obligations.find((o) => o.key === t.obligationKey && (t.purpose === 'submit' || o.hasReview));
  if (!ob) throw new CampaignRequestError('UNKNOWN_OBLIGATION', `unknown obligation "${t.obligationKey}"`);
  const unit = dir.units.find((u) => u.id === t.unitId);
  if (!unit) throw new CampaignRequestError('UNKNOWN_UNIT', `unknown unit "${t.unitId}"`);
  const key = deadlineKey(t);
  const status = await statusOf(deps, t);
  const sent = await deps.ledger.events({
    campaignId: t.campaignId,
    kinds: ['message-sent'],
    obligationKey: key,
    cycleKey: t.purpose === 'review' ? reviewCycleKey(t) : t.cycleKey,
    unitId: t.purpose === 'review' ? reviewerOf(deps.org.current, t.unitId) : t.unitId,
  });
  const steps = new Set(status?.stepsDone ?? []);
  const report = await submissionOf(deps, t, 'submission');
  const comment = t.purpose === 'review' ? await submissionOf(deps, t, 'review-comment') : undefined;
  const readOnly = readOnlyFrom(status);
  return {
    target: t,
    campaignTitle: campaign.title,
    timeZone: dir.timeZone,
    now: new Date(now).toISOString(),
    ended,
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
    expired: readOnly !== undefined && now > readOnly,
    nominates: t.purpose === 'submit' && (await nominatesAdvanced(deps.campaigns, t.campaignId, t.obligationKey)),
    extension:
      t.purpose === 'submit'
        ? await readExtensionRequests(deps.ledger, {
            campaignId: t.campaignId,
            obligationKey: t.obligationKey,
            cycleKey: t.cycleKey,
            unitId: t.unitId,
          })
        : { requests: [] },
  };
}

export interface SubmitInput {
  by: string;
  text: string;
  attachments: AttachmentMeta[];
  /** The branches nominated as advanced, and the request field that named them (client/nomination.ts). */
  nominees?: Nominees;
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
  await refuseIfEnded(deps, t.campaignId);
  const target = { campaignId: t.campaignId, obligationKey: deadlineKey(t), cycleKey: t.cycleKey, unitId: t.unitId };
  const req = { by: input.by, text: input.text, attachments: input.attachments.map((a) => `sha256:${a.sha256}`) };
  const receipt = await submitNomination(deps.campaigns, deps.ledger.grades(), target, req, input.nominees);
  const number = receiptNumber(receipt);
  await receiptMails.run(receipt.deadlineId, () => mailReceipt(deps, t, receipt, number));
  return { ...receipt, number };
}

/**
 * The mailer sends once per dedupe key by asking the ledger first; two sends of one receipt at
 * the same instant (a double click) would both find nothing yet. One at a time per deadline.
 */
const receiptMails = new PerKeyQueue();

/**
 * Posts to one deadline's link, one at a time in this process: each checks whether the deadline
 * is answered before it keeps any file, and that check must not race another post's submission
 * (two different reports posted at once would both keep their files, and the refused one's stay).
 */
const linkPosts = new PerKeyQueue();
export function oneLinkPostAtATime<T>(t: LinkTarget, post: () => Promise<T>): Promise<T> {
  return linkPosts.run(deadlineWorkflowId(t.campaignId, deadlineKey(t), t.cycleKey, t.unitId), post);
}

/** A campaign's title does not change while it runs: asked once (every query waits on the campaign's one workflow). */
const titles = new Map<string, Promise<string>>();
function campaignTitle(deps: DeadlineMailDeps, campaignId: string): Promise<string> {
  let t = titles.get(campaignId);
  if (!t) {
    t = deps.campaigns.status(campaignId).then((s) => s.title);
    t.catch(() => titles.delete(campaignId));
    titles.set(campaignId, t);
  }
  return t;
}

/**
 * What a mail about a link's deadline names: the unit, obligation and cycle. A review's mail goes
 * to the reviewer, under the engine's keys for that review, and names the unit reviewed.
 */
async function aboutDeadline(
  deps: DeadlineMailDeps,
  t: LinkTarget,
): Promise<
  Pick<
    DeadlineMessage,
    | 'campaignId'
    | 'campaignTitle'
    | 'timeZone'
    | 'locale'
    | 'unitId'
    | 'unitName'
    | 'obligationKey'
    | 'obligationTitle'
    | 'cycleKey'
    | 'cycleLabel'
    | 'reviewedUnitName'
  >
> {
  const [dir, title] = await Promise.all([deps.campaigns.directory(t.campaignId), campaignTitle(deps, t.campaignId)]);
  const ob = dir.obligations.find((o) => o.key === t.obligationKey);
  const review = t.purpose === 'review';
  const unitId = review ? reviewerOf(deps.org.current, t.unitId) : t.unitId;
  const nameOf = (id: string) => deps.org.current.units[id]?.name ?? id;
  return {
    campaignId: t.campaignId,
    campaignTitle: title,
    timeZone: dir.timeZone,
    locale: 'zh',
    unitId,
    unitName: nameOf(unitId),
    obligationKey: deadlineKey(t),
    obligationTitle: review ? `${ob?.title ?? t.obligationKey}点评` : (ob?.title ?? t.obligationKey),
    cycleKey: review ? reviewCycleKey(t) : t.cycleKey,
    cycleLabel: cycleLabelOfKey(t.cycleKey, 'zh') ?? t.cycleKey,
    ...(review ? { reviewedUnitName: nameOf(t.unitId) } : {}),
  };
}

async function mailReceipt(deps: DeadlineDeps, t: LinkTarget, receipt: Receipt, number: string): Promise<void> {
  const about = await aboutDeadline(deps, t);
  const to = recipientsFor(deps.org.current, about.unitId, ['unit']).to;
  if (to.length === 0) return;
  await deps.mailer.send({
    kind: 'receipt',
    ...about,
    step: 'receipt',
    dueAt: receipt.dueAt,
    sentAt: receipt.receivedAt,
    receiptNumber: number,
    receivedAt: receipt.receivedAt,
    lateMs: receipt.lateMs,
    to,
  });
}

/**
 * Tells the unit that the office corrected its report (a reviewer, that their review comment was
 * corrected, by them or the office): who, when, why, and the link to it as it now reads. The
 * receipt is the original's, from the ledger (a deadline's workflow is gone once its history is
 * past retention; a correction may come months later). Its dedupe key is the correction's own
 * step (`correction-<n>`): sent once.
 */
export async function mailCorrection(
  deps: DeadlineMailDeps,
  t: LinkTarget,
  original: LedgerEvent,
  correction: LedgerEvent,
): Promise<SendResult | undefined> {
  const deadlineId = deadlineWorkflowId(t.campaignId, deadlineKey(t), t.cycleKey, t.unitId);
  return mailAboutCorrection(deps, t, 'unit', correction, {
    kind: t.purpose === 'review' ? 'comment-correction' : 'correction',
    step: `correction-${String(correction.data?.correction)}`,
    ...(original.dueAt ? { dueAt: original.dueAt } : {}),
    receiptNumber: receiptNumber({ deadlineId, receivedAt: original.at }),
    receivedAt: original.at,
    lateMs: original.lateMs ?? 0,
  });
}

/**
 * Tells the office that a unit asks for a correction of its report: who, why, and the console's
 * form to decide it. Sent once per request (`correction-request-<n>`).
 */
export async function mailCorrectionRequest(deps: DeadlineDeps, t: LinkTarget, request: LedgerEvent): Promise<void> {
  await mailAboutCorrection(deps, t, 'office', request, {
    kind: 'correction-request',
    step: `correction-request-${String(request.data?.request)}`,
  });
}

/** Tells the unit that the office declined its request for a correction, and why. Once per request. */
export async function mailCorrectionDeclined(deps: DeadlineDeps, t: LinkTarget, decline: LedgerEvent): Promise<void> {
  await mailAboutCorrection(deps, t, 'unit', decline, {
    kind: 'correction-declined',
    step: `correction-declined-${String(decline.data?.request)}`,
  });
}

/**
 * Tells the office that a unit asks for more time: who, until when, why, and the console's extend
 * form filled from the request. Sent once per request (`extension-request-<n>`).
 */
export async function mailExtensionRequest(
  deps: DeadlineDeps,
  t: LinkTarget,
  request: LedgerEvent,
  dueAt: string,
): Promise<void> {
  const n = Number(request.data?.request);
  await mailAboutCorrection(deps, t, 'office', request, {
    kind: 'extension-request',
    step: `extension-request-${n}`,
    dueAt,
    requestNumber: n,
    ...(typeof request.data?.until === 'string' ? { requestedUntil: request.data.until } : {}),
  });
}

/**
 * Tells the unit the office's answer to its request for more time: granted, with the new due
 * instant, or declined, with why and the due instant that stands. Once per answer.
 */
export async function mailExtensionAnswer(
  deps: DeadlineMailDeps,
  t: LinkTarget,
  answer: LedgerEvent,
  dueAt: string,
): Promise<void> {
  const granted = answer.kind === 'extension-granted';
  await mailAboutCorrection(deps, t, 'unit', answer, {
    kind: granted ? 'extension-granted' : 'extension-declined',
    step: `${granted ? 'extension-granted' : 'extension-declined'}-${String(answer.data?.request)}`,
    dueAt: granted && typeof answer.data?.newDueAt === 'string' ? answer.data.newDueAt : dueAt,
  });
}

/** A correction's or a request's mail: about the unit's report (or review comment), with the event's who, when and why. */
async function mailAboutCorrection(
  deps: DeadlineMailDeps,
  t: LinkTarget,
  audience: 'unit' | 'office',
  event: LedgerEvent,
  own: Pick<DeadlineMessage, 'kind' | 'step'> & Partial<DeadlineMessage>,
): Promise<SendResult | undefined> {
  const about = await aboutDeadline(deps, t);
  const to = recipientsFor(deps.org.current, about.unitId, [audience]).to;
  // Nobody to tell (a unit without a secretary's address): nothing sent.
  if (to.length === 0) return undefined;
  return deps.mailer.send({
    ...about,
    sentAt: event.at,
    correctedBy: event.actor ?? '',
    correctionReason: event.reason ?? '',
    to,
    ...own,
  });
}
