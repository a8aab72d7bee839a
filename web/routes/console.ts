/**
 * The office console, `/console/…`: the campaigns, a campaign's dashboard, the heatmap, a
 * deadline's history, a unit's page, the downloads, the outbox, and the office's steering forms
 * (advance or end a phase, extend, waive, re-send a notice). Everyone signed in sees their part
 * (a committee's secretary: that committee's units); the forms and their POSTs are the office's
 * (anyone else gets 403 before the form is read). Every change is confirmed on its form (a
 * preview, a reason, a tick) and recorded with who and why by the engine, as the CLI's are.
 */
import path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DateTime } from 'luxon';
import { z } from 'zod';
import { CampaignRequestError } from '../../client/campaigns';
import { contactProblemsOf } from '../../client/org-reimport';
import { cyclesOf } from '../../domain/calendar';
import { recipientsFor } from '../../domain/recipients';
import { campaignStarts } from '../../ledger/campaign-starts';
import { pendingExtensionRequests } from '../../ledger/extension-requests';
import { answerExtension, pendingExtension } from '../extension-requests';
import { digestInputOf, digestOn, startDigest, stopDigest } from '../../client/digest';
import { lagRanking } from '../../ledger/audit';
import { GRADE_REPORTS } from '../../ledger/grade-reports';
import { buildReport, REPORTS, tableCsv, xlsxWorkbook, type ReportName } from '../../ledger/report';
import { listOutbox, outboxFiles } from '../../mail/outbox';
import { outboxDirIn } from '../config';
import { deadlineIdOfLedgerKeys, engineKeysOfLedgerKeys } from '../../domain/engine/context';
import { InstantInputError, requestInstant } from '../../domain/dates';
import { clip } from '../../domain/errors';
import { canSee, type Principal } from '../access';
import { mailCorrection, mailCorrectionDeclined, receiptNumber } from '../deadlines';
import { attachmentRef, refHash } from '../attachments';
import { parts, uploads } from '../uploads';
import {
  CorrectionRefused,
  readReport,
  recordCorrection,
  recordDecline,
  refsOf,
  type CurrentReport,
} from '../../ledger/corrections';
import { forbidden, WebError } from '../errors';
import { html, type Html } from '../html';
import { linkTargetOfLedgerKeys, signLink, type LinkTarget } from '../links';
import type { WebDeps } from '../context';
import { confirmBox, formField, htmlReply, officeOnly, readConfirmed } from '../forms';
import { consolePage, LANG_COOKIE, langOf, tr, when } from '../console/frame';
import {
  auditScope,
  buildHeatmap,
  deadlineHistory,
  defaultObligation,
  defaultPeriod,
  loadCampaign,
  obligationOf,
  obligationTitle,
  openCounts,
  openDeadlines,
  pendingCorrectionRequests,
  periodsOf,
  phaseName,
  phaseTimeline,
  scopedCommittee,
  unitName,
  unitOrders,
  upcomingInstants,
  visibleCommittees,
  type AuditScope,
  type CampaignContext,
  type HeatmapFilter,
  type Lang,
} from '../console/model';
import {
  campaignsBody,
  dashboardBody,
  deadlineBody,
  heatmapBody,
  LIST_MAX,
  unitBody,
  type CampaignLine,
} from '../console/pages';
import { heatmapPng } from '../console/png';
import { steeringPreview, type PhasePreview } from '../console/steering';
import { renderOutboxMessage, outboxListBody } from '../console/outbox';
import { sendMaterials } from '../console/materials';

const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/, 'letters, digits, dot, colon, dash, underscore');
const CampaignParams = z.object({ campaignId: id });
const DeadlineParams = CampaignParams.extend({ obligationKey: id, cycleKey: id, unitId: id });
const HeatmapQuery = z.object({
  committee: id.optional().or(z.literal('')),
  obligation: id.optional().or(z.literal('')),
  kind: z.string().max(20).optional(),
  phase: id.optional().or(z.literal('')),
});

const MaterialsQuery = z.object({ obligation: id, cycle: id, committee: id.optional().or(z.literal('')) });

/** A deadline's page in the console, its forms under it. */
const deadlinePath = (d: z.infer<typeof DeadlineParams>): string =>
  `/console/${[d.campaignId, 'o', d.obligationKey, d.cycleKey, d.unitId].map(encodeURIComponent).join('/')}`;

function who(req: FastifyRequest): Principal {
  if (!req.principal) throw new WebError(401, '请先登录', '请先登录后再打开办公室控制台。');
  return req.principal;
}

const send = htmlReply;
const field = (req: FastifyRequest, name: string): string => formField(req.body, name);

/** The outcome of an extension or waiver over a unit, a committee or a cycle: who was changed, who skipped and why. */
interface SteerResult {
  kind: 'extend' | 'waive';
  scope: string;
  changed: string[];
  skipped: { unitId: string; why: string }[];
  /** How many of each there were, when the lists were cut to fit a cookie. */
  changedCount?: number;
  skippedCount?: number;
}
const STEER_COOKIE = 'steered';
/** A cookie holds about 4 KB: the counts always, the first units of each list. */
const STEER_NAMES = 20;
const trimResult = (r: SteerResult): SteerResult => ({
  ...r,
  changed: r.changed.slice(0, STEER_NAMES),
  skipped: r.skipped.slice(0, STEER_NAMES).map((x) => ({ ...x, why: x.why.slice(0, 80) })),
  changedCount: r.changed.length,
  skippedCount: r.skipped.length,
});

function steerNotice(r: SteerResult, c: CampaignContext, lang: Lang): Html {
  const t = tr(lang);
  const verb = r.kind === 'extend' ? t('延期', 'Extended') : t('免报', 'Waived');
  const changed = r.changedCount ?? r.changed.length;
  const skipped = r.skippedCount ?? r.skipped.length;
  const names = (ids: string[]) => ids.map((u) => unitName(c, u)).join('、');
  return html`<section class="card notice" id="steered" role="status">
    <p>
      ${verb}：<strong id="steered-changed">${changed}</strong> ${t('个单位', 'units')}${
        r.changed.length > 0 ? html`（${names(r.changed)}${changed > r.changed.length ? '…' : ''}）` : ''
      }；${t('跳过', 'skipped')} <strong id="steered-skipped">${skipped}</strong> ${t('个', '')}
    </p>
    ${
      r.skipped.length > 0
        ? html`<ul class="plain">
            ${r.skipped.map((x) => html`<li>${unitName(c, x.unitId)}：${x.why}</li>`)}
          </ul>`
        : ''
    }
  </section>`;
}

/**
 * A `datetime-local` value read in the campaign's zone (China time), as ISO UTC, checked as the
 * command line checks `--until` (`requestInstant`): luxon alone took the year 9999, and moved a
 * time the clocks skip to another without a word.
 */
function localInstant(value: string, zone: string): string {
  try {
    return requestInstant(value, zone, 'newDueAt');
  } catch (err) {
    if (!(err instanceof InstantInputError)) throw err;
    throw new WebError(
      400,
      '请求有误',
      `新的截止时间不对：“${clip(value)}”不是 1970 至 2100 年间真实存在的时间（${err.problem}）`,
      'newDueAt',
    );
  }
}

