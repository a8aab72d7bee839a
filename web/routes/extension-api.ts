/**
 * Requests for more time in the JSON API, `/api/v1/campaigns/:campaignId/deadlines/…/extension-requests`:
 * a deadline's requests with their answers, a unit's request (as its link takes it), and the
 * office's grant (the extension and its record at once) or decline. Scope as everywhere: the unit
 * and whoever is above it see and ask; only the office answers.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { idSchema, requestInstantSchema } from '../../domain/field-schemas';
import { EXTENSION_REQUEST_KINDS } from '../../ledger/extension-requests';
import type { LedgerEvent } from '../../ledger/types';
import { canSee, type Principal } from '../access';
import type { WebDeps } from '../context';
import { campaignNow } from '../deadlines';
import { forbidden, WebError } from '../errors';
import { answerExtension, pendingExtension, requestExtension } from '../extension-requests';
import type { LinkTarget } from '../links';

const DeadlineParams = z.object({
  campaignId: idSchema('key'),
  // A report's deadline: a leader's review is extended by the office alone.
  obligationKey: idSchema('key'),
  cycleKey: idSchema('cycle'),
  unitId: idSchema('unit'),
});
const RequestParams = DeadlineParams.extend({ request: z.coerce.number().int().min(1).max(999_999) });
const Reason = z.string().trim().min(1, 'required').max(2_000);

const AnswerSchema = z.object({ at: z.string(), by: z.string(), reason: z.string(), newDueAt: z.string().optional() });
const RequestSchema = z.object({
  request: z.number(),
  at: z.string(),
  by: z.string(),
  until: z.string(),
  reason: z.string(),
  /** pending: the office has to decide; settled: a report, a waiver or an extension made otherwise answered it. */
  state: z.enum(['pending', 'granted', 'declined', 'settled']),
  answer: AnswerSchema.optional(),
});
type RequestView = z.infer<typeof RequestSchema>;

const numberOf = (e: LedgerEvent): number => (typeof e.data?.request === 'number' ? e.data.request : 0);
const text = (v: unknown): string => (typeof v === 'string' ? v : '');

/** A deadline's requests, oldest first, each with the office's answer or how it was settled. */
function requestViews(events: readonly LedgerEvent[]): RequestView[] {
  const requests = events.filter((e) => e.kind === 'extension-requested').sort((a, b) => numberOf(a) - numberOf(b));
  return requests.map((r, i): RequestView => {
    const n = numberOf(r);
    const answer = events.find(
      (e) => (e.kind === 'extension-granted' || e.kind === 'extension-declined') && numberOf(e) === n,
    );
    const newest = i === requests.length - 1;
    const settled = events.some(
      (e) => ['extension', 'submission', 'waiver', 'deadline-closed'].includes(e.kind) && e.at >= r.at,
    );
    const state = answer
      ? answer.kind === 'extension-granted'
        ? 'granted'
        : 'declined'
      : newest && !settled
        ? 'pending'
        : 'settled';
    return {
      request: n,
      at: r.at,
      by: r.actor ?? '',
      until: text(r.data?.until),
      reason: r.reason ?? '',
      state,
      ...(answer
        ? {
            answer: {
              at: answer.at,
              by: answer.actor ?? '',
              reason: answer.reason ?? '',
              ...(answer.data?.newDueAt !== undefined ? { newDueAt: text(answer.data.newDueAt) } : {}),
            },
          }
        : {}),
    };
  });
}

function who(req: FastifyRequest): Principal {
  if (!req.principal) throw new WebError(401, '请先登录', '需要登录或 API 令牌（Authorization: Bearer …）。');
  return req.principal;
}

