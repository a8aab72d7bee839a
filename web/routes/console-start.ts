/**
 * The office's page for starting a campaign (`/console/new`, web/console/campaign-start.ts): a
 * shipped plan or an uploaded one is checked whole and previewed, starting nothing; the office
 * then confirms it (`/console/new/confirm`), for real or as a rehearsal, and the campaign starts
 * on the service's organisation, as `POST /api/v1/campaigns` starts one. A refused file is
 * answered on the page with every problem by line and field (400).
 *
 * The preview carries the plan's text back in its form (deflated, base64url) rather than keeping
 * it on the server: a plan is a few KB, the confirmation checks it again in full, and only the
 * office, who may start any plan, can post it. One too large for a form field is previewed but
 * left to the CLI or the API.
 */
import { readFile } from 'node:fs/promises';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { MultipartFile } from '@fastify/multipart';
import { computeCalendar } from '../../domain/calendar';
import { campaignIdHolder, startCampaignAs } from '../../client/campaigns';
import { rehearsalClock } from '../../domain/clock';
import { PlanValidationError, type FileIssue } from '../../domain/errors';
import { fileSizeProblem } from '../../domain/limits';
import { parsePlan } from '../../domain/plan-loader';
import type { Plan } from '../../domain/plan-schema';
import { loadPlanFile, SHIPPED_PLANS } from '../../plans/load';
import type { WebDeps } from '../context';
import { WebError } from '../errors';
import { formField, htmlReply, officeOnly, uploadedName } from '../forms';
import { parts } from '../uploads';
import { consolePage, langOf, tr } from '../console/frame';
import {
  campaignStartBody,
  planPreview,
  RUN_MODES,
  type CampaignStartView,
  type RunMode,
  type ShippedPlan,
} from '../console/campaign-start';
import { html } from '../html';

/** The multipart form's limit for one field (web/server.ts): the carried plan must fit in it. */
const MAX_CARRIED = 100_000;

const carry = (text: string): string | undefined => {
  const carried = deflateRawSync(Buffer.from(text, 'utf8')).toString('base64url');
  return carried.length < MAX_CARRIED ? carried : undefined;
};

function uncarry(carried: string): string {
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(carried)) throw new Error('not base64url');
    return inflateRawSync(Buffer.from(carried, 'base64url'), { maxOutputLength: 2_000_000 }).toString('utf8');
  } catch {
    throw new WebError(400, '请重新上传', '没有找到预览过的方案，请重新选择或上传并预览。', 'plan');
  }
}

const shownName = (name: string): string => uploadedName(name, 'plan');