/** The reason a grant of a unit's request starts from, within the 2,000 characters a reason may have. */
const grantReason = (asked: { reason?: string }, t: (zh: string, en: string) => string): string =>
  t(`同意本单位延期申请（${asked.reason ?? ''}）`, `Granted as the unit asked (${asked.reason ?? ''})`).slice(0, 2000);

/** The office's last extension or waiver, once: read from its signed cookie, which is then cleared. */
function steeredResult(req: FastifyRequest, reply: FastifyReply): SteerResult | undefined {
  const raw = req.cookies[STEER_COOKIE];
  if (!raw) return undefined;
  reply.clearCookie(STEER_COOKIE, { path: req.url.split('?')[0] });
  const v = req.unsignCookie(raw);
  if (!v.valid || !v.value) return undefined;
  try {
    return JSON.parse(v.value) as SteerResult;
  } catch {
    return undefined;
  }
}

export function registerConsole(app: FastifyInstance, deps: WebDeps): void {
  const { ledger, campaigns, org, config } = deps;
  const uiBase = config.TEMPORAL_UI_URL?.replace(/\/$/, '');

  async function campaignOf(req: FastifyRequest, campaignId: string): Promise<CampaignContext> {
    who(req);
    const c = await loadCampaign(ledger, campaigns, campaignId);
    if (!c) throw new WebError(404, '没有这项活动', `台帐中没有活动“${campaignId}”。`, 'campaignId');
    return c;
  }
  const frame = (req: FastifyRequest, title: string, body: Html, campaignId?: string): string =>
    consolePage(title, body, {
      lang: langOf(req),
      principal: who(req),
      path: req.url,
      campaignId,
      outbox: config.MAIL_URL.startsWith('outbox:'),
    });

  app.get<{ Params: { lang: string }; Querystring: { back?: string } }>('/console/lang/:lang', (req, reply) => {
    const lang = req.params.lang === 'en' ? 'en' : 'zh';
    reply.setCookie(LANG_COOKIE, lang, { path: '/', sameSite: 'lax', httpOnly: true, maxAge: 365 * 86400 });
    // Only a path of this site: never an open redirect.
    const back = req.query.back && /^\/[^/\\]/.test(req.query.back) ? req.query.back : '/console';
    return reply.redirect(back, 303);
  });

  app.get('/console', async (req, reply) => {
    if (!req.principal) return reply.redirect('/login', 303);
    const p = who(req);
    const lang = langOf(req);
    const lines: CampaignLine[] = [];
    for (const campaignId of await ledger.campaigns()) {
      const c = await loadCampaign(ledger, campaigns, campaignId);
      if (!c || !c.units.some((u) => canSee(p, u.unitId))) continue;
      const current = c.status?.currentPhase;
      lines.push({
        c,
        phase: phaseName(c, current, lang),
        counts: openCounts(await openDeadlines(ledger, c, auditScope(p, c)), c, p),
      });
    }
    return send(reply, frame(req, tr(lang)('全部活动', 'Campaigns'), campaignsBody(lines, lang, p.role === 'office')));
  });

  app.get<{ Params: { campaignId: string }; Querystring: { period?: string } }>(
    '/console/:campaignId',
    { schema: { params: CampaignParams, querystring: z.object({ period: z.string().max(10).optional() }) } },
    async (req, reply) => {
      const c = await campaignOf(req, req.params.campaignId);
      const p = who(req);
      const lang = langOf(req);
      const periods = periodsOf(c, lang);
      const period = periods.find((x) => x.key === req.query.period) ?? defaultPeriod(periods);
      const f = { campaignId: c.campaignId, ...auditScope(p, c), asOf: c.now };
      // The lists show their first LIST_MAX rows and how many there are: the database scopes, counts
      // and limits, so the rows shown and the totals are the person's own (never a cut of everyone's).
      const [
        timeline,
        open,
        rectifications,
        rectificationTotal,
        reviewers,
        reviewerTotal,
        ranking,
        requests,
        extensionAsked,
        problems,
        starts,
      ] = await Promise.all([
        phaseTimeline(ledger, c, lang),
        openDeadlines(ledger, c, auditScope(p, c)),
        ledger.openRectifications(f, { limit: LIST_MAX }),
        ledger.openRectificationCount(f),
        ledger.lateReviews(f, { limit: LIST_MAX }),
        ledger.lateReviewCount(f),
        lagRanking(ledger, { ...f, dueFrom: period.from, dueBefore: period.before }, 20),
        pendingCorrectionRequests(ledger, c, auditScope(p, c)),
        pendingExtensionRequests(ledger, c.campaignId, auditScope(p, c)),
        // The office is told on its dashboard when contacts get no mail: the list is on the roster page.
        p.role === 'office' && c.status && !c.status.completed
          ? contactProblemsOf(campaigns, ledger, c.campaignId, [...c.unitById.keys()])
          : undefined,
        campaignStarts(ledger, c.campaignId),
      ]);
      // The office's switch for the weekly digest, while the campaign runs and is not stopped.
      const digest =
        p.role === 'office' && c.status && !c.status.completed && !c.status.stopped
          ? { on: await digestOn(campaigns.client, c.campaignId), csrf: reply.generateCsrf() }
          : undefined;
      const body = dashboardBody(
        {
          c,
          timeline,
          upcoming: upcomingInstants(open, c, p),
          counts: openCounts(open, c, p),
          rectifications,
          rectificationTotal,
          reviewers,
          reviewerTotal,
          ranking,
          periods,
          period: period.key,
          office: p.role === 'office',
          requests,
          extensionRequests: extensionAsked,
          starts,
          ...(digest ? { digest } : {}),
          contactProblems: problems && {
            noAddress: problems.noAddress.length,
            refused: problems.refused.length,
            deferred: problems.deferred.length,
          },
        },
        lang,
      );
      return send(reply, frame(req, c.title, body, c.campaignId));
    },
  );

  const heatmapOf = async (req: FastifyRequest, campaignId: string, q: z.infer<typeof HeatmapQuery>) => {
    const c = await campaignOf(req, campaignId);
    const p = who(req);
    if (q.committee && !canSee(p, q.committee)) throw forbidden();
    const filter: HeatmapFilter = {
      committee: q.committee || undefined,
      obligation: q.obligation || undefined,
      kind: q.kind || undefined,
      phase: q.phase || undefined,
    };
    return { c, p, filter, map: await buildHeatmap(ledger, c, p, filter) };
  };

  app.get<{ Params: { campaignId: string }; Querystring: z.infer<typeof HeatmapQuery> }>(
    '/console/:campaignId/heatmap',
    { schema: { params: CampaignParams, querystring: HeatmapQuery } },
    async (req, reply) => {
      // The map lives under o/<obligation>/ so that its cells' links are short and relative.
      const c = await campaignOf(req, req.params.campaignId);
      const q = new URLSearchParams(
        Object.entries(req.query).filter((e): e is [string, string] => !!e[1] && e[0] !== 'obligation'),
      ).toString();
      const ob = req.query.obligation || (await defaultObligation(ledger, c));
      return reply.redirect(
        `/console/${encodeURIComponent(c.campaignId)}/o/${encodeURIComponent(ob)}/${q ? `?${q}` : ''}`,
        303,
      );
    },
  );

  app.get<{ Params: { campaignId: string; obligationKey: string }; Querystring: z.infer<typeof HeatmapQuery> }>(
    '/console/:campaignId/o/:obligationKey/',
    { schema: { params: CampaignParams.extend({ obligationKey: id }), querystring: HeatmapQuery } },
    async (req, reply) => {
      const lang = langOf(req);
      const { c, p, filter, map } = await heatmapOf(req, req.params.campaignId, {
        ...req.query,
        obligation: req.params.obligationKey,
      });
      const kinds = [...new Set(c.units.filter((u) => u.level === 'branch' && u.kind).map((u) => u.kind!))];
      const phases = (c.plan?.phases ?? []).map((x) => ({ key: x.key, name: lang === 'en' ? x.label : x.name }));
      const committees = visibleCommittees(c, p).map((u) => ({ id: u.unitId, name: u.name }));
      const body = heatmapBody({ c, map, filter, committees, kinds, phases }, lang);
      return send(reply, frame(req, tr(lang)('督办热力图', 'Heatmap'), body, c.campaignId));
    },
  );

  app.get<{ Params: { campaignId: string }; Querystring: z.infer<typeof HeatmapQuery> }>(
    '/console/:campaignId/heatmap.png',
    { schema: { params: CampaignParams, querystring: HeatmapQuery } },
    async (req, reply) => {
      const { c, map } = await heatmapOf(req, req.params.campaignId, req.query);
      return reply
        .type('image/png')
        .header('Content-Disposition', `attachment; filename="${c.campaignId}-${map.obligationKey}-heatmap.png"`)
        .send(heatmapPng(map));
    },
  );

  app.get<{ Params: z.infer<typeof DeadlineParams> }>(
    '/console/:campaignId/o/:obligationKey/:cycleKey/:unitId',
    { schema: { params: DeadlineParams } },
    async (req, reply) => {
      const { campaignId, obligationKey, cycleKey, unitId } = req.params;
      const c = await campaignOf(req, campaignId);
      const p = who(req);
      if (!canSee(p, unitId)) throw forbidden();
      const lang = langOf(req);
      const { row, events } = await deadlineHistory(ledger, campaignId, obligationKey, cycleKey, unitId);
      if (!row && events.length === 0) throw new WebError(404, '没有这个事项', '台帐中没有该单位的这一事项。');
      const live = c.status ? await liveStatus(req.params) : undefined;
      const wf = deadlineIdOfLedgerKeys(campaignId, obligationKey, cycleKey, unitId);
      const body = deadlineBody(
        {
          c,
          obligationKey,
          cycleKey,
          unitId,
          row,
          events,
          live,
          workflowUrl: uiBase
            ? `${uiBase}/namespaces/${encodeURIComponent(config.temporal.namespace)}/workflows/${encodeURIComponent(wf)}`
            : undefined,
          office: p.role === 'office',
          csrf: '',
        },
        lang,
      );
      const title = `${unitName(c, unitId)} · ${obligationTitle(c, obligationKey, lang)} ${cycleKey}`;
      const steered = steeredResult(req, reply);
      return send(
        reply,
        frame(req, title, steered ? html`${steerNotice(steered, c, lang)}${body}` : body, c.campaignId),
      );
    },
  );

  app.get<{ Params: { campaignId: string; unitId: string } }>(
    '/console/:campaignId/u/:unitId',
    { schema: { params: CampaignParams.extend({ unitId: id }) } },
    async (req, reply) => {
      const { campaignId, unitId } = req.params;
      const c = await campaignOf(req, campaignId);
      if (!canSee(who(req), unitId)) throw forbidden();
      if (!c.unitById.has(unitId)) throw new WebError(404, '没有这个单位', `活动中没有单位“${unitId}”。`, 'unitId');
      const lang = langOf(req);
      const [rows, submissions] = await Promise.all([
        ledger.deadlineRows({ campaignId, unitId }),
        ledger.events({
          campaignId,
          unitId,
          kinds: ['submission', 'review-comment', 'submission-corrected', 'review-comment-corrected'],
        }),
      ]);
      const attachmentLinks = new Map<string, string>();
      for (const e of submissions) {
        const refs = Array.isArray(e.data?.attachments) ? (e.data.attachments as string[]) : [];
        const token = signLink(
          config.LINK_SECRET,
          linkTargetOfLedgerKeys(campaignId, e.obligationKey ?? '', e.cycleKey ?? '', unitId),
        );
        for (const ref of refs) attachmentLinks.set(ref, `/s/${token}/a/${ref.replace(/^sha256:/, '')}`);
        // The receipt number people were given: the same function of the same receipt (a correction has none).
        if (e.kind === 'submission-corrected' || e.kind === 'review-comment-corrected') continue;
        e.data = {
          ...e.data,
          receiptNumber: receiptNumber({
            deadlineId: deadlineIdOfLedgerKeys(campaignId, e.obligationKey ?? '', e.cycleKey ?? '', unitId),
            receivedAt: e.at,
          }),
        };
      }
      const body = unitBody(
        {
          c,
          unitId,
          rows,
          submissions,
          attachmentLinks,
          orders: unitOrders(rows, c.now),
        },
        lang,
      );
      return send(reply, frame(req, unitName(c, unitId), body, c.campaignId));
    },
  );

  // ---------- downloads ----------

  /**
   * A download's filter in the person's scope. The grading reports are read per committee (they
   * take no unit list): a committee secretary's own, and none for a branch, which is refused.
   */
  const reportFilter = (req: FastifyRequest, c: CampaignContext, report: ReportName, period?: string) => {
    const p = who(req);
    const per = periodsOf(c, 'zh').find((x) => x.key === period);
    let scope: AuditScope = auditScope(p, c);
    if ((GRADE_REPORTS as readonly string[]).includes(report) && p.role !== 'office') {
      const own = p.role === 'committee' ? scopedCommittee(p, undefined, c) : undefined;
      if (!own) throw forbidden('分类定级报表按党委查看，党支部不能下载。');
      scope = { committeeId: own };
    }
    return {
      campaignId: c.campaignId,
      ...scope,
      asOf: c.now,
      timeZone: c.timeZone,
      locale: langOf(req),
      dueFrom: per?.from,
      dueBefore: per?.before,
    };
  };

  app.get<{ Params: { campaignId: string; report: string; ext: string }; Querystring: { period?: string } }>(
    '/console/:campaignId/reports/:report.:ext',
    {
      schema: {
        params: CampaignParams.extend({ report: z.enum(REPORTS).exclude(['unit']), ext: z.enum(['csv', 'xlsx']) }),
        querystring: z.object({ period: z.string().max(10).optional() }),
      },
    },
    async (req, reply) => {
      const c = await campaignOf(req, req.params.campaignId);
      const report = req.params.report as ReportName;
      const t = await buildReport(ledger, report, reportFilter(req, c, report, req.query.period));
      const name = `${c.campaignId}-${t.name}.${req.params.ext}`;
      reply.header('Content-Disposition', `attachment; filename="${name}"`);
      if (req.params.ext === 'csv') return reply.type('text/csv; charset=utf-8').send(tableCsv(t));
      return reply
        .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
        .send(Buffer.from(await xlsxWorkbook([t]).xlsx.writeBuffer()));
    },
  );

  app.get<{ Params: { campaignId: string } }>(
    '/console/:campaignId/audit.xlsx',
    { schema: { params: CampaignParams } },
    async (req, reply) => {
      const c = await campaignOf(req, req.params.campaignId);
      const names: ReportName[] = ['lagging', 'ranking', 'reviewers', 'rectifications'];
      const f = reportFilter(req, c, 'lagging');
      const tables = await Promise.all(names.map((n) => buildReport(ledger, n, f)));
      return reply
        .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
        .header('Content-Disposition', `attachment; filename="${c.campaignId}-audit.xlsx"`)
        .send(Buffer.from(await xlsxWorkbook(tables).xlsx.writeBuffer()));
    },
  );

  // A cycle's materials in one ZIP (web/console/materials.ts), in the person's scope.
  app.get<{ Params: { campaignId: string }; Querystring: z.infer<typeof MaterialsQuery> }>(
    '/console/:campaignId/materials.zip',
    { schema: { params: CampaignParams, querystring: MaterialsQuery } },
    async (req, reply) => {
      const c = await campaignOf(req, req.params.campaignId);
      const { obligation, cycle, committee } = req.query;
      const scope = auditScope(who(req), c, committee || undefined);
      return sendMaterials(reply, deps, c, scope, { obligationKey: obligation, cycleKey: cycle });
    },
  );

  // ---------- the outbox ----------

  const outboxDir = (): string => outboxDirIn(config);

  app.get('/console/outbox', { preHandler: officeOnly }, async (req, reply) => {
    const lang = langOf(req);
    const entries = await listOutbox(outboxDir());
    return send(reply, frame(req, tr(lang)('发件箱', 'Outbox'), outboxListBody(entries, lang)));
  });

  app.get<{ Params: { file: string }; Querystring: { part?: 'html' | 'ics' } }>(
    '/console/outbox/:file',
    {
      preHandler: officeOnly,
      schema: {
        params: z.object({ file: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,200}\.eml$/) }),
        querystring: z.object({ part: z.enum(['html', 'ics']).optional() }),
      },
    },
    async (req, reply) => {
      const lang = langOf(req);
      const files = await outboxFiles(outboxDir());
      // Only a file the outbox lists: the name is matched, never joined into a path unchecked.
      const file = files.find((f) => path.basename(f) === req.params.file);
      if (!file) throw new WebError(404, '没有这封邮件', `发件箱中没有邮件 ${req.params.file}。`);
      const out = await renderOutboxMessage(file, req.query.part, lang);
      if (out.kind === 'page') return send(reply, frame(req, out.title, out.body));
      // The mail's own HTML, shown alone under a CSP that lets nothing run or load.
      return reply
        .type(out.type)
        .header('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox")
        .header('Cache-Control', 'no-store')
        .send(out.content);
    },
  );

  // ---------- steering (office only) ----------

  function previewBody(c: CampaignContext, pv: PhasePreview, lang: Lang): Html {
    const t = tr(lang);
    const list = (xs: PhasePreview['opening']) =>
      xs.length === 0
        ? html`<p>${t('无', 'None')}</p>`
        : html`<ul class="plain">
            ${xs.map(
              (x) =>
                html`<li>
                  ${obligationTitle(c, x.obligationKey, lang)} ${x.cycleKey} · ${t('开放', 'opens')}
                  ${when(x.opensAt, c.timeZone, lang)} · ${t('截止', 'due')} ${when(x.dueAt, c.timeZone, lang)} ·
                  ${x.units} ${t('个单位', 'units')}
                </li>`,
            )}
          </ul>`;
    return html`<section class="card" id="preview">
      <h2>${t('执行后将会', 'What will happen')}</h2>
      ${pv.refusal ? html`<p class="late">${t('引擎将拒绝：', 'The engine would refuse: ')}${pv.refusal}</p>` : ''}
      <p>
        ${t('阶段', 'Phase')}
        <strong>${phaseName(c, pv.phaseKey, lang)}</strong>
        ${pv.action === 'advance' ? t('从现在开始', 'starts now') : t('现在结束', 'ends now')}；
        ${t('发出', 'mails sent now')}：${t('阶段通知', 'announcements')}
        <strong id="announcements">${pv.announcements}</strong>， ${t('报送通知', 'notices')}
        <strong id="notices">${pv.notices}</strong>
      </p>
      <h3>${t('将开放的报送事项', 'Deadlines that will open')}</h3>
      ${list(pv.opening)}
      <h3>${t('将不再开放的报送事项', 'Deadlines that will no longer open')}</h3>
      ${list(pv.closing)}
    </section>`;
  }

  const phaseForm = (action: 'advance' | 'end-phase') => {
    const url = `/console/:campaignId/${action}`;
    const preview = async (req: FastifyRequest, campaignId: string, toPhase?: string) => {
      const c = await campaignOf(req, campaignId);
      return { c, pv: steeringPreview(c, org.current, action === 'advance' ? 'advance' : 'end', toPhase) };
    };

    app.get<{ Params: { campaignId: string }; Querystring: { toPhase?: string } }>(
      url,
      {
        preHandler: officeOnly,
        schema: { params: CampaignParams, querystring: z.object({ toPhase: id.optional() }) },
      },
      async (req, reply) => {
        const lang = langOf(req);
        const t = tr(lang);
        const { c, pv } = await preview(req, req.params.campaignId, req.query.toPhase);
        const title =
          action === 'advance' ? t('进入下一阶段', 'Advance the phase') : t('结束当前阶段', 'End the running phase');
        const body = html`${previewBody(c, pv, lang)}
          <section class="card">
            <form
              method="post"
              action="/console/${encodeURIComponent(c.campaignId)}/${action}"
              enctype="multipart/form-data"
            >
              <input type="hidden" name="_csrf" value="${reply.generateCsrf()}" />
              <input type="hidden" name="phaseKey" value="${pv.phaseKey}" />
              ${confirmBox(t)}
              <button type="submit">${title}</button>
            </form>
          </section>`;
        return send(reply, frame(req, title, body, c.campaignId));
      },
    );

    app.post<{ Params: { campaignId: string } }>(
      url,
      { preHandler: [officeOnly, app.csrfProtection.bind(app)], schema: { params: CampaignParams } },
      async (req, reply) => {
        const p = who(req);
        const reason = readConfirmed(req);
        const phaseKey = field(req, 'phaseKey');
        if (!id.safeParse(phaseKey).success) throw new WebError(400, '请求有误', '缺少阶段。', 'phaseKey');
        const { campaignId } = req.params;
        if (action === 'advance') await campaigns.advance(campaignId, { toPhase: phaseKey, by: p.email, reason });
        else await campaigns.endPhase(campaignId, { phaseKey, by: p.email, reason });
        return reply.redirect(`/console/${encodeURIComponent(campaignId)}`, 303);
      },
    );
  };
  phaseForm('advance');
  phaseForm('end-phase');

  // 终止活动: the office stops the campaign before its plan ends (CampaignClient.stop).
  app.get<{ Params: { campaignId: string } }>(
    '/console/:campaignId/stop',
    { preHandler: officeOnly, schema: { params: CampaignParams } },
    async (req, reply) => {
      const t = tr(langOf(req));
      const c = await campaignOf(req, req.params.campaignId);
      if (!c.status || c.status.completed) throw new WebError(409, '活动已结束', '这项活动已经结束，无需终止。');
      if (c.status.stopped) throw new WebError(409, '活动已终止', '这项活动已经终止。');
      const title = t('终止活动', 'Stop the campaign');
      const body = html`<section class="card" aria-labelledby="h-stop">
        <h2 id="h-stop">${title}：${c.title}</h2>
        <p>
          ${t(
            '终止后，活动不再进入新的阶段、不再开放新的报送事项；',
            'Once stopped, the campaign starts no further phase and opens no further deadline; ',
          )}<strong>${t(
            `目前尚未报送的 ${c.status.open} 项（含领导点评）将一律免报`,
            `the ${c.status.open} deadlines open now (leaders' reviews included) are all waived`,
          )}</strong>${t(
            '，免报理由为“活动终止：”加下面填写的理由；每个单位都会收到一封终止通知。已报送的材料、点评和台帐记录均予保存。终止不能撤销。',
            ', with the reason "活动终止：" and what you write below; every unit is mailed that the campaign stopped. What was handed in, the reviews and the ledger are kept. A stop cannot be undone.',
          )}
        </p>
        <form method="post" action="/console/${encodeURIComponent(c.campaignId)}/stop" enctype="multipart/form-data">
          <input type="hidden" name="_csrf" value="${reply.generateCsrf()}" />
          ${confirmBox(t, '', t('终止理由（将记录在台帐中，并通知各单位）', 'Why (recorded in the ledger and mailed to every unit)'))}
          <button type="submit">${title}</button>
        </form>
      </section>`;
      return send(reply, frame(req, title, body, c.campaignId));
    },
  );
  app.post<{ Params: { campaignId: string } }>(
    '/console/:campaignId/stop',
    { preHandler: [officeOnly, app.csrfProtection.bind(app)], schema: { params: CampaignParams } },
    async (req, reply) => {
      const p = who(req);
      const reason = readConfirmed(req);
      await campaigns.stop(req.params.campaignId, { by: p.email, reason });
      return reply.redirect(`/console/${encodeURIComponent(req.params.campaignId)}`, 303);
    },
  );

  /**
   * The deadline as the engine holds it now (undefined once its workflow is gone), asked by the
   * engine's keys: a leader review's ledger rows are the reviewer's, its workflow the reviewed unit's.
   */
  function liveStatus(k: z.infer<typeof DeadlineParams>) {
    const e = engineKeysOfLedgerKeys(k.obligationKey, k.cycleKey, k.unitId);
    return campaigns.deadlineStatus(k.campaignId, e.obligationKey, e.cycleKey, e.unitId).catch(() => undefined);
  }

  /** The deadlines one extension or waiver reaches: one unit's, or every open one of a committee or of the cycle. */
  async function targetsOf(
    campaignId: string,
    obligationKey: string,
    cycleKey: string,
    unitId: string,
    scope: string,
  ): Promise<string[]> {
    if (scope === 'unit') return [unitId];
    const committee = scope === 'committee' ? (org.current.units[unitId]?.parentId ?? unitId) : undefined;
    const open = await campaigns.list(campaignId, { obligation: obligationKey, cycle: cycleKey, committee });
    // A deadline answered or waived may still run (a review to wait for): it is no target any more.
    return open.filter((s) => s.role === 'report' && s.state !== 'closed').map((s) => s.unitId);
  }

  const deadlineForm = (kind: 'extend' | 'waive' | 'resend') => {
    const url = `/console/:campaignId/o/:obligationKey/:cycleKey/:unitId/${kind}`;
    app.get<{ Params: z.infer<typeof DeadlineParams>; Querystring: { request?: string } }>(
      url,
      { preHandler: officeOnly, schema: { params: DeadlineParams } },
      async (req, reply) => {
        const { campaignId, obligationKey, cycleKey, unitId } = req.params;
        const c = await campaignOf(req, campaignId);
        const lang = langOf(req);
        const t = tr(lang);
        const review = obligationKey.endsWith('.review');
        if (review && kind === 'resend') throw notForReviews();
        const s = await liveStatus(req.params);
        if (!s || s.state === 'closed') throw new WebError(409, '该事项已关闭', '该事项已关闭，不能再操作。');
        // Opened from a unit's request for more time: the form starts from what it asks.
        const asked =
          kind === 'extend' && req.query.request !== undefined
            ? await askedExtension(req.params, requestNumber(req.query))
            : undefined;
        const askedUntil = typeof asked?.data?.until === 'string' ? asked.data.until : undefined;
        const committee = unitName(c, org.current.units[unitId]?.parentId);
        const title = {
          extend: t('延期', 'Extend'),
          waive: t('免报', 'Waive'),
          resend: t('重发报送通知', 'Re-send the notice'),
        }[kind];
        const dueLocal = DateTime.fromISO(askedUntil ?? s.dueAt, { zone: c.timeZone }).toFormat("yyyy-LL-dd'T'HH:mm");
        const body = html`<section class="card">
          <p>
            ${unitName(c, unitId)} · ${obligationTitle(c, obligationKey, lang)} ${cycleKey} · ${t('截止', 'due')}
            ${when(s.dueAt, c.timeZone, lang)}
          </p>
          ${
            asked
              ? html`<p id="extension-asked">
                  ${t('本单位申请延至', 'The unit asks until')} <strong>${when(askedUntil, c.timeZone, lang)}</strong> ·
                  ${asked.actor ?? ''} · ${when(asked.at, c.timeZone, lang)} ·
                  ${t('理由', 'why')}${t('：', ': ')}${asked.reason ?? ''}
                </p>`
              : ''
          }
          <form method="post" action="${deadlinePath(req.params)}/${kind}" enctype="multipart/form-data">
            <input type="hidden" name="_csrf" value="${reply.generateCsrf()}" />
            ${asked ? html`<input type="hidden" name="request" value="${String(asked.data?.request)}" />` : ''}
            ${
              // A leader review is one reviewer's: extended or waived alone.
              kind === 'resend' || review
                ? ''
                : html`<fieldset>
                    <legend>${t('范围', 'Scope')}</legend>
                    <p>
                      <input type="radio" id="scope-unit" name="scope" value="unit" checked />
                      <label for="scope-unit">${t('仅本单位', 'this unit only')}</label>
                    </p>
                    <p>
                      <input type="radio" id="scope-committee" name="scope" value="committee" />
                      <label for="scope-committee"
                        >${t(`${committee}所有未交单位`, `every open unit of ${committee}`)}</label
                      >
                    </p>
                    <p>
                      <input type="radio" id="scope-cycle" name="scope" value="cycle" />
                      <label for="scope-cycle"
                        >${t(`本周期（${cycleKey}）所有未交单位`, `every open unit of the cycle ${cycleKey}`)}</label
                      >
                    </p>
                  </fieldset>`
            }
            ${
              kind === 'extend'
                ? html`<label for="newDueAt">${t('新的截止时间（北京时间）', 'New due instant (China time)')}</label>
                    <input type="datetime-local" id="newDueAt" name="newDueAt" required value="${dueLocal}" />`
                : ''
            }
            ${confirmBox(t, '', undefined, asked ? grantReason(asked, t) : '')}
            <button type="submit">${title}</button>
          </form>
        </section>`;
        return send(reply, frame(req, title, body, c.campaignId));
      },
    );

    app.post<{ Params: z.infer<typeof DeadlineParams> }>(
      url,
      { preHandler: [officeOnly, app.csrfProtection.bind(app)], schema: { params: DeadlineParams } },
      async (req, reply) => {
        const p = who(req);
        const { campaignId, obligationKey, cycleKey, unitId } = req.params;
        const reason = readConfirmed(req);
        const c = await campaignOf(req, campaignId);
        const back = deadlinePath(req.params);
        const review = obligationKey.endsWith('.review');
        if (review && kind === 'resend') throw notForReviews();
        if (kind === 'resend') {
          await resendNotice(c, obligationKey, cycleKey, unitId, p, reason);
          return reply.redirect(back, 303);
        }
        const scope = field(req, 'scope') || 'unit';
        if (!['unit', 'committee', 'cycle'].includes(scope)) throw new WebError(400, '请求有误', '范围不对。', 'scope');
        if (review && scope !== 'unit') throw new WebError(400, '请求有误', '领导点评只能逐个延期或免报。', 'scope');
        const units = await targetsOf(campaignId, obligationKey, cycleKey, unitId, scope);
        // A committee or cycle with nothing open left: say so rather than do nothing and look done.
        if (units.length === 0)
          throw new WebError(
            409,
            '没有可操作的单位',
            scope === 'committee'
              ? '该党委在本周期已没有未交的单位，未作任何更改。'
              : '本周期已没有未交的单位，未作任何更改。',
            'scope',
          );
        const newDueAt = kind === 'extend' ? localInstant(field(req, 'newDueAt'), c.timeZone) : '';
        // In answer to the unit's request: still the one pending, checked before anything changes.
        const answering =
          kind === 'extend' && field(req, 'request') !== ''
            ? await askedExtension(req.params, requestNumber({ request: field(req, 'request') }), 'request')
            : undefined;
        const result: SteerResult = { kind, scope, changed: [], skipped: [] };
        for (const u of units) {
          const e = engineKeysOfLedgerKeys(obligationKey, cycleKey, u);
          try {
            if (kind === 'extend')
              await campaigns.extend(campaignId, e.obligationKey, e.cycleKey, e.unitId, {
                newDueAt,
                by: p.email,
                reason,
              });
            else await campaigns.waive(campaignId, e.obligationKey, e.cycleKey, e.unitId, { by: p.email, reason });
            result.changed.push(u);
          } catch (err) {
            // In a committee or cycle, a unit that answered meanwhile (or already has a later due date) is skipped.
            if (scope === 'unit' || !(err instanceof CampaignRequestError)) throw err;
            result.skipped.push({ unitId: u, why: err.message });
          }
        }
        if (answering && result.changed.includes(unitId))
          await answerExtension(
            deps,
            linkTargetOf(req.params),
            Number(answering.data?.request),
            { at: c.now, by: p.email, reason },
            { granted: true, dueAt: newDueAt, field: 'request' },
            req.log,
          );
        // What was done, shown once on the page the office lands on (a signed cookie: nobody can forge a count).
        reply.setCookie(STEER_COOKIE, JSON.stringify(trimResult(result)), {
          signed: true,
          httpOnly: true,
          sameSite: 'strict',
          path: back,
          maxAge: 120,
        });
        return reply.redirect(back, 303);
      },
    );
  };
  deadlineForm('extend');
  deadlineForm('waive');
  deadlineForm('resend');

  /** A request's number as a link or form gives it (`?request=`): a positive whole number, named by field otherwise. */
  function requestNumber(q: { request?: unknown }, name = 'request'): number {
    const n = typeof q.request === 'string' && /^\d{1,6}$/.test(q.request) ? Number(q.request) : 0;
    if (n < 1) throw new WebError(400, '请求有误', '延期申请的编号不对。', name);
    return n;
  }

  /** The unit's request for more time numbered `n`, while it is the one pending; refused once answered. */
  const askedExtension = (k: z.infer<typeof DeadlineParams>, n: number, field = 'request') =>
    pendingExtension(deps, k, n, field);

  // The office turns the weekly digest on or off (client/digest.ts).
  app.post<{ Params: { campaignId: string } }>(
    '/console/:campaignId/digest',
    { preHandler: [officeOnly, app.csrfProtection.bind(app)], schema: { params: CampaignParams } },
    async (req, reply) => {
      const c = await campaignOf(req, req.params.campaignId);
      const want = field(req, 'digest');
      if (want !== 'on' && want !== 'off') throw new WebError(400, '请求有误', '请选择开启或停止。', 'digest');
      if (!c.status || c.status.completed || c.status.stopped)
        throw new WebError(409, '活动已结束', '该活动已经结束，不再发送督办简报。', 'campaignId');
      if (want === 'off') await stopDigest(campaigns.client, c.campaignId);
      else {
        const plan = c.plan;
        if (!plan)
          throw new WebError(409, '缺少活动方案', '台帐中没有这项活动的方案，无法开启督办简报。', 'campaignId');
        await startDigest(
          campaigns.client,
          config.TASK_QUEUE,
          digestInputOf(plan, await campaigns.clock(c.campaignId)),
        );
      }
      return reply.redirect(`/console/${encodeURIComponent(c.campaignId)}#digest`, 303);
    },
  );

  // The office declines a unit's request for more time, saying why; the unit is mailed.
  const declineUrl = '/console/:campaignId/o/:obligationKey/:cycleKey/:unitId/extension-decline';
  app.get<{ Params: z.infer<typeof DeadlineParams>; Querystring: { request?: string } }>(
    declineUrl,
    { preHandler: officeOnly, schema: { params: DeadlineParams } },
    async (req, reply) => {
      const { campaignId, unitId } = req.params;
      const c = await campaignOf(req, campaignId);
      const lang = langOf(req);
      const t = tr(lang);
      const asked = await askedExtension(req.params, requestNumber(req.query));
      const until = typeof asked.data?.until === 'string' ? asked.data.until : undefined;
      const title = t('不同意延期申请', 'Decline the extension');
      const body = html`<section class="card">
        <p>
          ${unitName(c, unitId)} · ${obligationTitle(c, req.params.obligationKey, lang)} ${req.params.cycleKey} ·
          ${t('申请延至', 'asked until')} ${when(until, c.timeZone, lang)}
        </p>
        <p>
          ${asked.actor ?? ''} · ${when(asked.at, c.timeZone, lang)} ·
          ${t('理由', 'why')}${t('：', ': ')}${asked.reason ?? ''}
        </p>
        <form method="post" action="${deadlinePath(req.params)}/extension-decline" enctype="multipart/form-data">
          <input type="hidden" name="_csrf" value="${reply.generateCsrf()}" />
          <input type="hidden" name="request" value="${String(asked.data?.request)}" />
          ${confirmBox(t, '', t('不同意的理由（将邮件告知该单位）', 'Why not (mailed to the unit)'))}
          <button type="submit">${t('不同意延期', 'Decline')}</button>
        </form>
      </section>`;
      return send(reply, frame(req, title, body, c.campaignId));
    },
  );

  app.post<{ Params: z.infer<typeof DeadlineParams> }>(
    declineUrl,
    { preHandler: [officeOnly, app.csrfProtection.bind(app)], schema: { params: DeadlineParams } },
    async (req, reply) => {
      const p = who(req);
      const reason = readConfirmed(req);
      const n = requestNumber({ request: field(req, 'request') });
      const s = await liveStatus(req.params);
      if (!s || s.state === 'closed') throw new WebError(409, '该事项已关闭', '该事项已关闭，不能再操作。');
      const c = await campaignOf(req, req.params.campaignId);
      await answerExtension(
        deps,
        linkTargetOf(req.params),
        n,
        { at: c.now, by: p.email, reason },
        { granted: false, dueAt: s.dueAt, field: 'request' },
        req.log,
      );
      return reply.redirect(deadlinePath(req.params), 303);
    },
  );

  /** A leader review's mail is the engine's own (review-due), not a unit's notice to send again. */
  function notForReviews(): WebError {
    return new WebError(400, '请求有误', '领导点评没有报送通知可重发。', 'obligationKey');
  }

  const linkTargetOf = (k: z.infer<typeof DeadlineParams>): LinkTarget =>
    linkTargetOfLedgerKeys(k.campaignId, k.obligationKey, k.cycleKey, k.unitId);

  /**
   * The deadline's report (or a leader's review comment) as it stands, or a refusal: only what
   * came in can be corrected.
   */
  async function reportToCorrect(campaignId: string, obligationKey: string, cycleKey: string, unitId: string) {
    const report = await readReport(ledger, { campaignId, obligationKey, cycleKey, unitId });
    if (!report)
      throw new WebError(
        409,
        '无可更正',
        obligationKey.endsWith('.review')
          ? '尚未点评，没有可更正的内容。'
          : '该单位尚未报送这一事项，没有可更正的内容。',
      );
    return report;
  }

  /** The files a correction may keep: the report's as it stands, and those of the unit's pending request. */
  const keepable = (report: CurrentReport): string[] => [
    ...new Set([...report.attachments, ...(report.pendingRequest ? refsOf(report.pendingRequest) : [])]),
  ];

  const correctUrl = '/console/:campaignId/o/:obligationKey/:cycleKey/:unitId/correct';
  app.get<{ Params: z.infer<typeof DeadlineParams> }>(
    correctUrl,
    { preHandler: officeOnly, schema: { params: DeadlineParams } },
    async (req, reply) => {
      const { campaignId, obligationKey, cycleKey, unitId } = req.params;
      const c = await campaignOf(req, campaignId);
      const t = tr(langOf(req));
      const report = await reportToCorrect(campaignId, obligationKey, cycleKey, unitId);
      // A leader's review comment: words only, corrected on the reviewer's behalf.
      const comment = report.original.kind === 'review-comment';
      // The unit's pending request, if any: its report and files are what the form starts from.
      const asked = report.pendingRequest;
      // One token for the page's two forms: a second would replace the first one's secret.
      const csrf = reply.generateCsrf();
      const startText = typeof asked?.data?.text === 'string' ? asked.data.text : report.text;
      // The files open through the unit's own signed link, which serves the report's and its request's.
      const linkToken = signLink(config.LINK_SECRET, linkTargetOf(req.params));
      const metas = await Promise.all(
        keepable(report).map(async (ref) => ({ ref, meta: await deps.attachments.meta(refHash(ref) ?? '') })),
      );
      const title = comment ? t('更正点评', 'Correct the review comment') : t('更正报送', 'Correct the report');
      const body = html`<section class="card">
          <p>
            ${unitName(c, unitId)} · ${obligationTitle(c, obligationKey, langOf(req))} ${cycleKey} ·
            ${comment ? t('点评于', 'commented') : t('报送于', 'received')}
            ${when(report.original.at, c.timeZone, langOf(req))}
          </p>
          ${
            asked
              ? html`<p class="request">
                  ${t('本单位申请更正', 'The unit asked for a correction')} · ${when(asked.at, c.timeZone, langOf(req))}
                  · ${asked.actor ?? ''} · ${t('说明', 'why')}：${asked.reason ?? ''}
                </p>`
              : ''
          }
          <p class="hint">
            ${
              comment
                ? t(
                    '更正只改变点评意见，点评时间和是否按时不变；原点评和每次更正都保留在台帐中，点评人会收到邮件。',
                    'A correction changes the comment, not when it came: it stays on time or late as it was, the ledger keeps the original and every correction, and the reviewer is mailed.',
                  )
                : t(
                    '更正只改变报送的内容，报送时间和是否按时不变；原报送和每次更正都保留在台帐中。',
                    'A correction changes what was reported, not when: the report stays on time or late as it was, and the ledger keeps the original and every correction.',
                  )
            }
          </p>
          <form method="post" action="${deadlinePath(req.params)}/correct" enctype="multipart/form-data">
            <input type="hidden" name="_csrf" value="${csrf}" />
            ${asked ? html`<input type="hidden" name="answers" value="${String(asked.data?.request)}" />` : ''}
            <label for="text"
              >${comment ? t('更正后的点评意见', 'The comment as corrected') : t('更正后的报送内容', 'The report as corrected')}</label
            >
            <textarea id="text" name="text" required maxlength="20000" rows="8">${startText}</textarea>
            ${
              metas.length > 0
                ? html`<fieldset>
                    <legend>${t('保留的附件', 'Files to keep')}</legend>
                    ${metas.map(
                      ({ ref, meta }, i) =>
                        html`<p>
                          <input type="checkbox" id="keep-${i}" name="keep" value="${ref}" checked />
                          <label for="keep-${i}">${meta?.name ?? ref}</label>
                          · <a href="/s/${linkToken}/a/${refHash(ref) ?? ''}">${t('查看', 'open')}</a>
                        </p>`,
                    )}
                  </fieldset>`
                : ''
            }
            ${
              comment
                ? ''
                : html`<label for="attachments"
                      >${t('新增附件（PDF、Word、Excel 或图片）', 'Add files (PDF, Word, Excel or images)')}</label
                    >
                    <input type="file" id="attachments" name="attachments" multiple />`
            }
            ${confirmBox(t)}
            <button type="submit">${title}</button>
          </form>
        </section>
        ${
          asked
            ? html`<section class="card" aria-labelledby="h-decline">
                <h2 id="h-decline">${t('不予更正', 'Decline the request')}</h2>
                <form method="post" action="${deadlinePath(req.params)}/correct/decline" enctype="multipart/form-data">
                  <input type="hidden" name="_csrf" value="${csrf}" />
                  <input type="hidden" name="answers" value="${String(asked.data?.request)}" />
                  ${confirmBox(
                    t,
                    'decline-',
                    t(
                      '不予更正的理由（将告知本单位，并记录在台帐中）',
                      'Why (the unit is told; recorded in the ledger)',
                    ),
                  )}
                  <button type="submit">${t('不予更正', 'Decline')}</button>
                </form>
              </section>`
            : ''
        }`;
      return send(reply, frame(req, title, body, c.campaignId));
    },
  );

  app.post<{ Params: z.infer<typeof DeadlineParams> }>(
    `${correctUrl}/decline`,
    { preHandler: [officeOnly, app.csrfProtection.bind(app)], schema: { params: DeadlineParams } },
    async (req, reply) => {
      const p = who(req);
      const { campaignId, obligationKey, cycleKey, unitId } = req.params;
      const reason = readConfirmed(req);
      const c = await campaignOf(req, campaignId);
      const request = Number(field(req, 'answers'));
      if (!Number.isInteger(request) || request < 1)
        throw new WebError(400, '请求有误', '缺少要答复的申请。', 'answers');
      const declined = await recordDecline(
        ledger,
        { campaignId, obligationKey, cycleKey, unitId, at: c.now, by: p.email, reason },
        request,
      ).catch((err: unknown) => {
        if (err instanceof CorrectionRefused)
          throw new WebError(409, '申请已处理', '这份更正申请已经处理，或本单位又提交了新的申请。请重新打开页面。');
        throw err;
      });
      await mailCorrectionDeclined(
        deps,
        { campaignId, obligationKey, cycleKey, unitId, purpose: 'submit' },
        declined,
      ).catch((err: unknown) => req.log.error({ code: (err as { code?: unknown }).code }, 'decline mail not sent'));
      return reply.redirect(deadlinePath(req.params), 303);
    },
  );

  app.post<{ Params: z.infer<typeof DeadlineParams> }>(
    correctUrl,
    { preHandler: [officeOnly, app.csrfProtection.bind(app)], schema: { params: DeadlineParams } },
    async (req, reply) => {
      const p = who(req);
      const { campaignId, obligationKey, cycleKey, unitId } = req.params;
      const reason = readConfirmed(req);
      const c = await campaignOf(req, campaignId);
      const text = field(req, 'text');
      if (text === '') throw new WebError(400, '内容不能为空', '请填写更正后的报送内容。', 'text');
      if (text.length > 20_000) throw new WebError(400, '内容过长', '报送内容不超过 20000 字。', 'text');
      const report = await reportToCorrect(campaignId, obligationKey, cycleKey, unitId);
      const keep = parts(req.body, 'keep').map((k) => (k.type === 'field' ? String(k.value) : ''));
      if (report.original.kind === 'review-comment' && (keep.length > 0 || parts(req.body, 'attachments').length > 0))
        throw new WebError(400, '点评不附文件', '点评意见只有文字，不能保留或附加文件。', 'attachments');
      // Only files of the report as it stands (or of the unit's request) can be kept: a ref from
      // elsewhere would name another unit's file.
      const foreign = keep.find((k) => !keepable(report).includes(k));
      if (foreign !== undefined) throw new WebError(400, '请求有误', '只能保留本报送现有的附件。', 'keep');
      // The request the form answered: the one still pending, or none if it was answered meanwhile.
      const answers = report.pendingRequest?.data?.request;
      const answering = field(req, 'answers') !== '' && field(req, 'answers') === String(answers);
      const added = [];
      for (const f of await uploads(req.body, keep.length))
        added.push(attachmentRef((await deps.attachments.put(f.name, f.mime, f.content)).sha256));
      let correction;
      try {
        correction = await recordCorrection(ledger, {
          campaignId,
          obligationKey,
          cycleKey,
          unitId,
          at: c.now,
          by: p.email,
          reason,
          text,
          attachments: [...new Set([...keep, ...added])],
          ...(answering && typeof answers === 'number' ? { answers } : {}),
        });
      } catch (err) {
        if (err instanceof CorrectionRefused && err.code === 'CONFLICT')
          throw new WebError(409, '已有人更正', '刚才已有人更正了这份报送。请重新打开页面，核对后再更正。');
        throw err;
      }
      // Recorded: the unit hears of it. A mail the server refuses is in the ledger as failed; one
      // that cannot go now is logged, and the correction stands (sending it again would record a second).
      await mailCorrection(deps, linkTargetOf(req.params), report.original, correction).catch((err: unknown) =>
        req.log.error({ code: (err as { code?: unknown }).code }, 'correction mail not sent'),
      );
      return reply.redirect(deadlinePath(req.params), 303);
    },
  );

  function cycleLabelOf(c: CampaignContext, obligationKey: string, cycleKey: string): string {
    const o = obligationOf(c, obligationKey);
    if (!c.plan || !c.status || !o) return cycleKey;
    const cy = cyclesOf(c.plan, o, c.status.phases).find((x) => x.cycleKey === cycleKey);
    return cy ? (c.plan.locale === 'en' ? cy.cycleLabelEn : cy.cycleLabel) : cycleKey;
  }

  /**
   * The notice again, to the unit's addresses now (a liaison changed, a mail bounced): the
   * mailer's own record of it carries the step `notice~resend-<n>` with the office's address and
   * reason in the message's ledger events.
   */
  async function resendNotice(
    c: CampaignContext,
    obligationKey: string,
    cycleKey: string,
    unitId: string,
    p: Principal,
    reason: string,
  ): Promise<void> {
    const s = await campaigns.deadlineStatus(c.campaignId, obligationKey, cycleKey, unitId);
    if (s.state === 'closed') throw new WebError(409, '该事项已关闭', '该事项已关闭，不再发送通知。');
    const before = await ledger.events({
      campaignId: c.campaignId,
      kinds: ['message-sent'],
      obligationKey,
      cycleKey,
      unitId,
    });
    const n = before.filter((e) => e.step?.startsWith('notice~resend-')).length + 1;
    const step = `notice~resend-${n}`;
    const to = recipientsFor(org.current, unitId, ['unit']).to;
    if (to.length === 0) throw new WebError(409, '没有收件人', '该单位在组织名册中没有邮箱。');
    await deps.mailer.send({
      kind: 'notice',
      campaignId: c.campaignId,
      campaignTitle: c.title,
      timeZone: c.timeZone,
      locale: 'zh',
      unitId,
      unitName: unitName(c, unitId),
      obligationKey,
      obligationTitle: obligationTitle(c, obligationKey, 'zh'),
      cycleKey,
      // The label the engine's own notice carried (2010年第三季度), from the plan's calendar.
      cycleLabel: cycleLabelOf(c, obligationKey, cycleKey),
      step,
      dueAt: s.dueAt,
      sentAt: c.now,
      to,
    });
    // Who asked for it and why, beside the mailer's own record of the message.
    await ledger.record({
      id: `${c.campaignId}/${obligationKey}/${cycleKey}/${unitId}:${step}:requested`,
      campaignId: c.campaignId,
      kind: 'message-intent',
      at: c.now,
      obligationKey,
      cycleKey,
      unitId,
      committeeId: c.unitById.get(unitId)?.committeeId,
      step,
      actor: p.email,
      reason,
    });
  }
}