export async function registerExtensionApi(app: FastifyInstance, deps: WebDeps): Promise<void> {
  const target = (p: z.infer<typeof DeadlineParams>): LinkTarget => ({ ...p, purpose: 'submit' });
  const views = async (p: z.infer<typeof DeadlineParams>): Promise<RequestView[]> =>
    requestViews(await deps.ledger.events({ ...p, kinds: [...EXTENSION_REQUEST_KINDS] }));
  const viewOf = async (p: z.infer<typeof DeadlineParams>, n: number): Promise<RequestView> => {
    const found = (await views(p)).find((v) => v.request === n);
    if (!found) throw new WebError(404, '没有这份延期申请', `该事项没有第 ${n} 份延期申请。`, 'params.request');
    return found;
  };
  const seen = (req: FastifyRequest, unitId: string): Principal => {
    const p = who(req);
    if (!canSee(p, unitId)) throw forbidden();
    return p;
  };
  const office = (req: FastifyRequest): Principal => {
    const p = who(req);
    if (p.role !== 'office') throw forbidden('只有活动办公室可以答复延期申请。');
    return p;
  };
  /** The office's answer recorded at the campaign's time now and mailed to the unit; the request as it then stands. */
  const answer = async (
    req: FastifyRequest,
    keys: z.infer<typeof DeadlineParams>,
    request: number,
    by: { p: Principal; reason: string },
    granted: boolean,
    dueAt: string,
  ): Promise<RequestView> => {
    const at = new Date(await campaignNow(deps, keys.campaignId)).toISOString();
    const who = { at, by: by.p.email, reason: by.reason };
    await answerExtension(deps, target(keys), request, who, { granted, dueAt, field: 'params.request' }, req.log);
    return viewOf(keys, request);
  };
  const path = '/campaigns/:campaignId/deadlines/:obligationKey/:cycleKey/:unitId/extension-requests';

  await app.register(
    (api, _opts, done) => {
      const r = api.withTypeProvider<ZodTypeProvider>();

      r.get(
        path,
        {
          schema: {
            summary: "A deadline's requests for more time, oldest first, with the office's answers",
            params: DeadlineParams,
            response: { 200: z.object({ requests: z.array(RequestSchema) }) },
          },
        },
        async (req) => {
          seen(req, req.params.unitId);
          return { requests: await views(req.params) };
        },
      );

      r.post(
        path,
        {
          schema: {
            summary: 'Ask the office for a later due instant (as the unit’s link does); the office is mailed',
            params: DeadlineParams,
            body: z.object({ until: requestInstantSchema(), reason: Reason }).strict(),
            response: { 200: RequestSchema },
          },
        },
        async (req) => {
          const p = seen(req, req.params.unitId);
          const { until } = req.body;
          const asked = await requestExtension(
            deps,
            target(req.params),
            { by: p.email, reason: req.body.reason, until: () => until, untilField: 'body.until' },
            req.log,
          );
          return viewOf(req.params, numberOf(asked));
        },
      );

      r.post(
        `${path}/:request/grant`,
        {
          schema: {
            summary:
              'Grant the request pending (office): extends the deadline, to the instant asked unless another is given',
            params: RequestParams,
            body: z.object({ newDueAt: requestInstantSchema().optional(), reason: Reason }).strict(),
            response: { 200: RequestSchema },
          },
        },
        async (req) => {
          const p = office(req);
          const { request, ...keys } = req.params;
          const asked = await pendingExtension(deps, keys, request, 'params.request');
          const newDueAt = req.body.newDueAt ?? text(asked.data?.until);
          const extended = await deps.campaigns.extend(
            keys.campaignId,
            keys.obligationKey,
            keys.cycleKey,
            keys.unitId,
            {
              newDueAt,
              by: p.email,
              reason: req.body.reason,
            },
          );
          return answer(req, keys, request, { p, reason: req.body.reason }, true, extended.dueAt);
        },
      );

      r.post(
        `${path}/:request/decline`,
        {
          schema: {
            summary: 'Decline the request pending (office), saying why; the unit is mailed',
            params: RequestParams,
            body: z.object({ reason: Reason }).strict(),
            response: { 200: RequestSchema },
          },
        },
        async (req) => {
          const p = office(req);
          const { request, ...keys } = req.params;
          await pendingExtension(deps, keys, request, 'params.request');
          const status = await deps.campaigns.deadlineStatus(
            keys.campaignId,
            keys.obligationKey,
            keys.cycleKey,
            keys.unitId,
          );
          return answer(req, keys, request, { p, reason: req.body.reason }, false, status.dueAt);
        },
      );
      done();
    },
    { prefix: '/api/v1' },
  );
}
