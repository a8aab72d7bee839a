/**
 * The signed links: `/s/<token>` shows a deadline (form, receipt, or the report under review)
 * and takes the submission; `/s/<token>/a/<sha256>` serves one of that deadline's attachments.
 * Old unsigned links `/submit/<campaign>/<obligation>/<cycle>/<unit>` cannot be verified: a
 * signed-in person who may see that unit is redirected to its signed link, anyone else is
 * asked to sign in. Failed tokens count against the client's rate limit; good ones do not.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { canSee, reviewerOf } from '../access';
import { attachmentRef, describeAttachment, type AttachmentMeta } from '../attachments';
import { CorrectionRefused, readReport, recordCorrection, recordCorrectionRequest } from '../../ledger/corrections';
import { requestExtension } from '../extension-requests';
import { InstantInputError, requestInstant } from '../../domain/dates';
import { parts, uploads } from '../uploads';
import {
  answeredRefusal,
  campaignNow,
  deadlineKey,
  loadDeadline,
  mailCorrection,
  mailCorrectionRequest,
  reviewCycleKey,
  oneLinkPostAtATime,
  refuseLinkSubmission,
  submitDeadline,
} from '../deadlines';
import { parseNomineeList } from '../../client/nomination';
import { CampaignRequestError } from '../../client/campaigns';
import { forbidden, WebError } from '../errors';
import { html, page } from '../html';
import { linkUrl, verifyLink, type LinkTarget } from '../links';
import { deadlinePage } from '../pages';
import { recipientsFor } from '../../domain/recipients';
import { targetOf, type WebDeps } from '../context';
import type { CountedAs } from '../metrics';

/** Token failures per client address before it has to wait. */
const TOKEN_FAILURES = { max: 20, timeWindow: '10 minutes' };

function field(body: unknown, name: string): string {
  const p = parts(body, name)[0];
  return p && p.type === 'field' && typeof p.value === 'string' ? p.value : '';
}

/** The link forms' own fields; the deadline comes from the signed token alone, never from the form. */
const FORM_FIELDS = new Set(['_csrf', 'text', 'attachments', 'nominees']);
const REQUEST_FIELDS = new Set(['_csrf', 'text', 'reason', 'attachments']);
const COMMENT_FIELDS = new Set(['_csrf', 'text', 'reason']);
const EXTENSION_FIELDS = new Set(['_csrf', 'until', 'reason']);

/** A form's local date-time (`until`, China time) as an instant, refused in words when it is no real time. */
function formInstant(value: string, zone: string): string {
  try {
    return requestInstant(value, zone, 'until');
  } catch (err) {
    if (!(err instanceof InstantInputError)) throw err;
    throw new WebError(
      400,
      '延期时间有误',
      `“${value.slice(0, 40)}”不是一个真实存在的时间（${err.problem}）。`,
      'until',
    );
  }
}

function refuseForeignFields(body: unknown, fields = FORM_FIELDS): void {
  const foreign = Object.keys((body as Record<string, unknown> | undefined) ?? {}).find((k) => !fields.has(k));
  if (foreign !== undefined)
    throw new WebError(400, '请求有误', `表单含有无关字段“${foreign}”：报送的事项只由链接确定。`, foreign);
}

/** A correction's text as it should read (`what`: 报送内容 or 点评意见) and why, each required and bounded. */
function correctionFields(body: unknown, what: string): { text: string; reason: string } {
  const text = field(body, 'text').trim();
  if (text === '') throw new WebError(400, '内容不能为空', `请填写更正后的${what}。`, 'text');
  if (text.length > 20_000) throw new WebError(400, '内容过长', `${what}不超过 20000 字。`, 'text');
  const reason = field(body, 'reason').trim();
  if (reason === '' || reason.length > 2000)
    throw new WebError(400, '请说明原因', '请说明为什么要更正（最多2000字）。', 'reason');
  return { text, reason };
}

/** Who a link submission is by: the person it was mailed to (the unit's liaison or secretary, or the reviewer). */
export function linkActor(deps: WebDeps, t: LinkTarget, req: FastifyRequest): string {
  if (req.principal) return req.principal.email;
  const unit = t.purpose === 'review' ? reviewerOf(deps.org.current, t.unitId) : t.unitId;
  const r = recipientsFor(deps.org.current, unit, ['unit']).to[0];
  return r ? `${r.name} <${r.email}>（邮件链接）` : `${unit}（邮件链接）`;
}

