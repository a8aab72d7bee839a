/**
 * The grading page of the console, `/console/:campaignId/grades`: a committee's secretary enters
 * the preliminary grades of its branches (a form or an uploaded sheet), the office any step and
 * the overrides; both see last year's grades and the A share. The form posts url-encoded (one
 * field per branch is more than the multipart limit of the other forms allows), parsed here into
 * the shape multipart gives, so that the CSRF check reads `_csrf` the same way. A check sends the
 * form and answers with the share and every problem, recording nothing; the server's check on
 * save is the truth. Tables 4 and 5 download as one workbook.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { MultipartFile, MultipartValue } from '@fastify/multipart';
import { DateTime } from 'luxon';
import { z } from 'zod';
import {
  GradeInputError,
  isGradingStep,
  parseGradeLetter,
  planGradeBatch,
  quotaStatus,
  type GradeLetter,
  type GradeEntry,
  type Grader,
  type GradingPolicy,
  type GradingStep,
  type QuotaStatus,
} from '../../domain/grading';
import { gradingPolicyOf } from '../../domain/grading-policy';
import { enterGrades, type EnterOutcome } from '../../client/grading';
import { readGradeFile } from '../../client/grade-file';
import { gradingTables } from '../../ledger/grade-reports';
import { xlsxWorkbook } from '../../ledger/report';
import type { LedgerStore } from '../../ledger/types';
import type { Principal } from '../access';
import { forbidden, WebError } from '../errors';
import type { WebDeps } from '../context';
import { formField, htmlReply } from '../forms';
import { consolePage, langOf, tr } from '../console/frame';
import { loadCampaign, scopedCommittee, visibleCommittees, type CampaignContext } from '../console/model';
import { gradesBody, type GradeFormValues } from '../console/grades';

const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'letters, digits, dot, dash, underscore');
const CampaignParams = z.object({ campaignId: id });
const GradesQuery = z.object({
  year: z
    .string()
    .regex(/^\d{4}$/, 'a year such as 2012')
    .optional(),
  step: z.enum(['self', 'preliminary', 'final']).optional(),
  committee: id.optional().or(z.literal('')),
});

/** The form's fields: url-encoded or multipart, each as `{ type: 'field', value }`. */
type Body = Record<string, MultipartValue | MultipartFile | { type: 'field'; value: string } | undefined>;

function who(req: FastifyRequest): Principal {
  if (!req.principal) throw new WebError(401, '请先登录', '请先登录后再打开办公室控制台。');
  return req.principal;
}

export interface GradingScope {
  grader: Grader;
  /** The committee whose branches are shown (all, for the office without one). */
  committeeId?: string;
  editable: boolean;
}

/**
 * Who grades what here: the office any step of any committee; a committee's secretary sees its
 * own committee's sheet of every step and enters its preliminary grades; a branch is refused.
 */
export function gradingScope(
  p: Principal,
  c: CampaignContext,
  asked: string | undefined,
  step: GradingStep,
): GradingScope {
  if (p.role === 'office') return { grader: { role: 'office' }, committeeId: asked || undefined, editable: true };
  if (p.role !== 'committee')
    throw forbidden('分类定级由基层党委录入初评、活动办公室录入学校定级；党支部的自我评价请在报送页面提交。');
  const own = scopedCommittee(p, asked || undefined, c);
  if (!own || (asked && asked !== own)) throw forbidden();
  return { grader: { role: 'committee', unitId: own }, committeeId: own, editable: step === 'preliminary' };
}

/** The grading year a page opens on: the year of the campaign's plan time. */
export const yearNow = (c: CampaignContext): number => DateTime.fromISO(c.now, { zone: c.timeZone }).year;

const field = formField;

/** The typed values: `g.<branch>` grade, `r.<branch>` reason of a change, `x.<branch>` reason to skip a grade. */
function formValues(body: Body | undefined): GradeFormValues {
  const v: GradeFormValues = { grade: {}, reason: {}, rise: {}, quotaOverride: field(body, 'quotaOverride') };
  for (const key of Object.keys(body ?? {})) {
    const m = /^([grx])\.(.+)$/.exec(key);
    if (!m) continue;
    const value = field(body, key);
    if (value) (m[1] === 'g' ? v.grade : m[1] === 'r' ? v.reason : v.rise)[m[2]!] = value;
  }
  return v;
}

