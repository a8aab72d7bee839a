/**
 * A unit's request for more time as the web service takes it, from its link's form or the JSON
 * API alike, and the office's answers from the console or the API (the ledger's side:
 * ledger/extension-requests.ts). Each is checked, recorded, and mailed: the request to the
 * office, the answer to the unit. A mail that cannot go now is logged; what was recorded stands.
 */
import type { FastifyBaseLogger } from 'fastify';
import {
  ExtensionRequestRefused,
  readExtensionRequests,
  recordExtensionAnswer,
  recordExtensionRequest,
  type DeadlineKeys,
} from '../ledger/extension-requests';
import type { LedgerEvent } from '../ledger/types';
import {
  campaignNow,
  mailExtensionAnswer,
  mailExtensionRequest,
  oneLinkPostAtATime,
  refuseLinkSubmission,
  type DeadlineDeps,
} from './deadlines';
import { WebError } from './errors';
import type { LinkTarget } from './links';

/** The longest extension a unit may ask for at once: past that, a typo (a year for a month) more likely than a need. */
export const MAX_EXTENSION_DAYS = 366;

export interface AskedExtension {
  by: string;
  reason: string;
  /** The instant asked for, ISO-8601; given the campaign's zone, for a form that sends a local time. */
  until: (timeZone: string) => string;
  /** The field that carries it, as a refusal names it (`until`, `body.until`). */
  untilField: string;
}

const untilRefused = (message: string, field: string): WebError => new WebError(400, '延期时间有误', message, field);

/**
 * Records a unit's request for more time and tells the office. Refused: the campaign ended, the
 * deadline answered, closed or not yet open, an instant not after the due instant that stands or
 * more than `MAX_EXTENSION_DAYS` past it, and a second request while one waits.
 */
export async function requestExtension(
  deps: DeadlineDeps,
  t: LinkTarget,
  asked: AskedExtension,
  log: FastifyBaseLogger,
): Promise<LedgerEvent> {
  if (t.purpose !== 'submit')
    throw new WebError(400, '请求有误', '领导点评的延期由活动办公室办理，不能申请。', 'obligationKey');
  return oneLinkPostAtATime(t, async () => {
    const { answered, status } = await refuseLinkSubmission(deps, t);
    if (answered) throw new WebError(409, '已报送', '本事项已经报送，无需延期。');
    if (!status) throw new WebError(409, '尚未开始', '该事项尚未开始报送，无需申请延期。');
    const { timeZone } = await deps.campaigns.directory(t.campaignId);
    const until = asked.until(timeZone);
    const ms = Date.parse(until);
    const due = Date.parse(status.dueAt);
    if (ms <= due) throw untilRefused('申请延至的时间须晚于现在的截止时间。', asked.untilField);
    if (ms > due + MAX_EXTENSION_DAYS * 24 * 3600 * 1000)
      throw untilRefused(`一次最多申请延期${MAX_EXTENSION_DAYS}天。`, asked.untilField);
    const request = await recordExtensionRequest(deps.ledger, {
      campaignId: t.campaignId,
      obligationKey: t.obligationKey,
      cycleKey: t.cycleKey,
      unitId: t.unitId,
      at: new Date(await campaignNow(deps, t.campaignId)).toISOString(),
      by: asked.by,
      reason: asked.reason,
      until: new Date(ms).toISOString(),
    }).catch((err: unknown) => {
      if (!(err instanceof ExtensionRequestRefused)) throw err;
      if (err.code === 'PENDING')
        throw new WebError(409, '已有延期申请', '本事项已有一份延期申请等待活动办公室处理，请等待答复。');
      throw new WebError(409, '请稍后再试', '刚才已有一份延期申请提交，请刷新页面后再试。');
    });
    await mailExtensionRequest(deps, t, request, status.dueAt).catch((err: unknown) =>
      log.error({ code: (err as { code?: unknown }).code }, 'extension request mail not sent'),
    );
    return request;
  });
}

const answered = (field: string): WebError =>
  new WebError(409, '该延期申请已处理', '该延期申请已经答复或已不再需要答复，请回到事项页查看。', field);

/** The unit's request numbered `n`, while it is the one pending; refused (naming `field`) once answered. */
export async function pendingExtension(
  deps: Pick<DeadlineDeps, 'ledger'>,
  k: DeadlineKeys,
  n: number,
  field: string,
): Promise<LedgerEvent> {
  const { pending } = await readExtensionRequests(deps.ledger, k);
  if (!pending || pending.data?.request !== n) throw answered(field);
  return pending;
}

/**
 * The office's answer to the request numbered `n`, recorded and mailed to the unit. A grant is
 * recorded once the extension it answers took (`dueAt` the new due instant); answered meanwhile
 * by someone else, it is left as they left it. A decline is refused once the request is no
 * longer pending (`dueAt` the due instant that stands).
 */
export async function answerExtension(
  deps: DeadlineDeps,
  t: LinkTarget,
  n: number,
  who: { at: string; by: string; reason: string },
  answer: { granted: boolean; dueAt: string; field: string },
  log: FastifyBaseLogger,
): Promise<LedgerEvent | undefined> {
  const k = { campaignId: t.campaignId, obligationKey: t.obligationKey, cycleKey: t.cycleKey, unitId: t.unitId };
  const event = await recordExtensionAnswer(
    deps.ledger,
    { ...k, ...who },
    n,
    answer.granted ? { granted: true, newDueAt: answer.dueAt } : { granted: false },
  ).catch((err: unknown) => {
    if (!(err instanceof ExtensionRequestRefused)) throw err;
    if (answer.granted) return undefined;
    throw answered(answer.field);
  });
  if (event)
    await mailExtensionAnswer(deps, t, event, answer.dueAt).catch((err: unknown) =>
      log.error({ code: (err as { code?: unknown }).code }, 'extension answer mail not sent'),
    );
  return event;
}