export function registerLinkRoutes(app: FastifyInstance, deps: WebDeps): void {
  const { config } = deps;
  /** A unit's request through its link (a correction, more time): its deadline, the campaign's time now, and who asks. */
  const askedThroughLink = async (t: LinkTarget, req: FastifyRequest) => ({
    campaignId: t.campaignId,
    obligationKey: t.obligationKey,
    cycleKey: t.cycleKey,
    unitId: t.unitId,
    at: new Date(await campaignNow(deps, t.campaignId)).toISOString(),
    by: linkActor(deps, t, req),
  });
  /** The target of the request's signed token, if the token is genuine. */
  const linkOf = (req: FastifyRequest): LinkTarget | undefined =>
    verifyLink(config.LINK_SECRET, (req.params as { token?: string }).token ?? '');
  const rateLimit = {
    ...TOKEN_FAILURES,
    // Only failures count: a genuine token is on the allow list.
    allowList: (req: FastifyRequest) => linkOf(req) !== undefined,
  };
  // A review link's answer is a review comment; anything else posted to a link counts as a report.
  const linkCounts = (req: FastifyRequest): CountedAs => (linkOf(req)?.purpose === 'review' ? 'review' : 'submission');

  app.get<{ Params: { token: string } }>('/s/:token', { config: { rateLimit } }, async (req, reply) => {
    const t = targetOf(config, req.params.token);
    const view = await loadDeadline(deps, t);
    const csrf = reply.generateCsrf();
    return reply
      .type('text/html; charset=utf-8')
      .header('Cache-Control', 'no-store')
      .send(deadlinePage(view, req.params.token, csrf, !!req.principal));
  });

  app.post<{ Params: { token: string } }>(
    '/s/:token',
    { config: { rateLimit, counts: linkCounts }, preHandler: app.csrfProtection.bind(app) },
    async (req, reply) => {
      const t = targetOf(config, req.params.token);
      if (!req.isMultipart()) throw new WebError(415, '请求格式错误', '请通过报送页面的表单提交。', 'content-type');
      refuseForeignFields(req.body);
      const text = field(req.body, 'text').trim();
      if (text === '') throw new WebError(400, '内容不能为空', '请填写报送内容后再提交。', 'text');
      if (text.length > 20_000) throw new WebError(400, '内容过长', '报送内容不超过 20000 字。', 'text');
      await oneLinkPostAtATime(t, async () => {
        const { answered } = await refuseLinkSubmission(deps, t);
        const files = t.purpose === 'review' ? [] : await uploads(req.body);
        const stored: AttachmentMeta[] = [];
        // After the answer, the engine takes only that answer again, whose files are kept already:
        // keeping another submission's files would leave them in the store, named by nothing.
        for (const f of files)
          stored.push(
            answered
              ? describeAttachment(f.name, f.mime, f.content)
              : await deps.attachments.put(f.name, f.mime, f.content),
          );
        const nominees = parseNomineeList(field(req.body, 'nominees'));
        await submitDeadline(deps, t, {
          by: linkActor(deps, t, req),
          text,
          attachments: stored,
          ...(nominees.length > 0 ? { nominees: { unitIds: nominees, field: 'nominees' } } : {}),
        }).catch(async (err: unknown) => {
          // Refused after the answer: the person is told when it came, not the engine's words.
          if (answered && err instanceof CampaignRequestError && err.code === 'REJECTED')
            throw await answeredRefusal(deps, t, answered);
          throw err;
        });
      });
      // Post/redirect/get: reloading the receipt does not post again.
      return reply.redirect(`/s/${req.params.token}#receipt`, 303);
    },
  );

  /**
   * A reviewer corrects their own review comment: recorded at once beside the original (the words
   * are theirs; nobody has to approve them), and the reviewer's addresses are mailed the same.
   */
  async function correctComment(req: FastifyRequest, t: LinkTarget): Promise<void> {
    refuseForeignFields(req.body, COMMENT_FIELDS);
    const { text, reason } = correctionFields(req.body, '点评意见');
    await oneLinkPostAtATime(t, async () => {
      // Refused when the campaign ended or the link is read-only.
      await refuseLinkSubmission(deps, t);
      const keys = {
        campaignId: t.campaignId,
        obligationKey: deadlineKey(t),
        cycleKey: reviewCycleKey(t),
        unitId: reviewerOf(deps.org.current, t.unitId),
      };
      const comment = await readReport(deps.ledger, keys);
      if (!comment) throw new WebError(409, '尚未点评', '本事项尚未点评，无需更正：请直接在本页点评。');
      if (comment.text === text)
        throw new WebError(400, '内容未改变', '更正后的点评意见与现在的相同，无需更正。', 'text');
      const correction = await recordCorrection(deps.ledger, {
        ...keys,
        at: new Date(await campaignNow(deps, t.campaignId)).toISOString(),
        by: linkActor(deps, t, req),
        reason,
        text,
        attachments: [],
        corrector: 'reviewer',
      }).catch((err: unknown) => {
        if (err instanceof CorrectionRefused)
          throw new WebError(409, '请稍后再试', '刚才已有一次更正记录，请刷新页面，核对后再试。');
        throw err;
      });
      // Recorded: a mail that cannot go now is logged, and the correction stands.
      await mailCorrection(deps, t, comment.original, correction).catch((err: unknown) =>
        req.log.error({ code: (err as { code?: unknown }).code }, 'comment correction mail not sent'),
      );
    });
  }

  // A unit's request for a correction of its report, for the office to decide (ledger/corrections.ts);
  // on a review link, the reviewer's correction of their own comment.
  app.post<{ Params: { token: string } }>(
    '/s/:token/correction',
    { config: { rateLimit }, preHandler: app.csrfProtection.bind(app) },
    async (req, reply) => {
      const t = targetOf(config, req.params.token);
      if (!req.isMultipart()) throw new WebError(415, '请求格式错误', '请通过报送页面的表单提交。', 'content-type');
      if (t.purpose === 'review') {
        await correctComment(req, t);
        return reply.redirect(`/s/${req.params.token}#comment`, 303);
      }
      refuseForeignFields(req.body, REQUEST_FIELDS);
      const { text, reason } = correctionFields(req.body, '报送内容');
      await oneLinkPostAtATime(t, async () => {
        // Refused before any file is kept: the campaign ended, the link is read-only, or nothing was reported.
        const { answered } = await refuseLinkSubmission(deps, t);
        if (!answered) throw new WebError(409, '尚未报送', '本事项尚未报送，无需更正：请直接在本页报送。');
        const refs: string[] = [];
        for (const f of await uploads(req.body))
          refs.push(attachmentRef((await deps.attachments.put(f.name, f.mime, f.content)).sha256));
        const request = await recordCorrectionRequest(deps.ledger, {
          ...(await askedThroughLink(t, req)),
          reason,
          text,
          attachments: refs,
        }).catch((err: unknown) => {
          if (err instanceof CorrectionRefused)
            throw new WebError(409, '请稍后再试', '刚才已有一份更正申请提交，请刷新页面后再试。');
          throw err;
        });
        // Recorded: the office hears of it; a mail that cannot go now is logged, the request stands.
        await mailCorrectionRequest(deps, t, request).catch((err: unknown) =>
          req.log.error({ code: (err as { code?: unknown }).code }, 'correction request mail not sent'),
        );
      });
      return reply.redirect(`/s/${req.params.token}#correction-request`, 303);
    },
  );

  // A unit's request for more time, for the office to decide (ledger/extension-requests.ts).
  app.post<{ Params: { token: string } }>(
    '/s/:token/extension',
    { config: { rateLimit }, preHandler: app.csrfProtection.bind(app) },
    async (req, reply) => {
      const t = targetOf(config, req.params.token);
      if (!req.isMultipart()) throw new WebError(415, '请求格式错误', '请通过报送页面的表单提交。', 'content-type');
      refuseForeignFields(req.body, EXTENSION_FIELDS);
      const reason = field(req.body, 'reason').trim();
      if (reason === '' || reason.length > 2000)
        throw new WebError(400, '请说明理由', '请说明为什么需要延期（最多2000字）。', 'reason');
      const value = field(req.body, 'until').trim();
      await requestExtension(
        deps,
        t,
        { by: linkActor(deps, t, req), reason, until: (zone) => formInstant(value, zone), untilField: 'until' },
        req.log,
      );
      return reply.redirect(`/s/${req.params.token}#extension`, 303);
    },
  );

  app.get<{ Params: { token: string; sha: string } }>(
    '/s/:token/a/:sha',
    { config: { rateLimit } },
    async (req, reply) => {
      const t = targetOf(config, req.params.token);
      const view = await loadDeadline(deps, t);
      const own = [
        ...(view.report?.attachments ?? []),
        ...(view.report?.earlierAttachments ?? []),
        ...(view.report?.requestedAttachments ?? []),
        ...(view.comment?.attachments ?? []),
      ];
      const meta = own.find((a) => a.sha256 === req.params.sha);
      // Only this deadline's own files, and not after the link has turned read-only.
      if (!meta || view.expired) throw forbidden('该附件不属于此链接，或链接已仅显示回执。');
      return reply
        .type(meta.mime)
        .header('Content-Disposition', `attachment; filename*=UTF-8''${encodeURIComponent(meta.name)}`)
        .header('Cache-Control', 'private, no-store')
        .send(await deps.attachments.read(meta.sha256));
    },
  );

  app.get<{ Params: { campaign: string; obligation: string; cycle: string; unit: string } }>(
    '/submit/:campaign/:obligation/:cycle/:unit',
    async (req, reply) => {
      const p = req.params;
      const review = p.obligation.endsWith('.review');
      if (req.principal && !review && canSee(req.principal, p.unit)) {
        const target: LinkTarget = {
          campaignId: p.campaign,
          obligationKey: p.obligation,
          cycleKey: p.cycle,
          unitId: p.unit,
          purpose: 'submit',
        };
        return reply.redirect(linkUrl('', config.LINK_SECRET, target), 303);
      }
      if (req.principal) return reply.redirect('/me', 303);
      return reply.type('text/html; charset=utf-8').send(
        page(
          '请登录',
          html`<section class="card">
            <h1>这是旧式链接</h1>
            <p>旧式链接没有签名，无法确认来源。请登录后从“我的待办”进入；登录后再次打开此链接，会自动转到对应事项。</p>
            <p><a href="/login">用邮箱登录</a></p>
          </section>`,
        ),
      );
    },
  );
}