/** What a check shows: the share after the typed grades and every problem, nothing recorded. */
async function check(
  ledger: LedgerStore,
  campaignId: string,
  year: number,
  step: GradingStep,
  policy: GradingPolicy,
  scope: GradingScope,
  entries: (GradeEntry & { riseReason?: string })[],
  quotaOverride: string,
) {
  const all = await ledger.grades().sheet(campaignId, year, step, policy);
  const recorded = Object.fromEntries(
    all.rows.flatMap((r) => (r.grade ? [[r.unitId, { grade: r.grade, revision: 1 }]] : [])),
  );
  const lastYear = Object.fromEntries(all.rows.flatMap((r) => (r.lastYear ? [[r.unitId, r.lastYear]] : [])));
  const riseOverrides = Object.fromEntries(entries.filter((e) => e.riseReason).map((e) => [e.unitId, e.riseReason!]));
  const branches = all.rows.map((r) => ({ unitId: r.unitId, committeeId: r.committeeId, waived: r.waived }));
  // The share as typed, shown even when a row is refused.
  const typed: Record<string, GradeLetter> = Object.fromEntries(Object.entries(recorded).map(([u, g]) => [u, g.grade]));
  for (const e of entries) {
    const g = parseGradeLetter(e.grade);
    if (g) typed[e.unitId] = g;
  }
  const checked = quotaStatus(step, branches, typed, policy.aSharePercent).filter(
    (q) => scope.committeeId === undefined || q.scope === scope.committeeId || q.scope === 'university',
  );
  try {
    planGradeBatch(entries, {
      year,
      step,
      grader: scope.grader,
      branches,
      recorded,
      lastYear,
      policy,
      ...(quotaOverride ? { quotaOverride } : {}),
      ...(Object.keys(riseOverrides).length > 0 ? { riseOverrides } : {}),
      source: 'form',
      fields: FORM_FIELDS,
    });
    return { checked, issues: [] };
  } catch (err) {
    if (err instanceof GradeInputError) return { checked, issues: err.issues };
    throw err;
  }
}

const FORM_FIELDS = { unit: '党支部', grade: '等级', reason: '变更理由' };

