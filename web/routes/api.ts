/**
 * The JSON API, `/api/v1/…`: what the CLI does, for programs. Signed in by the session cookie,
 * the service's API_TOKEN (the office) or a person's own token (`Authorization: Bearer cpt_…`,
 * ledger/api-tokens.ts: that person's scope; a read-only one is refused every POST in
 * web/server.ts). Every route checks scope before it
 * reads or changes anything: the office sees all; others only their units. Requests and
 * answers are zod schemas, from which the OpenAPI 3 document is generated (`/api/v1/openapi.json`).
 * Mutations take JSON bodies, and a report's file goes alone as a request's body typed as what it
 * is (application/pdf, an image type, application/octet-stream): neither can a cross-site form
 * send (with SameSite=Lax cookies, the API needs no CSRF token).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import swagger from '@fastify/swagger';
import { jsonSchemaTransform, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { runningCampaigns, startCampaignAs } from '../../client/campaigns';
import { campaignStarts, goneFromEngineText } from '../../ledger/campaign-starts';
import { formatInstant } from '../../domain/format';
import { GRADE_REPORTS } from '../../ledger/grade-reports';
import { buildReport, REPORTS } from '../../ledger/report';
import { requestInstantSchema } from '../../domain/field-schemas';
import { rehearsalClock } from '../../domain/clock';
import { canSee, reviewerOf, type Principal } from '../access';
import { outboxDirIn } from '../config';
import { OutboxRequestError, outboxPage, showOutboxMessage } from '../../mail/outbox';
import { forbidden, WebError } from '../errors';
import { answeredRefusal, refuseLinkSubmission, submitDeadline } from '../deadlines';
import {
  AttachmentRejected,
  attachmentRef,
  checkAttachment,
  describeAttachment,
  MAX_ATTACHMENT_BYTES,
  MAX_ATTACHMENTS,
  MAX_UPLOADS_PER_DEADLINE,
  refHash,
  type AttachmentMeta,
} from '../attachments';
import { readReport, refsOf } from '../../ledger/corrections';
import type { LinkTarget } from '../links';
import type { WebDeps } from '../context';
import { openDeadlinesFor } from './sign-in';
import { parsePlan } from '../../domain/plan-loader';
import { parseOrgText } from '../../plans/load';
import { contactProblemsOf, previewReimport, reimportOrg } from '../../client/org-reimport';
import { problemsWithin } from '../../domain/contact-problems';
import { MAX_FILE_BYTES } from '../../domain/limits';
import { auditScope, loadCampaign } from '../console/model';
import { sendMaterials } from '../console/materials';
import { steeringPreview } from '../console/steering';
import { idSchema } from '../../domain/field-schemas';
import type { Org } from '../../domain/org-schema';
import { resolveJoinChoice, type AskedJoin, type OpenCycleToJoin } from '../../domain/join-choice';
import type { JoinChoice } from '../../domain/engine/requests';

// The domain's id grammar (domain/ids.ts), so a request is refused here, naming the field, as the CLI refuses it.
/** The API's `joinOpenCycles` as the re-import takes it: all, none, or the list checked against the cycles open now. */
function chosenJoin(
  join: boolean | AskedJoin[],
  file: Org,
  field: string,
): boolean | ((open: OpenCycleToJoin[]) => JoinChoice[]) {
  return typeof join === 'boolean' ? join : (open) => resolveJoinChoice(join, open, file, field);
}

const key = idSchema('key');
const unit = idSchema('unit');
const cycle = idSchema('cycle');
const obligation = idSchema('obligation');
const CampaignParams = z.object({ campaignId: key });
const DeadlineParams = CampaignParams.extend({ obligationKey: obligation, cycleKey: cycle, unitId: unit });
/** A report's own deadline, by its obligation key (a review is reached through its report's path). */
const ReportParams = DeadlineParams.extend({ obligationKey: key });
const Text = z.string().trim().min(1, 'required').max(20_000);
const Reason = z.string().trim().min(1, 'required').max(2_000);

