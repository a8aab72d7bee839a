/**
 * The office's organisation page (`/console/:campaignId/org`): the roster re-imported from the
 * console as `appoint --org` and `POST /api/v1/campaigns/{id}/org` do (client/org-reimport.ts).
 * An upload is checked whole and previewed, recording nothing but the file's content (kept by
 * its hash in the ledger, ledger/org-versions.ts's `stage`, and swept if never taken); the office
 * confirms the preview (`…/org/confirm`, naming that hash) and only then is it taken. A refused file is answered on
 * the page with every problem (400), so the office mends it and uploads again. Confirming twice
 * (a reload of the answer) records nothing twice. The page first lists what the roster in force
 * has to mend (client/org-reimport.ts `contactProblemsOf`).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { MultipartFile } from '@fastify/multipart';
import { z } from 'zod';
import { contactProblemsOf, previewReimport, reimportOrg, type ReimportPreview } from '../../client/org-reimport';
import { OrgValidationError, type FileIssue } from '../../domain/errors';
import { idSchema } from '../../domain/field-schemas';
import { isId } from '../../domain/ids';
import { resolveJoinChoice, type AskedJoin } from '../../domain/join-choice';
import { fileSizeProblem } from '../../domain/limits';
import type { Org } from '../../domain/org-schema';
import { reimports } from '../../ledger/org-versions';
import type { Principal } from '../access';
import type { WebDeps } from '../context';
import { forbidden, WebError } from '../errors';
import { formField, formFieldValues, htmlReply, uploadedName } from '../forms';
import { parts } from '../uploads';
import { consolePage, langOf, tr } from '../console/frame';
import { loadCampaign, type CampaignContext } from '../console/model';
import { orgImportBody, type OrgImportRow, type OrgImportView } from '../console/org-import';
import { orgFileText, parseOrgText } from '../../plans/load';

const CampaignParams = z.object({ campaignId: idSchema('key') });
const StagedHash = z.string().regex(/^sha256:[0-9a-f]{64}$/);

function office(req: FastifyRequest): Principal {
  const p = req.principal;
  if (!p) throw new WebError(401, '请先登录', '请先登录后再打开办公室控制台。');
  if (p.role !== 'office') throw forbidden('只有活动办公室可以导入组织名册。');
  return p;
}

const shownName = (name: string): string => uploadedName(name, 'org');

/** The most boxes the confirmation takes: units that may join times cycles open now. */
const MAX_JOIN_BOXES = 2000;

/**
 * The boxes ticked (`<obligation>/<cycle>/<unit>` each), as the office's choice: a cycle's units
 * together, in the order ticked. A value that is not three ids is a forged form: a 400 naming it.
 */
function joinTicked(values: string[]): AskedJoin[] {
  const byCycle = new Map<string, AskedJoin & { unitIds: string[] }>();
  for (const v of values) {
    const [obligationKey = '', cycleKey = '', unitId = '', ...rest] = v.split('/');
    if (rest.length > 0 || !isId('key', obligationKey) || !isId('cycle', cycleKey) || !isId('unit', unitId))
      throw new WebError(400, '请求有误', '补充参加的勾选项无法识别，请重新上传名册并预览。', 'join');
    const key = `${obligationKey}/${cycleKey}`;
    const asked = byCycle.get(key) ?? { obligationKey, cycleKey, unitIds: [] };
    asked.unitIds.push(unitId);
    byCycle.set(key, asked);
  }
  return [...byCycle.values()];
}

