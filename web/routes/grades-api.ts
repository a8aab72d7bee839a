/**
 * The grades in the JSON API, `/api/v1/campaigns/:campaignId/grades…`: a step's sheet (last
 * year's grades, the A share), entering a batch (all or nothing, as the CLI and the console do),
 * a branch's grade history, and the check of a nomination as an advanced branch (only an A
 * branch in its latest grading may be nominated; the project has no nomination submission, so
 * the check is offered here for whatever records nominations). Scope as the console's: the office
 * everything, a committee's secretary its own committee (entering its preliminary grades only).
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { checkNomination, GRADING_STEPS } from '../../domain/grading';
import { gradingPolicyOf } from '../../domain/grading-policy';
import { enterGrades } from '../../client/grading';
import { canSee, type Principal } from '../access';
import { forbidden, WebError } from '../errors';
import type { WebDeps } from '../context';
import { loadCampaign } from '../console/model';
import { gradingScope, yearNow } from './grades';

const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'letters, digits, dot, dash, underscore');
const CampaignParams = z.object({ campaignId: id });
const Year = z.coerce.number().int().min(1900).max(2999);
const Step = z.enum(GRADING_STEPS);
const Text = z.string().trim().min(1).max(2000);

const EnterBody = z
  .object({
    year: Year,
    step: Step,
    committee: id.optional(),
    entries: z
      .array(
        z
          .object({
            unitId: id,
            /** As written (A–D); checked with the rules, so that a bad letter is named with its row. */
            grade: z.string().max(10),
            reason: Text.optional(),
            riseReason: Text.optional(),
          })
          .strict(),
      )
      .min(1)
      .max(5000),
    quotaOverride: Text.optional(),
  })
  .strict();

export async function registerGradeApi(app: FastifyInstance, deps: WebDeps): Promise<void> {
  const { ledger, campaigns } = deps;
  await app.register(
    (api, _opts, done) => {
      const r = api.withTypeProvider<ZodTypeProvider>();
      const campaignOf = async (campaignId: string) => {
        const c = await loadCampaign(ledger, campaigns, campaignId);
        if (!c) throw new WebError(404, '没有这项活动', `台帐中没有活动“${campaignId}”。`, 'campaignId');
        return c;
      };
      const principal = (p: Principal | undefined): Principal => {
        if (!p) throw new WebError(401, '请先登录', '需要登录或 API 令牌（Authorization: Bearer …）。');
        return p;
      };

      r.get(
        '/campaigns/:campaignId/grades',
        {
          schema: {
            summary: "A step's grades: every branch (of a committee), last year's grade, the A share",
            params: CampaignParams,
            querystring: z.object({ year: Year.optional(), step: Step.optional(), committee: id.optional() }),
          },
        },
        async (req) => {
          const p = principal(req.principal);
          const c = await campaignOf(req.params.campaignId);
          const step = req.query.step ?? 'preliminary';
          const s = gradingScope(p, c, req.query.committee, step);
          const policy = gradingPolicyOf(c.plan);
          const sheet = await ledger
            .grades()
            .sheet(c.campaignId, req.query.year ?? yearNow(c), step, policy, s.committeeId);
          return { ...sheet, aSharePercent: policy.aSharePercent, editable: s.editable };
        },
      );

      r.post(
        '/campaigns/:campaignId/grades',
        {
          schema: {
            summary: "Enter a step's grades for many branches at once (all or nothing)",
            params: CampaignParams,
            body: EnterBody,
          },
        },
        async (req) => {
          const p = principal(req.principal);
          const c = await campaignOf(req.params.campaignId);
          const b = req.body;
          const s = gradingScope(p, c, b.committee, b.step);
          if (!s.editable) throw forbidden('此环节由活动办公室录入。');
          return enterGrades(ledger.grades(), campaigns, {
            campaignId: c.campaignId,
            year: b.year,
            step: b.step,
            // Rows as the body counts them: entries:0 is the first.
            entries: b.entries.map((e, i) => ({ ...e, row: i })),
            grader: s.grader,
            by: p.email,
            source: 'api',
            sourceName: 'entries',
            fields: { unit: 'unitId', grade: 'grade', reason: 'reason' },
            ...(b.quotaOverride ? { quotaOverride: b.quotaOverride } : {}),
          });
        },
      );

      r.get(
        '/campaigns/:campaignId/grades/history',
        {
          schema: {
            summary: 'Every grade ever accepted (with who, when, why), of a branch or a committee',
            params: CampaignParams,
            querystring: z.object({ unit: id.optional(), committee: id.optional(), year: Year.optional() }),
          },
        },
        async (req) => {
          const p = principal(req.principal);
          const q = req.query;
          if (p.role !== 'office') {
            if (!q.unit && !q.committee)
              throw new WebError(400, '请求有误', '请用 committee 或 unit 限定范围。', 'query.committee');
            for (const u of [q.unit, q.committee]) if (u && !canSee(p, u)) throw forbidden();
          }
          return ledger
            .grades()
            .history(req.params.campaignId, { unitId: q.unit, committeeId: q.committee, year: q.year });
        },
      );

      r.get(
        '/campaigns/:campaignId/grades/nomination/:unitId',
        {
          schema: {
            summary: 'Whether a branch may be nominated as an advanced branch (only A in its latest grading)',
            params: CampaignParams.extend({ unitId: id }),
          },
        },
        async (req) => {
          const p = principal(req.principal);
          if (!canSee(p, req.params.unitId)) throw forbidden();
          const latest = await ledger.grades().latestFinal(req.params.campaignId, req.params.unitId);
          checkNomination(req.params.unitId, latest);
          return { unitId: req.params.unitId, eligible: true, latest };
        },
      );
      done();
    },
    { prefix: '/api/v1' },
  );
}