const BaseReceipt = z.object({
  deadlineId: z.string(),
  unitId: z.string(),
  receivedAt: z.string(),
  dueAt: z.string(),
  onTime: z.boolean(),
  lateMs: z.number(),
  by: z.string(),
});
const ReceiptSchema = BaseReceipt.extend({ number: z.string() });
const DeadlineStatusSchema = z.object({
  deadlineId: z.string(),
  campaignId: z.string(),
  obligationKey: z.string(),
  cycleKey: z.string(),
  unitId: z.string(),
  role: z.enum(['report', 'review']),
  state: z.enum(['green', 'blue', 'yellow', 'red', 'closed']),
  outcome: z.enum(['on-time', 'late', 'waived', 'missing']).optional(),
  opensAt: z.string(),
  dueAt: z.string(),
  dueOnHoliday: z.boolean(),
  nextStep: z.unknown().optional(),
  stepsDone: z.array(z.string()),
  receipt: BaseReceipt.optional(),
  extensions: z.number(),
});
const EventDeadlineSchema = z.object({
  obligationKey: z.string(),
  cycleKey: z.string(),
  unitId: z.string(),
  deadlineId: z.string(),
  opensAt: z.string(),
  dueAt: z.string(),
  dueOnHoliday: z.boolean(),
});
const EventOpeningSchema = z.object({
  opened: z.array(EventDeadlineSchema),
  alreadyOpen: z.array(EventDeadlineSchema),
  notOpened: z.array(z.object({ obligationKey: z.string(), reason: z.string() })),
});
const Problem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number(),
  detail: z.string(),
  errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
});
const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem };

/**
 * What a report's file may be sent as, alone as the request's body. What it is comes from its
 * bytes (checkAttachment), not from this; none of these can a cross-site form send.
 */
const UPLOAD_TYPES = [
  'application/octet-stream',
  'application/pdf',
  'application/msword',
  'application/vnd.ms-excel',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
];
const AttachmentRef = z.string().regex(/^sha256:[0-9a-f]{64}$/, 'sha256:<64 hex>, as …/attachments answered');
const AttachmentSchema = z.object({
  ref: z.string(),
  sha256: z.string(),
  name: z.string(),
  mime: z.string(),
  size: z.number(),
});
const ReportSchema = z.object({
  receivedAt: z.string(),
  by: z.string(),
  lateMs: z.number(),
  text: z.string(),
  attachments: z.array(AttachmentSchema),
  corrections: z.array(z.object({ at: z.string(), by: z.string(), reason: z.string() })),
});

function who(req: FastifyRequest): Principal {
  if (!req.principal) throw new WebError(401, '请先登录', '需要登录或 API 令牌（Authorization: Bearer …）。');
  return req.principal;
}

function office(req: FastifyRequest): Principal {
  const p = who(req);
  if (p.role !== 'office') throw forbidden('只有活动办公室可以执行此操作。');
  return p;
}

const isReview = (obligationKey: string): boolean => obligationKey.endsWith('.review');

/**
 * Whether `p` may see a deadline. A review's path names the reviewed unit, like the CLI, but the
 * review is its reviewer's: only who sees both the unit and its reviewer sees it (a branch
 * cannot read, nor answer, the leader's review of its own report).
 */
function canSeeDeadline(p: Principal, org: Org, obligationKey: string, unitId: string): boolean {
  return canSee(p, unitId) && (!isReview(obligationKey) || canSee(p, reviewerOf(org, unitId)));
}

/**
 * A campaign the engine no longer holds (past its namespace's retention, or deleted) whose start
 * the ledger recorded: its 404 says so, with who started it and where its history is read.
 */
async function goneFromEngine(
  err: unknown,
  campaignId: string,
  ledger: WebDeps['ledger'],
): Promise<WebError | undefined> {
  if ((err as { code?: string }).code !== 'CAMPAIGN_NOT_FOUND') return undefined;
  const s = (await campaignStarts(ledger, campaignId)).at(-1);
  if (!s) return undefined;
  const at = formatInstant(s.recordedAt, 'Asia/Shanghai', 'zh');
  const readAt = `GET /api/v1/campaigns/${campaignId}/audit/lagging`;
  return new WebError(404, '活动已不在引擎中', goneFromEngineText(campaignId, s, at, readAt).zh, 'campaignId');
}