export async function registerGradeConsole(app: FastifyInstance, deps: WebDeps): Promise<void> {
  const { ledger, campaigns } = deps;

  await app.register((scope, _opts, done) => {
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: 512 * 1024 },
      (_req, text, done) => {
        const out: Body = {};
        for (const [k, v] of new URLSearchParams(String(text))) out[k] = { type: 'field', value: v };
        done(null, out);
      },
    );

    async function campaignOf(req: FastifyRequest, campaignId: string): Promise<CampaignContext> {
      who(req);
      const c = await loadCampaign(ledger, campaigns, campaignId);
      if (!c) throw new WebError(404, '没有这项活动', `台帐中没有活动“${campaignId}”。`, 'campaignId');
      return c;
    }

    async function render(
      req: FastifyRequest,
      csrf: string,
      c: CampaignContext,
      year: number,
      step: GradingStep,
      s: GradingScope,
      extra: {
        values?: GradeFormValues;
        issues?: GradeInputError['issues'];
        checked?: QuotaStatus[];
        saved?: EnterOutcome;
      } = {},
    ): Promise<string> {
      const p = who(req);
      const lang = langOf(req);
      const policy = gradingPolicyOf(c.plan);
      const sheet = await ledger.grades().sheet(c.campaignId, year, step, policy, s.committeeId);
      const title = tr(lang)('分类定级', 'Grading');
      const body = gradesBody(
        {
          campaignId: c.campaignId,
          year,
          step,
          committeeId: s.committeeId,
          committees: visibleCommittees(c, p),
          office: p.role === 'office',
          editable: s.editable,
          sheet,
          aSharePercent: policy.aSharePercent,
          values: extra.values ?? { grade: {}, reason: {}, rise: {}, quotaOverride: '' },
          csrf,
          issues: extra.issues,
          checked: extra.checked,
          saved: extra.saved,
          names: new Map(c.units.map((u) => [u.unitId, u.name])),
          obligationTitles: new Map(
            (c.plan?.obligations ?? []).map((o) => [o.key, lang === 'en' ? (o.titleEn ?? o.title) : o.title]),
          ),
        },
        lang,
      );
      return consolePage(title, body, {
        lang,
        principal: p,
        path: req.url,
        campaignId: c.campaignId,
        outbox: deps.config.MAIL_URL.startsWith('outbox:'),
      });
    }

    scope.get<{ Params: { campaignId: string }; Querystring: z.infer<typeof GradesQuery> }>(
      '/console/:campaignId/grades',
      { schema: { params: CampaignParams, querystring: GradesQuery } },
      async (req, reply) => {
        const c = await campaignOf(req, req.params.campaignId);
        const step = req.query.step ?? 'preliminary';
        const year = req.query.year ? Number(req.query.year) : yearNow(c);
        const s = gradingScope(who(req), c, req.query.committee || undefined, step);
        const page = await render(req, reply.generateCsrf(), c, year, step, s);
        return htmlReply(reply, page);
      },
    );

    scope.post<{ Params: { campaignId: string } }>(
      '/console/:campaignId/grades',
      { preHandler: scope.csrfProtection.bind(scope), schema: { params: CampaignParams } },
      async (req, reply) => {
        const p = who(req);
        const c = await campaignOf(req, req.params.campaignId);
        const body = req.body as Body | undefined;
        const stepText = field(body, 'step');
        const yearText = field(body, 'year');
        if (!isGradingStep(stepText)) throw new WebError(400, '请求有误', `环节“${stepText}”不对。`, 'step');
        if (!/^\d{4}$/.test(yearText)) throw new WebError(400, '请求有误', `年度“${yearText}”不对。`, 'year');
        const step = stepText;
        const year = Number(yearText);
        const s = gradingScope(p, c, field(body, 'committee') || undefined, step);
        if (!s.editable) throw forbidden('此环节由活动办公室录入。');
        const policy = gradingPolicyOf(c.plan);
        const values = formValues(body);
        const upload = body?.file;
        let entries: (GradeEntry & { riseReason?: string })[];
        let sourceName = 'form';
        let fields = FORM_FIELDS;
        const send = async (status: number, extra: Parameters<typeof render>[6]) =>
          reply
            .code(status)
            .type('text/html; charset=utf-8')
            .header('Cache-Control', 'no-store')
            .send(await render(req, reply.generateCsrf(), c, year, step, s, extra));
        try {
          if (upload && upload.type === 'file') {
            const file = await readGradeFile(upload.filename, await upload.toBuffer(), { step });
            entries = file.entries;
            sourceName = upload.filename;
            fields = file.fields;
          } else {
            // Rows in the order of the sheet, numbered as the page shows them.
            const sheet = await ledger.grades().sheet(c.campaignId, year, step, policy, s.committeeId);
            const order = new Map(sheet.rows.map((r, i) => [r.unitId, i + 1]));
            entries = Object.entries(values.grade).map(([unitId, grade]) => ({
              unitId,
              grade,
              ...(order.has(unitId) ? { row: order.get(unitId) } : {}),
              ...(values.reason[unitId] ? { reason: values.reason[unitId] } : {}),
              ...(values.rise[unitId] ? { riseReason: values.rise[unitId] } : {}),
            }));
            if (entries.length === 0) throw new WebError(400, '请求有误', '没有填写任何等级。', 'grade');
          }
        } catch (err) {
          if (err instanceof GradeInputError) return send(400, { values, issues: err.issues });
          throw err;
        }
        if (field(body, 'action') === 'check') {
          const r = await check(ledger, c.campaignId, year, step, policy, s, entries, values.quotaOverride);
          return send(r.issues.length > 0 ? 400 : 200, { values, issues: r.issues, checked: r.checked });
        }
        try {
          const saved = await enterGrades(ledger.grades(), campaigns, {
            campaignId: c.campaignId,
            year,
            step,
            entries,
            grader: s.grader,
            by: p.email,
            source: sourceName === 'form' ? 'web' : 'upload',
            sourceName,
            fields,
            ...(values.quotaOverride ? { quotaOverride: values.quotaOverride } : {}),
          });
          return send(200, { saved });
        } catch (err) {
          if (err instanceof GradeInputError) return send(400, { values, issues: err.issues });
          throw err;
        }
      },
    );

    scope.get<{ Params: { campaignId: string }; Querystring: z.infer<typeof GradesQuery> }>(
      '/console/:campaignId/grades/tables.xlsx',
      { schema: { params: CampaignParams, querystring: GradesQuery } },
      async (req, reply) => {
        const c = await campaignOf(req, req.params.campaignId);
        const s = gradingScope(who(req), c, req.query.committee || undefined, 'preliminary');
        const year = req.query.year ? Number(req.query.year) : yearNow(c);
        const tables = await gradingTables(ledger, {
          campaignId: c.campaignId,
          year,
          committeeId: s.committeeId,
          policy: gradingPolicyOf(c.plan),
          asOf: c.now,
          timeZone: c.timeZone,
          locale: langOf(req),
        });
        const name = `${c.campaignId}-${year}-${s.committeeId ?? 'university'}-tables-4-5.xlsx`;
        return reply
          .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
          .header('Content-Disposition', `attachment; filename="${name}"`)
          .send(Buffer.from(await xlsxWorkbook(tables).xlsx.writeBuffer()));
      },
    );
    done();
  });
}
