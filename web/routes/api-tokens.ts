/**
 * People's API tokens in the console (`/console/tokens`): anyone in the organisation, signed in,
 * makes tokens of their own and revokes them; the office sees and revokes everybody's (a person
 * who leaves, a token that leaked). Only a session does this, never a token: a token makes no
 * token. The owner is mailed when a token is made, and when someone else revokes one.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ApiTokenRefused, type ApiTokenInfo } from '../../ledger/api-tokens';
import { formatInstant } from '../../domain/format';
import { principalFor, type Principal } from '../access';
import type { WebDeps } from '../context';
import { forbidden, WebError } from '../errors';
import { formField, htmlReply } from '../forms';
import { consolePage, langOf, tr } from '../console/frame';
import { TOKEN_DAYS, tokensBody, type TokensView } from '../console/tokens';

const TokenForm = z.object({
  name: z.string().trim().min(1, '请填写名称').max(60, '名称最多60字'),
  access: z.enum(['read', 'write'], '权限只能是 read 或 write'),
  days: z.coerce
    .number()
    .refine((d) => (TOKEN_DAYS as readonly number[]).includes(d), `有效期只能是 ${TOKEN_DAYS.join('、')} 天`),
});

const TokenId = z.object({ id: z.string().regex(/^[0-9a-f]{12}$/) });
const ZONE = 'Asia/Shanghai';
const ACCESS_ZH = { read: '只读', write: '读写', calendar: '日历订阅' } as const;

export function registerApiTokenRoutes(app: FastifyInstance, deps: WebDeps): void {
  const { apiTokens, config, org } = deps;

  /** The person signed in: a session of someone in the organisation (not the service's own API_TOKEN). */
  function person(req: FastifyRequest): Principal {
    const p = req.principal;
    if (!p) throw new WebError(401, '请先登录', '请先登录后再管理 API 令牌。');
    if (!principalFor(org.current, p.email)) throw forbidden('API 令牌属于组织名册中的个人，请用本人邮箱登录后管理。');
    return p;
  }

  async function render(req: FastifyRequest, csrf: string, extra: Partial<TokensView>): Promise<string> {
    const p = person(req);
    const lang = langOf(req);
    const all = p.role === 'office' ? await apiTokens.list() : await apiTokens.list(p.email);
    const mine = (t: ApiTokenInfo): boolean => t.email === p.email.toLowerCase();
    const body = tokensBody({
      lang,
      csrf,
      baseUrl: config.BASE_URL,
      now: Date.now(),
      own: all.filter(mine),
      others: p.role === 'office' ? all.filter((t) => !mine(t)) : undefined,
      ...extra,
    });
    return consolePage(tr(lang)('API 令牌', 'API tokens'), body, {
      lang,
      principal: p,
      path: req.url,
      outbox: config.MAIL_URL.startsWith('outbox:'),
    });
  }

  /** Mail to a token's owner; a failure is logged (without the token) and does not undo what was done. */
  function tell(req: FastifyRequest, to: string, subject: string, text: string): void {
    void deps.signInMail
      .send({ to, subject, text })
      .catch((err: unknown) => req.log.error({ code: (err as { code?: unknown }).code }, 'token mail not sent'));
  }

  const describe = (t: ApiTokenInfo): string =>
    `名称：${t.name}\n编号：${t.id}\n权限：${ACCESS_ZH[t.access]}\n有效期至：${formatInstant(t.expiresAt, ZONE, 'zh')}`;

  app.get<{ Querystring: { revoked?: string } }>(
    '/console/tokens',
    { schema: { querystring: z.object({ revoked: TokenId.shape.id.optional() }) } },
    async (req, reply) => {
      if (!req.principal) return reply.redirect('/login', 303);
      const p = person(req);
      // The notice after a revocation (the form redirects here, so a reload posts nothing again).
      const t = req.query.revoked ? await apiTokens.get(req.query.revoked) : undefined;
      const revoked =
        t && t.revokedAt !== null && (t.email === p.email.toLowerCase() || p.role === 'office') ? t : undefined;
      return htmlReply(reply, await render(req, reply.generateCsrf(), { revoked }));
    },
  );

  app.post('/console/tokens', { preHandler: app.csrfProtection.bind(app) }, async (req, reply) => {
    const p = person(req);
    const parsed = TokenForm.safeParse({
      name: formField(req.body, 'name'),
      access: formField(req.body, 'access'),
      days: formField(req.body, 'days'),
    });
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new WebError(400, '请求有误', issue.message, String(issue.path[0]));
    }
    let created;
    try {
      created = await apiTokens.create({ email: p.email, ...parsed.data });
    } catch (err) {
      if (err instanceof ApiTokenRefused) throw new WebError(409, '令牌过多', err.message);
      throw err;
    }
    tell(
      req,
      p.email,
      '【创先争优活动】新的 API 令牌已生成',
      `您刚刚生成了一个 API 令牌：\n${describe(created.info)}\n\n如果不是您本人操作，请立即登录 ${config.BASE_URL.replace(/\/$/, '')}/console/tokens 撤销它，并告知活动办公室。`,
    );
    return htmlReply(reply, await render(req, reply.generateCsrf(), { created }));
  });

  app.post<{ Params: z.infer<typeof TokenId> }>(
    '/console/tokens/:id/revoke',
    { preHandler: app.csrfProtection.bind(app), schema: { params: TokenId } },
    async (req, reply) => {
      const p = person(req);
      const t = await apiTokens.get(req.params.id);
      // Another person's token answers as one that does not exist: ids are not to be probed.
      if (!t || (t.email !== p.email.toLowerCase() && p.role !== 'office'))
        throw new WebError(404, '没有这个令牌', `没有令牌 ${req.params.id}。`);
      let revoked;
      try {
        revoked = await apiTokens.revoke(t.id, p.email);
      } catch (err) {
        if (err instanceof ApiTokenRefused) {
          const by = err.token?.revokedBy;
          const at = err.token?.revokedAt;
          throw new WebError(
            409,
            '令牌已撤销',
            at && by ? `令牌 ${req.params.id} 已于 ${formatInstant(at, ZONE, 'zh')} 由 ${by} 撤销。` : err.message,
          );
        }
        throw err;
      }
      if (revoked.email !== p.email.toLowerCase())
        tell(
          req,
          revoked.email,
          '【创先争优活动】您的 API 令牌已被撤销',
          `活动办公室（${p.email}）撤销了您的 API 令牌：\n${describe(revoked)}\n\n使用它的程序将不能再调用 API；如仍需要，请登录后重新生成。`,
        );
      return reply.redirect(`/console/tokens?revoked=${revoked.id}`, 303);
    },
  );
}
