/**
 * 电话催办 in the console (web/console/calls.ts): `GET /console/:campaignId/calls` lists what is
 * overdue in the person's scope with the numbers to ring, and `POST …/o/:obligation/:cycle/:unit/phoned`
 * records a call in the ledger (`phoned`). The office's and the committees' (their own branches):
 * a branch has nobody to ring. Each form carries a nonce, the event's id, so that a call sent
 * twice (a double tap, a resent form) is recorded once.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DateTime } from 'luxon';
import { z } from 'zod';
import { canSee, type Principal } from '../access';
import type { WebDeps } from '../context';
import { forbidden, WebError } from '../errors';
import { formField, htmlReply } from '../forms';
import { consolePage, langOf, tr } from '../console/frame';
import { auditScope, loadCampaign, openDeadlines, type CampaignContext } from '../console/model';
import { CALL_OUTCOMES, callRows, callsBody } from '../console/calls';
import { idSchema } from '../../domain/field-schemas';

const CampaignParams = z.object({ campaignId: idSchema('key') });
const DeadlineParams = CampaignParams.extend({
  obligationKey: idSchema('obligation'),
  cycleKey: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/),
  unitId: idSchema('unit'),
});
const CallForm = z.object({
  outcome: z.enum(CALL_OUTCOMES, '请选择是否接通'),
  promisedOn: z
    .string()
    .refine((d) => d === '' || (/^\d{4}-\d{2}-\d{2}$/.test(d) && DateTime.fromISO(d).isValid), '承诺日期应为有效日期'),
  // Control characters out: the note is read on pages and in exports.
  note: z
    .string()
    .max(500, '记录最多500字')
    .transform((s) => s.replace(/\p{Cc}/gu, ' ').trim()),
  nonce: z.uuid('表单已失效，请刷新页面后重新填写'),
});

/** Who rings: the office, or a committee's secretary or liaison (for the branches under it). */
function caller(req: FastifyRequest): Principal {
  const p = req.principal;
  if (!p) throw new WebError(401, '请先登录', '请先登录后再打开办公室控制台。');
  if (p.role === 'branch') throw forbidden('电话催办由活动办公室和各党委使用。');
  return p;
}

export function registerConsoleCalls(app: FastifyInstance, deps: WebDeps): void {
  const { ledger, campaigns, config, org } = deps;

  async function campaignOf(campaignId: string): Promise<CampaignContext> {
    const c = await loadCampaign(ledger, campaigns, campaignId);
    if (!c) throw new WebError(404, '没有这项活动', `台帐中没有活动“${campaignId}”。`, 'campaignId');
    return c;
  }

  app.get<{ Params: z.infer<typeof CampaignParams> }>(
    '/console/:campaignId/calls',
    { schema: { params: CampaignParams } },
    async (req, reply) => {
      const p = caller(req);
      const c = await campaignOf(req.params.campaignId);
      const lang = langOf(req);
      const [open, calls] = await Promise.all([
        openDeadlines(ledger, c, auditScope(p, c)),
        ledger.events({ campaignId: c.campaignId, kinds: ['phoned'] }),
      ]);
      const rows = callRows(open, calls, c, p, org.current);
      const body = callsBody({ c, lang, csrf: reply.generateCsrf(), rows, nonce: randomUUID });
      return htmlReply(
        reply,
        consolePage(tr(lang)('电话催办', 'Calls to make'), body, {
          lang,
          principal: p,
          path: req.url,
          campaignId: c.campaignId,
          outbox: config.MAIL_URL.startsWith('outbox:'),
        }),
      );
    },
  );

  app.post<{ Params: z.infer<typeof DeadlineParams> }>(
    '/console/:campaignId/o/:obligationKey/:cycleKey/:unitId/phoned',
    { preHandler: app.csrfProtection.bind(app), schema: { params: DeadlineParams } },
    async (req, reply) => {
      const p = caller(req);
      const { campaignId, obligationKey, cycleKey, unitId } = req.params;
      if (!canSee(p, unitId)) throw forbidden();
      const form = CallForm.safeParse({
        outcome: formField(req.body, 'outcome'),
        promisedOn: formField(req.body, 'promisedOn'),
        note: formField(req.body, 'note'),
        nonce: formField(req.body, 'nonce'),
      });
      if (!form.success) {
        const issue = form.error.issues[0]!;
        throw new WebError(400, '请求有误', issue.message, String(issue.path[0]));
      }
      const c = await campaignOf(campaignId);
      const [row] = await ledger.deadlineRows({ campaignId, obligationKey, cycleKey, unitId });
      if (!row) throw new WebError(404, '没有这个事项', '台帐中没有该单位的这一事项。');
      const { outcome, promisedOn, note, nonce } = form.data;
      await ledger.record({
        id: `${campaignId}:phoned:${obligationKey}:${cycleKey}:${unitId}:${nonce}`,
        campaignId,
        kind: 'phoned',
        // The campaign's time: a rehearsal's call lands among its plan's instants.
        at: c.now,
        phaseKey: row.phaseKey ?? undefined,
        obligationKey,
        cycleKey,
        unitId,
        committeeId: row.committeeId ?? undefined,
        actor: p.email,
        dueAt: row.dueAt ?? undefined,
        data: { outcome, ...(promisedOn ? { promisedOn } : {}), ...(note ? { note } : {}) },
      });
      return reply.redirect(`/console/${encodeURIComponent(campaignId)}/calls`, 303);
    },
  );
}