export async function registerApi(app: FastifyInstance, deps: WebDeps): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: '创先争优活动报送 API', version: '1' },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'sid' },
          token: {
            type: 'http',
            scheme: 'bearer',
            description:
              'A personal token made signed in at /console/tokens (cpt_…): it acts as its owner, in their scope; a read-only token is refused every POST (403). Or the service’s API_TOKEN, which acts as the office.',
          },
        },
      },
      security: [{ session: [] }, { token: [] }],
    },
    transform: jsonSchemaTransform,
  });

  await app.register(
    (api, _opts, done) => {
      const r = api.withTypeProvider<ZodTypeProvider>();
      // A report's file, alone as the body (…/attachments); a larger one is refused before it is read whole.
      api.addContentTypeParser(
        UPLOAD_TYPES,
        { parseAs: 'buffer', bodyLimit: MAX_ATTACHMENT_BYTES },
        (_req, body, done) => done(null, body),
      );

      r.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());

      r.get(
        '/campaigns',
        { schema: { summary: 'Running campaigns', response: { 200: z.array(z.string()), ...errors } } },
        async (req) => {
          who(req);
          return runningCampaigns(deps.campaigns.client);
        },
      );

      r.post(
        '/campaigns',
        {
          schema: {
            summary: "Start a campaign (office): the plan as YAML or JSON text, on the service's organisation",
            description:
              'The same checks as `cli start`: a plan that breaks the schema or a rule is refused with every issue, each named `body.plan.<field>` (line and column in the message); a campaign id in use answers 409. `rehearseSpeed` runs the plan from the day before its first phase at that many plan-seconds per second; `digest: true` mails each committee and the office a weekly digest of what is overdue and due.',
            body: z
              .object({
                plan: z.string().min(1, 'required').max(MAX_FILE_BYTES.plan, 'a plan may be at most 1 MB'),
                rehearseSpeed: z.number().positive().max(1_000_000).optional(),
                /** The weekly digest to each committee and the office, on from the start. */
                digest: z.boolean().optional(),
              })
              .strict(),
            response: { 200: z.object({ campaignId: z.string(), workflowId: z.string() }), ...errors },
          },
        },
        async (req) => {
          const p = office(req);
          const plan = parsePlan(req.body.plan, 'body.plan');
          const speed = req.body.rehearseSpeed;
          const clock = speed === undefined ? undefined : rehearsalClock(plan, speed, Date.now());
          const h = await startCampaignAs(
            deps.campaigns,
            deps.ledger,
            { plan, org: deps.org.current, taskQueue: deps.config.TASK_QUEUE, clock },
            { by: p.email, via: 'api' },
            { digest: req.body.digest === true },
          );
          return { campaignId: plan.id, workflowId: h.workflowId };
        },
      );

      r.get(
        '/campaigns/:campaignId/phase-preview',
        {
          schema: {
            summary: 'What advancing or ending a phase now would do (office), as the console previews it',
            params: CampaignParams,
            querystring: z.object({ action: z.enum(['advance', 'end-phase']), toPhase: key.optional() }).strict(),
          },
        },
        async (req) => {
          office(req);
          const c = await loadCampaign(deps.ledger, deps.campaigns, req.params.campaignId);
          if (!c)
            throw new WebError(404, '没有这项活动', `台帐中没有活动“${req.params.campaignId}”。`, 'params.campaignId');
          const action = req.query.action === 'advance' ? 'advance' : 'end';
          return steeringPreview(c, deps.org.current, action, req.query.toPhase);
        },
      );

      r.get(
        '/campaigns/:campaignId',
        { schema: { summary: 'Campaign status (office)', params: CampaignParams } },
        async (req) => {
          office(req);
          const id = req.params.campaignId;
          const [status, now, starts] = await Promise.all([
            deps.campaigns.status(id),
            deps.campaigns.planNow(id),
            campaignStarts(deps.ledger, id),
          ]).catch(async (err: unknown) => {
            throw (await goneFromEngine(err, id, deps.ledger)) ?? err;
          });
          // The status's own `now` is the instant the campaign last woke (a query does not move a
          // workflow's time): weeks behind in a live campaign. Plan time now is the clock's, as
          // `cli status` says it; once the campaign has ended, its end.
          const started = starts.at(-1);
          return {
            ...status,
            now: status.completed ? status.now : now,
            lastWakeAt: status.now,
            // Who started it (the latest start, if it was started again after failing).
            ...(started ? { started } : {}),
          };
        },
      );

      r.get(
        '/me/deadlines',
        { schema: { summary: 'My open deadlines', response: { 200: z.array(DeadlineStatusSchema), ...errors } } },
        async (req) => (await openDeadlinesFor(deps, who(req))).map((d) => d.status),
      );

      r.get(
        '/campaigns/:campaignId/deadlines',
        {
          schema: {
            summary: 'Open deadlines, with the CLI filters',
            params: CampaignParams,
            querystring: z.object({
              committee: unit.optional(),
              obligation: obligation.optional(),
              cycle: cycle.optional(),
              state: z.enum(['green', 'blue', 'yellow', 'red']).optional(),
              unit: unit.optional(),
            }),
            response: { 200: z.array(DeadlineStatusSchema), ...errors },
          },
        },
        async (req) => {
          const p = who(req);
          const q = req.query;
          for (const unit of [q.committee, q.unit]) if (unit && !canSee(p, unit)) throw forbidden();
          if (p.role !== 'office' && !q.committee && !q.unit)
            throw new WebError(400, '请求有误', '请用 committee 或 unit 限定范围。', 'query.committee');
          const list = await deps.campaigns.list(req.params.campaignId, q);
          // The workflow id ends with the unit whose report it is (for a review: the reviewed unit).
          return list.filter((s) =>
            canSeeDeadline(p, deps.org.current, s.obligationKey, s.deadlineId.split('/').pop()!),
          );
        },
      );

      r.get(
        '/campaigns/:campaignId/deadlines/:obligationKey/:cycleKey/:unitId',
        {
          schema: {
            summary: 'One deadline',
            params: DeadlineParams,
            response: { 200: DeadlineStatusSchema, ...errors },
          },
        },
        async (req) => {
          const { campaignId, obligationKey, cycleKey, unitId } = req.params;
          if (!canSeeDeadline(who(req), deps.org.current, obligationKey, unitId)) throw forbidden();
          return deps.campaigns.deadlineStatus(campaignId, obligationKey, cycleKey, unitId);
        },
      );

      const target = (p: z.infer<typeof DeadlineParams>, purpose: LinkTarget['purpose']): LinkTarget => ({
        campaignId: p.campaignId,
        obligationKey: p.obligationKey,
        cycleKey: p.cycleKey,
        unitId: p.unitId,
        purpose,
      });

      /** A deadline as the marks of its API uploads name it (AttachmentStore.markUpload). */
      const uploadsOf = (p: z.infer<typeof DeadlineParams>): string =>
        [p.campaignId, p.obligationKey, p.cycleKey, p.unitId].join('/');

      /**
       * The files a submission names, each uploaded already for this deadline (…/attachments), or
       * a refusal naming the entry. A file kept for another deadline is refused as one never
       * uploaded: the answer does not tell whether a hash is known.
       */
      const uploaded = async (deadline: string, refs: string[]): Promise<AttachmentMeta[]> => {
        const metas: AttachmentMeta[] = [];
        for (const [i, ref] of refs.entries()) {
          const field = `body.attachments.${i}`;
          if (refs.indexOf(ref) !== i) throw new WebError(400, '请求有误', `附件 ${ref} 列了两次。`, field);
          const sha256 = refHash(ref) ?? '';
          const meta = (await deps.attachments.uploadedFor(deadline, sha256))
            ? await deps.attachments.meta(sha256)
            : undefined;
          if (!meta)
            throw new WebError(
              400,
              '没有这个附件',
              // Also the case of an upload no report named within the grace period: swept since.
              `附件 ${ref} 未为这一事项上传，或上传后 ${deps.config.ATTACHMENT_GRACE_DAYS} 天内未报送而已被清理：请用这一事项的 …/attachments 重新上传。`,
              field,
            );
          metas.push(meta);
        }
        return metas;
      };

      r.post(
        '/campaigns/:campaignId/deadlines/:obligationKey/:cycleKey/:unitId/submit',
        {
          config: { counts: 'submission' },
          schema: {
            summary: "Submit a unit's report (the same Update as `cli submit`)",
            description:
              'attachments: the refs …/attachments of this deadline answered, at most 5. nominees: the branches a nomination of advanced branches names (its obligation has `nominates: advanced-branch`); each must be A in its latest final grading, or 409 and nothing is recorded.',
            params: DeadlineParams,
            body: z
              .object({
                text: Text,
                nominees: z.array(unit).min(1).max(200).optional(),
                attachments: z.array(AttachmentRef).max(MAX_ATTACHMENTS).optional(),
              })
              .strict(),
            response: { 200: ReceiptSchema, ...errors },
          },
        },
        async (req) => {
          const p = who(req);
          if (!canSee(p, req.params.unitId)) throw forbidden();
          // A review is answered by its reviewer through /review, never as the unit's own report.
          if (isReview(req.params.obligationKey))
            throw new WebError(400, '请求有误', '点评请用 …/review 提交。', 'params.obligationKey');
          return submitDeadline(deps, target(req.params, 'submit'), {
            by: p.email,
            text: req.body.text,
            attachments: await uploaded(uploadsOf(req.params), req.body.attachments ?? []),
            ...(req.body.nominees ? { nominees: { unitIds: req.body.nominees, field: 'nominees' } } : {}),
          });
        },
      );

      r.post(
        '/campaigns/:campaignId/deadlines/:obligationKey/:cycleKey/:unitId/attachments',
        {
          schema: {
            summary: "Upload one file for a unit's report: the body is the file, `name` its name",
            description:
              'PDF, Word, Excel or an image, at most 20 MB, recognised by its content (sent as its own type or application/octet-stream). Answers its ref, which …/submit of the same deadline (and no other) names in `attachments`. Refused once the deadline is answered or closed, and past 30 files uploaded for one deadline within a week (409). A file that no report names is removed after a week (ATTACHMENT_GRACE_DAYS).',
            params: ReportParams,
            querystring: z.object({ name: z.string().trim().min(1, 'required').max(200) }).strict(),
            consumes: UPLOAD_TYPES,
            response: { 200: AttachmentSchema, ...errors },
          },
        },
        async (req) => {
          const p = who(req);
          if (!canSee(p, req.params.unitId)) throw forbidden();
          if (!Buffer.isBuffer(req.body))
            throw new WebError(
              415,
              '请求格式错误',
              `请把文件本身作为请求体发送，Content-Type 为 ${UPLOAD_TYPES.slice(0, 2).join(' 或 ')} 等。`,
              'content-type',
            );
          const t = target(req.params, 'submit');
          // Refused before it is kept: the campaign ended, the deadline closed, or answered already.
          const { answered } = await refuseLinkSubmission(deps, t);
          if (answered) throw await answeredRefusal(deps, t, answered);
          const { name } = req.query;
          const { mime } = await checkAttachment(name, req.body).catch((err: unknown) => {
            if (err instanceof AttachmentRejected) throw new WebError(415, '附件不符合要求', err.message, 'body');
            throw err;
          });
          // A file uploaded for this deadline before counts once, however often it comes again.
          const deadline = uploadsOf(req.params);
          const described = describeAttachment(name, mime, req.body);
          if (
            !(await deps.attachments.uploadedFor(deadline, described.sha256)) &&
            (await deps.attachments.uploadsFor(deadline)) >= MAX_UPLOADS_PER_DEADLINE
          )
            throw new WebError(
              409,
              '上传过多',
              `这一事项已上传 ${MAX_UPLOADS_PER_DEADLINE} 个文件：请用其中的文件报送，未被引用的文件一周后清理。`,
              'body',
            );
          const meta = await deps.attachments.put(name, mime, req.body, described);
          await deps.attachments.markUpload(deadline, meta.sha256);
          return { ref: attachmentRef(meta.sha256), ...meta };
        },
      );

      r.get(
        '/campaigns/:campaignId/deadlines/:obligationKey/:cycleKey/:unitId/report',
        {
          schema: {
            summary: "A unit's report as it stands: its text and files as the office last corrected them",
            params: ReportParams,
            response: { 200: ReportSchema, ...errors },
          },
        },
        async (req) => {
          if (!canSee(who(req), req.params.unitId)) throw forbidden();
          const report = await readReport(deps.ledger, req.params);
          if (!report) throw new WebError(404, '尚未报送', '该单位尚未报送这一事项。', 'params.unitId');
          const describe = async (ref: string) => {
            const sha256 = refHash(ref) ?? ref;
            const meta = await deps.attachments.meta(sha256);
            return {
              ref,
              sha256,
              name: meta?.name ?? ref,
              mime: meta?.mime ?? 'application/octet-stream',
              size: meta?.size ?? 0,
            };
          };
          return {
            receivedAt: report.original.at,
            by: report.original.actor ?? '',
            lateMs: report.original.lateMs ?? 0,
            text: report.text,
            attachments: await Promise.all(report.attachments.map(describe)),
            corrections: report.corrections.map((c) => ({ at: c.at, by: c.actor ?? '', reason: c.reason ?? '' })),
          };
        },
      );

      r.get(
        '/campaigns/:campaignId/deadlines/:obligationKey/:cycleKey/:unitId/attachments/:sha256',
        {
          schema: {
            summary:
              "One file of a unit's report: as it stands, from before a correction, or sent with a request for one",
            params: ReportParams.extend({ sha256: z.string().regex(/^[0-9a-f]{64}$/, '64 hex') }),
            produces: ['application/octet-stream'],
          },
        },
        async (req, reply) => {
          const { sha256, ...keys } = req.params;
          if (!canSee(who(req), keys.unitId)) throw forbidden();
          const report = await readReport(deps.ledger, keys);
          const own = report
            ? [...report.attachments, ...report.earlierAttachments, ...report.requests.flatMap(refsOf)]
            : [];
          // Only this report's own files: a hash alone opens nothing.
          if (!own.includes(attachmentRef(sha256)))
            throw new WebError(404, '没有这个附件', '该报送没有这个附件。', 'params.sha256');
          const meta = await deps.attachments.meta(sha256);
          return reply
            .type(meta?.mime ?? 'application/octet-stream')
            .header('Content-Disposition', `attachment; filename*=UTF-8''${encodeURIComponent(meta?.name ?? sha256)}`)
            .header('Cache-Control', 'private, no-store')
            .send(await deps.attachments.read(sha256));
        },
      );

      r.post(
        '/campaigns/:campaignId/deadlines/:obligationKey/:cycleKey/:unitId/review',
        {
          config: { counts: 'review' },
          schema: {
            summary: "Comment on a unit's report (closes the review deadline)",
            params: ReportParams,
            body: z.object({ text: Text }).strict(),
            response: { 200: ReceiptSchema, ...errors },
          },
        },
        async (req) => {
          const p = who(req);
          // The reviewer is the unit's parent: its secretary, or anyone above it, or the office.
          if (!canSeeDeadline(p, deps.org.current, `${req.params.obligationKey}.review`, req.params.unitId))
            throw forbidden();
          return submitDeadline(deps, target(req.params, 'review'), {
            by: p.email,
            text: req.body.text,
            attachments: [],
          });
        },
      );

      r.post(
        '/campaigns/:campaignId/deadlines/:obligationKey/:cycleKey/:unitId/extend',
        {
          schema: {
            summary: 'Extend a deadline (office)',
            params: DeadlineParams,
            body: z.object({ newDueAt: requestInstantSchema(), reason: Reason }).strict(),
            response: { 200: DeadlineStatusSchema, ...errors },
          },
        },
        async (req) => {
          const p = office(req);
          const { campaignId, obligationKey, cycleKey, unitId } = req.params;
          return deps.campaigns.extend(campaignId, obligationKey, cycleKey, unitId, { ...req.body, by: p.email });
        },
      );

      r.post(
        '/campaigns/:campaignId/deadlines/:obligationKey/:cycleKey/:unitId/waive',
        {
          schema: {
            summary: 'Waive a deadline (office)',
            params: DeadlineParams,
            body: z.object({ reason: Reason }).strict(),
            response: { 200: DeadlineStatusSchema, ...errors },
          },
        },
        async (req) => {
          const p = office(req);
          const { campaignId, obligationKey, cycleKey, unitId } = req.params;
          return deps.campaigns.waive(campaignId, obligationKey, cycleKey, unitId, { ...req.body, by: p.email });
        },
      );

      r.post(
        '/campaigns/:campaignId/advance',
        {
          schema: {
            summary: 'Start the next (or a named) phase (office)',
            params: CampaignParams,
            body: z.object({ toPhase: key.optional(), reason: Reason }).strict(),
          },
        },
        async (req) => {
          const p = office(req);
          return deps.campaigns.advance(req.params.campaignId, { ...req.body, by: p.email });
        },
      );

      r.post(
        '/campaigns/:campaignId/end-phase',
        {
          schema: {
            summary: 'End a phase (office)',
            params: CampaignParams,
            body: z.object({ phaseKey: key, reason: Reason }).strict(),
          },
        },
        async (req) => {
          const p = office(req);
          return deps.campaigns.endPhase(req.params.campaignId, { ...req.body, by: p.email });
        },
      );

      r.post(
        '/campaigns/:campaignId/stop',
        {
          schema: {
            summary:
              'Stop the campaign before its plan ends (office): nothing more opens, every open deadline is waived with the reason, every unit is mailed',
            params: CampaignParams,
            body: z.object({ reason: Reason }).strict(),
          },
        },
        async (req) => {
          const p = office(req);
          return deps.campaigns.stop(req.params.campaignId, { ...req.body, by: p.email });
        },
      );

      r.post(
        '/campaigns/:campaignId/units/:unitId/appoint',
        {
          schema: {
            summary: 'A new branch secretary (office): opens the training the plan declares for the branch',
            params: CampaignParams.extend({ unitId: unit }),
            body: z.object({ secretary: z.string().trim().min(1, 'required').max(200) }).strict(),
            response: { 200: EventOpeningSchema, ...errors },
          },
        },
        async (req) => {
          const p = office(req);
          return deps.campaigns.openForEvent(req.params.campaignId, {
            event: 'secretary-appointed',
            unitId: req.params.unitId,
            secretary: req.body.secretary,
            actor: p.email,
          });
        },
      );

      r.post(
        '/campaigns/:campaignId/org',
        {
          // An organisation file may be 8 MB, more than the API's other bodies.
          bodyLimit: MAX_FILE_BYTES.organisation + 64 * 1024,
          schema: {
            summary:
              'The organisation file re-imported (office): its contacts from now on, its changed secretaries as appointments',
            description:
              'The same as `cli appoint --org`: `org` is the file as YAML, JSON or CSV text (`format`, YAML by default), checked as `cli start` checks it (each issue named `body.org.<field>`). Every mail from then on, also of deadlines opened before, goes to the secretaries, liaisons and addresses it names; each branch whose secretary changed since the last import is appointed (opening her training if the plan has one). A campaign that holds its organisation by reference (every one started through the CLI, the console or this API) follows the file from then on: the cycles it opens later are for the file’s units, so a branch new in it (`newBranches`) takes part from its obligations’ next cycles and a unit it lacks is opened nothing more; `follows` says the version it follows now (`orgRef`, `units`), whether this import changed it (`followed`) and each obligation’s next cycle (`nextCycles`: `obligationKey`, `cycleKey`, `cycleLabel`, `cycleLabelEn`, `opensAt`); what is open already keeps the organisation it opened with (who is responsible, who reviews, where it escalates). `follows` is null for a campaign that carries its organisation in its input. The same file again records nothing (`contacts: null`). Sign-in and scope on the web service follow the file from the next request (on every web process within CONTACTS_FRESH_SECONDS). With `joinOpenCycles: true` the file’s units without a deadline in a cycle open now (opened, and due later than now), such as a branch founded since it opened, join it too; with a list (`[{ obligationKey, cycleKey, unitIds? }]`) only the cycles it names are joined, each by the units it names (all that would join it when `unitIds` is left out): a cycle not open now, or a unit that would not join it (not in the file, not owing it, or with a deadline in it already), is a 400 naming the field, and nothing is recorded. `joined` lists every cycle open now (`obligationKey`, `cycleKey`, `cycleLabel`, `cycleLabelEn`, `dueAt`) with the units that joined it (`joined`), `stillOpening: true` for one opened so recently that its deadlines are still being started (import again a minute later), or `notChosen: true` for one the list left out; `joined` is null when not asked or when the campaign does not follow the file. With `dryRun=true` nothing is recorded: the answer says what the import would do (`updatesContacts`, the `appointments`, each post whose person or address changes in `contacts`, `newBranches`, the units the file lacks in `missing`, `followsFile`: whether the campaign would follow it, and `openCycles`: the cycles open now, each with `wouldJoin`, the file’s units that `joinOpenCycles` would have join it).',
            params: CampaignParams,
            querystring: z.object({ dryRun: z.enum(['true', 'false']).default('false') }).strict(),
            body: z
              .object({
                org: z
                  .string()
                  .min(1, 'required')
                  .max(MAX_FILE_BYTES.organisation, 'an organisation file may be at most 8 MB'),
                format: z.enum(['yaml', 'json', 'csv']).default('yaml'),
                // Every unit that would join every cycle open now (true), or the office's choice.
                joinOpenCycles: z
                  .union([
                    z.boolean(),
                    z
                      .array(
                        z
                          .object({
                            obligationKey: key,
                            cycleKey: cycle,
                            unitIds: z.array(unit).min(1, 'at least one unit, or leave it out for all').optional(),
                          })
                          .strict(),
                      )
                      .max(200),
                  ])
                  .default(false),
              })
              .strict(),
          },
        },
        async (req) => {
          const p = office(req);
          const file = parseOrgText(req.body.org, req.body.format === 'csv' ? 'body.org.csv' : 'body.org');
          const { campaignId } = req.params;
          if (req.query.dryRun === 'true') return previewReimport(deps.campaigns, deps.ledger, campaignId, file);
          const at = await deps.campaigns.planNow(campaignId);
          const result = await reimportOrg(deps.campaigns, deps.ledger, campaignId, file, {
            by: p.email,
            at,
            joinOpenCycles: chosenJoin(req.body.joinOpenCycles, file, 'body.joinOpenCycles'),
          });
          // Its new secretaries may sign in with the very next request, not a freshness later.
          if (result.contacts) deps.org.stale();
          return result;
        },
      );

      r.get(
        '/campaigns/:campaignId/contact-problems',
        {
          schema: {
            summary: "What of the campaign's contacts the mail cannot use (office: all; others: their units)",
            description:
              "As the console's roster page lists them, from the contacts in force (the latest re-import, else the organisation the campaign started on) and the ledger's refusals: `noAddress`, the units without a usable address and who is mailed in their stead (`toldInstead`); `refused`, each address the mail server refused that the roster still names (a whole message refused for good, or the one address refused from a message the others received), with its `holders` (unit, `post`: secretary, liaison or the unit's own mailbox, person), how many messages (`times`), the latest's instant (`lastAt`) and reason (`error`). An address leaves the list once a roster without it is taken or a later message to it is delivered. `deferred`, each address the mail server is turning away for now (4xx: a full mailbox) whose messages are being asked again, with its `holders`, how many messages (`messages`), since when (`since`), the server's latest answer (`error`) and how many of those messages no redelivery asks again any more (`stalled`: stopped by hand or never started; they will not arrive): refused if not delivered within three days. Anyone but the office reads only the units of their scope.",
            params: CampaignParams,
          },
        },
        async (req) => {
          const p = who(req);
          const { campaignId } = req.params;
          const units = await deps.ledger.units(campaignId);
          if (units.length === 0)
            throw new WebError(404, '没有这项活动', `台帐中没有活动“${campaignId}”。`, 'params.campaignId');
          const visible = (unitId: string) => canSee(p, unitId);
          const inScope = units.map((u) => u.unitId).filter(visible);
          return problemsWithin(await contactProblemsOf(deps.campaigns, deps.ledger, campaignId, inScope), visible);
        },
      );

      r.get(
        '/campaigns/:campaignId/audit/:report',
        {
          schema: {
            summary: 'An audit report from the ledger (office: all; committee: its own)',
            params: CampaignParams.extend({ report: z.enum(REPORTS) }),
            querystring: z.object({
              committee: unit.optional(),
              unit: unit.optional(),
              obligation: obligation.optional(),
              cycle: cycle.optional(),
              phase: key.optional(),
              asOf: requestInstantSchema().optional(),
            }),
          },
        },
        async (req) => {
          const p = who(req);
          const q = req.query;
          if (p.role !== 'office') {
            if (!q.committee && !q.unit)
              throw new WebError(400, '请求有误', '请用 committee 或 unit 限定范围。', 'query.committee');
            for (const unit of [q.committee, q.unit]) if (unit && !canSee(p, unit)) throw forbidden();
            // The grading reports are read per committee only: a unit alone would read every committee's.
            if ((GRADE_REPORTS as readonly string[]).includes(req.params.report) && !q.committee)
              throw forbidden('分类定级报表按党委查看。');
          }
          return buildReport(deps.ledger, req.params.report, {
            campaignId: req.params.campaignId,
            committeeId: q.committee,
            unitId: q.unit,
            // The audit's aggregates take a unit as a list; without it `?unit=` selected the whole
            // campaign. Anyone but the office reads only the units they may see.
            unitIds: q.unit !== undefined ? [q.unit] : p.role === 'office' ? undefined : [...p.scope],
            obligationKey: q.obligation,
            cycleKey: q.cycle,
            phaseKey: q.phase,
            asOf: q.asOf,
          });
        },
      );
      r.get(
        '/campaigns/:campaignId/materials.zip',
        {
          schema: {
            summary:
              "One cycle's materials as a ZIP: a folder per unit that reported (its report as it stands, its files) and 汇总.xlsx; in the caller's scope",
            params: CampaignParams,
            querystring: z.object({ obligation, cycle, committee: unit.optional() }).strict(),
            produces: ['application/zip'],
          },
        },
        async (req, reply) => {
          const p = who(req);
          const q = req.query;
          if (q.committee && !canSee(p, q.committee)) throw forbidden();
          const c = await loadCampaign(deps.ledger, deps.campaigns, req.params.campaignId);
          if (!c)
            throw new WebError(404, '没有这项活动', `台帐中没有活动“${req.params.campaignId}”。`, 'params.campaignId');
          const keys = { obligationKey: q.obligation, cycleKey: q.cycle };
          return sendMaterials(reply, deps, c, auditScope(p, c, q.committee), keys, (f) => `query.${f}`);
        },
      );

      // The embedded outbox (MAIL_URL=outbox:…), for programs as `outbox list|show` and the
      // console's 发件箱: everyone's mail, so the office's alone. Files are named by number or id,
      // never by path, and the server's paths are not told.
      const OutboxEntry = z.object({
        index: z.number().int(),
        id: z.string(),
        date: z.string().optional(),
        to: z.string(),
        subject: z.string(),
      });
      r.get(
        '/outbox',
        {
          schema: {
            summary: 'The messages of the embedded outbox, oldest first, a page at a time (office only)',
            description:
              '`index` numbers the messages as `outbox list` does, `total` counts them all. 404 when mail goes out by SMTP: then the service keeps no copy.',
            querystring: z
              .object({
                offset: z.coerce.number().int().min(0).default(0),
                limit: z.coerce.number().int().min(1).max(500).default(100),
              })
              .strict(),
            response: {
              200: z.object({ total: z.number().int(), offset: z.number().int(), messages: z.array(OutboxEntry) }),
            },
          },
        },
        async (req) => {
          office(req);
          const { offset, limit } = req.query;
          const { total, entries } = await outboxPage(outboxDirIn(deps.config), { offset, limit });
          return {
            total,
            offset,
            messages: entries.map(({ index, id, date, to, subject }) => ({ index, id, date, to, subject })),
          };
        },
      );
      r.get(
        '/outbox/:message',
        {
          schema: {
            summary: 'One message of the embedded outbox: headers, attachments and text (office only)',
            params: z.object({
              message: z
                .string()
                .regex(/^(\d{1,9}|[0-9a-f]{32})$/, 'its number in the list, or its id (32 hexadecimal digits)'),
            }),
            response: {
              200: z.object({
                id: z.string(),
                from: z.string(),
                to: z.string(),
                cc: z.string().optional(),
                date: z.string().optional(),
                subject: z.string(),
                attachments: z.array(z.string()),
                text: z.string(),
              }),
            },
          },
        },
        async (req) => {
          office(req);
          try {
            const { file: _file, ...message } = await showOutboxMessage(outboxDirIn(deps.config), req.params.message);
            return message;
          } catch (err) {
            if (err instanceof OutboxRequestError)
              throw new WebError(404, '没有这封邮件', `发件箱中没有邮件 ${req.params.message}。`, 'params.message');
            throw err;
          }
        },
      );
      done();
    },
    { prefix: '/api/v1' },
  );
}