export function registerConsoleOrg(app: FastifyInstance, deps: WebDeps): void {
  const { ledger, campaigns, config } = deps;

  async function campaignOf(campaignId: string): Promise<CampaignContext> {
    const c = await loadCampaign(ledger, campaigns, campaignId);
    if (!c) throw new WebError(404, '没有这项活动', `台帐中没有活动“${campaignId}”。`, 'campaignId');
    return c;
  }

  async function history(campaignId: string): Promise<OrgImportRow[]> {
    return (await reimports(ledger, campaignId)).map((e) => ({
      at: e.at,
      by: e.actor ?? '',
      version: Number(e.data?.version),
      units: Number(e.data?.units),
    }));
  }

  async function page(
    req: FastifyRequest,
    csrf: string,
    c: CampaignContext,
    extra: Pick<OrgImportView, 'result' | 'refused' | 'preview'>,
  ): Promise<string> {
    const lang = langOf(req);
    const [rows, problems] = await Promise.all([
      history(c.campaignId),
      contactProblemsOf(campaigns, ledger, c.campaignId, [...c.unitById.keys()]),
    ]);
    const body = orgImportBody({ c, lang, csrf, history: rows, problems, ...extra });
    return consolePage(tr(lang)('组织名册与通讯录', 'Roster and contacts'), body, {
      lang,
      principal: office(req),
      path: req.url,
      campaignId: c.campaignId,
      outbox: config.MAIL_URL.startsWith('outbox:'),
    });
  }

  app.get<{ Params: z.infer<typeof CampaignParams> }>(
    '/console/:campaignId/org',
    { schema: { params: CampaignParams } },
    async (req, reply) => {
      office(req);
      const c = await campaignOf(req.params.campaignId);
      return htmlReply(reply, await page(req, reply.generateCsrf(), c, {}));
    },
  );

  app.post<{ Params: z.infer<typeof CampaignParams> }>(
    '/console/:campaignId/org',
    { preHandler: app.csrfProtection.bind(app), schema: { params: CampaignParams } },
    async (req, reply) => {
      office(req);
      const c = await campaignOf(req.params.campaignId);
      const upload = parts(req.body, 'org').find((x): x is MultipartFile => x.type === 'file');
      const content = upload ? await upload.toBuffer() : Buffer.alloc(0);
      const name = shownName(upload?.filename ?? '');
      const refuse = async (issues: FileIssue[]) =>
        htmlReply(reply.code(400), await page(req, reply.generateCsrf(), c, { refused: { file: name, issues } }));
      if (!upload || content.length === 0)
        return refuse([{ file: name, path: 'org', message: '请选择要上传的组织名册文件（不能为空）。' }]);
      const tooLarge = fileSizeProblem('organisation', content.length);
      if (tooLarge) return refuse([{ file: name, path: 'org', message: tooLarge }]);
      let file: Org;
      let preview: ReimportPreview;
      try {
        file = parseOrgText(orgFileText(content, name), name);
        // Also refused here: a roster of another organisation (its office is not the campaign's).
        preview = await previewReimport(campaigns, ledger, c.campaignId, file);
      } catch (err) {
        if (err instanceof OrgValidationError) return refuse(err.issues);
        throw err;
      }
      const hash = await ledger.stageOrg(file);
      const { newBranches, missing, ...changes } = preview;
      const nameOf = (id: string): string => file.units[id]?.name ?? c.unitById.get(id)?.name ?? id;
      return htmlReply(
        reply,
        await page(req, reply.generateCsrf(), c, {
          preview: {
            file: name,
            hash,
            units: file.order.length,
            changes,
            newBranches: newBranches.map((id) => ({ id, name: nameOf(id) })),
            missing: missing.map((id) => ({ id, name: nameOf(id) })),
            nameOf,
          },
        }),
      );
    },
  );

  app.post<{ Params: z.infer<typeof CampaignParams> }>(
    '/console/:campaignId/org/confirm',
    {
      preHandler: app.csrfProtection.bind(app),
      schema: { params: CampaignParams },
      // A box per unit and cycle open now (a new school year founds dozens of student branches).
      config: { multipartOptions: { limits: { fields: MAX_JOIN_BOXES + 10, parts: MAX_JOIN_BOXES + 10 } } },
    },
    async (req, reply) => {
      const p = office(req);
      const c = await campaignOf(req.params.campaignId);
      if (formField(req.body, 'confirm') !== 'yes')
        throw new WebError(400, '请确认', '请勾选“我已核对以上变更，确认导入”后再提交。', 'confirm');
      // Each box ticked: a unit of the roster without a deadline in a cycle open now joins it.
      const asked = joinTicked(formFieldValues(req.body, 'join'));
      const hash = StagedHash.safeParse(formField(req.body, 'hash'));
      const file = hash.success ? await ledger.orgVersion(hash.data) : undefined;
      if (!file) throw new WebError(400, '请重新上传', '没有找到预览过的名册，请重新上传并预览。', 'hash');
      const name = shownName(formField(req.body, 'file'));
      const at = await campaigns.planNow(c.campaignId);
      const result = await reimportOrg(campaigns, ledger, c.campaignId, file, {
        by: p.email,
        at,
        joinOpenCycles: asked.length > 0 && ((open) => resolveJoinChoice(asked, open, file, 'join')),
      });
      // Its new secretaries may sign in with the very next request, not a freshness later.
      if (result.contacts) deps.org.stale();
      const nameOf = (id: string): string => file.units[id]?.name ?? id;
      const newBranches = result.newBranches.map((id) => ({ id, name: nameOf(id) }));
      return htmlReply(
        reply,
        await page(req, reply.generateCsrf(), c, {
          result: { file: name, units: file.order.length, ...result, newBranches, nameOf },
        }),
      );
    },
  );
}