export function registerConsoleStart(app: FastifyInstance, deps: WebDeps): void {
  const { ledger, campaigns, config } = deps;
  let shipped: Promise<ShippedPlan[]> | undefined;
  const shippedPlans = () =>
    (shipped ??= Promise.all(
      SHIPPED_PLANS.map(async (f) => ({ file: path.basename(f), title: (await loadPlanFile(f)).title })),
    ));

  const inUse = async (campaignId: string): Promise<boolean> =>
    (await campaignIdHolder(campaigns.client, ledger, campaignId)) !== undefined;

  async function page(req: FastifyRequest, reply: FastifyReply, extra: Partial<CampaignStartView> = {}) {
    const lang = langOf(req);
    const body = campaignStartBody({
      lang,
      csrf: reply.generateCsrf(),
      shipped: await shippedPlans(),
      ...extra,
    });
    return consolePage(tr(lang)('发起新活动', 'Start a campaign'), body, {
      lang,
      principal: req.principal!,
      path: req.url,
      outbox: config.MAIL_URL.startsWith('outbox:'),
    });
  }

  app.get('/console/new', { preHandler: officeOnly }, async (req, reply) => htmlReply(reply, await page(req, reply)));

  app.post('/console/new', { preHandler: [officeOnly, app.csrfProtection.bind(app)] }, async (req, reply) => {
    const refuse = async (file: string, issues: FileIssue[]) =>
      htmlReply(reply.code(400), await page(req, reply, { refused: { file, issues } }));
    const chosen = formField(req.body, 'shipped');
    let file: string;
    let text: string;
    if (chosen) {
      const known = SHIPPED_PLANS.find((f) => path.basename(f) === chosen);
      if (!known) return refuse(shownName(chosen), [{ file: chosen, path: 'shipped', message: '没有这个随附方案。' }]);
      file = path.basename(known);
      text = await readFile(known, 'utf8');
    } else {
      const upload = parts(req.body, 'plan').find((x): x is MultipartFile => x.type === 'file');
      const content = upload ? await upload.toBuffer() : Buffer.alloc(0);
      file = shownName(upload?.filename ?? '');
      if (!upload || content.length === 0)
        return refuse(file, [{ file, path: 'plan', message: '请选择要上传的方案文件（不能为空）。' }]);
      const tooLarge = fileSizeProblem('plan', content.length);
      if (tooLarge) return refuse(file, [{ file, path: 'plan', message: tooLarge }]);
      text = content.toString('utf8');
    }
    let plan: Plan;
    try {
      plan = parsePlan(text, file);
    } catch (err) {
      if (err instanceof PlanValidationError) return refuse(file, err.issues);
      throw err;
    }
    const org = deps.org.current;
    const exists = await inUse(plan.id);
    const preview = planPreview(file, plan, computeCalendar(plan, org), org.order.length, Date.now(), exists);
    const carried = carry(text);
    return htmlReply(reply, await page(req, reply, { preview: { ...preview, ...(carried ? { carried } : {}) } }));
  });

  /** The form's box for the weekly digest: ticked (`yes`) or not sent at all. */
  const digestAsked = (body: unknown): boolean => {
    const v = formField(body, 'digest');
    if (v !== '' && v !== 'yes') throw new WebError(400, '请求有误', '每周督办简报的选项不对。', 'digest');
    return v === 'yes';
  };

  app.post('/console/new/confirm', { preHandler: [officeOnly, app.csrfProtection.bind(app)] }, async (req, reply) => {
    if (formField(req.body, 'confirm') !== 'yes')
      throw new WebError(400, '请确认', '请勾选“我已核对以上安排，确认启动”后再提交。', 'confirm');
    const modeField = formField(req.body, 'mode');
    // Its own keys only: `in` would take "toString" for a mode.
    if (!Object.hasOwn(RUN_MODES, modeField))
      throw new WebError(400, '请选择运行方式', '请选择正式运行或演练。', 'mode');
    const mode = modeField as RunMode;
    const file = shownName(formField(req.body, 'file'));
    // Checked again in full: the form is the office's own, but what starts is what passes.
    const plan = parsePlan(uncarry(formField(req.body, 'plan')), file);
    if (await inUse(plan.id))
      throw new WebError(
        409,
        '活动已存在',
        `活动编号 ${plan.id} 已在台帐或引擎中（此前失败的活动除外），不能再次启动。`,
        'plan.id',
      );
    const speed = RUN_MODES[mode].speed;
    const clock = speed === undefined ? undefined : rehearsalClock(plan, speed, Date.now());
    const h = await startCampaignAs(
      campaigns,
      ledger,
      { plan, org: deps.org.current, taskQueue: config.TASK_QUEUE, clock },
      { by: req.principal!.email, via: 'console' },
      { digest: digestAsked(req.body) },
    );
    const lang = langOf(req);
    const t = tr(lang);
    const body = html`<section class="card" id="started" aria-labelledby="h-started">
      <h2 id="h-started">${t('活动已启动', 'The campaign has started')}：${plan.title}</h2>
      <p>
        ${t(`活动编号 ${plan.id}，${RUN_MODES[mode].zh}；工作流 `, `Campaign ${plan.id}, ${RUN_MODES[mode].en}; workflow `)}
        <code>${h.workflowId}</code>${t('。', '.')}
      </p>
      <p><a href="/console/${encodeURIComponent(plan.id)}">${t('打开活动总览', 'Open its dashboard')}</a></p>
    </section>`;
    return htmlReply(
      reply,
      consolePage(t('活动已启动', 'Campaign started'), body, {
        lang,
        principal: req.principal!,
        path: req.url,
        outbox: config.MAIL_URL.startsWith('outbox:'),
      }),
    );
  });
}
