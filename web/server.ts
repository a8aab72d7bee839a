/**
 * The front door: one fastify instance serving the signed links, sign-in, "my open deadlines"
 * and the JSON API. Everything it does to a campaign goes through client/campaigns.ts, the
 * CLI's own client. `buildServer` takes its dependencies, so tests run it with fastify.inject
 * against a real engine and ledger.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import helmet from '@fastify/helmet';
import multipart from '@fastify/multipart';
import rateLimit from '@fastify/rate-limit';
import { hasZodFastifySchemaValidationErrors, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { principalFor, type Principal } from './access';
import { MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS } from './attachments';
import { secureCookies, type WebConfig } from './config';
import { createLog } from '../config/log';
import { describeError, problem, WebError } from './errors';
import { errorPage } from './html';
import { SESSION_COOKIE, type WebDeps } from './context';
import { registerLinkRoutes } from './routes/links';
import { registerSignInRoutes } from './routes/sign-in';
import { registerApi } from './routes/api';
import { registerConsole } from './routes/console';
import { registerConsoleOrg } from './routes/console-org';
import { registerConsoleStart } from './routes/console-start';
import { registerCalendarRoutes } from './routes/calendar';
import { registerConsoleCalls } from './routes/console-calls';
import { registerApiTokenRoutes } from './routes/api-tokens';
import { registerGradeConsole } from './routes/grades';
import { registerGradeApi } from './routes/grades-api';
import { registerExtensionApi } from './routes/extension-api';
import { createWebMetrics, registerHttpMetrics } from './metrics';

/** How long the web service reuses a campaign's directory (client/campaigns.ts asks again before refusing). */
export const DIRECTORY_CACHE_MS = 5000;

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is signed in (session cookie, the office's API token or a person's); undefined for a visitor. */
    principal?: Principal;
  }
}

const CSS = readFileSync(path.join(__dirname, 'static', 'app.css'));

/** A secret of its own for each use, derived from LINK_SECRET: a leaked cookie key signs no link. */
export const derivedSecret = (config: WebConfig, use: string): string =>
  createHmac('sha256', config.LINK_SECRET).update(`campaign-web:${use}`).digest('base64url');

export const isApi = (req: FastifyRequest): boolean => req.url.startsWith('/api/');

export function sendError(req: FastifyRequest, reply: FastifyReply, err: unknown): FastifyReply {
  let e = describeError(err);
  let fieldErrors: { field: string; message: string }[] | undefined;
  if (hasZodFastifySchemaValidationErrors(err)) {
    fieldErrors = err.validation.flatMap((v) => {
      // Fields are named as the service's own refusals name them: `query.cycle`, `params.unitId`, `body.text`.
      const context = err.validationContext === 'querystring' ? 'query' : err.validationContext;
      const at = [context, ...v.instancePath.split('/').filter(Boolean)];
      // A key the schema does not know is named itself, not only the object that holds it.
      const keys = v.keyword === 'unrecognized_keys' ? (v.params as { keys?: unknown }).keys : undefined;
      if (Array.isArray(keys) && keys.length > 0)
        return keys.map((k) => ({ field: [...at, String(k)].join('.'), message: 'unknown field' }));
      return [{ field: at.join('.'), message: v.message ?? 'invalid' }];
    });
    e = new WebError(400, '请求有误', fieldErrors.map((f) => `${f.field}: ${f.message}`).join('; '));
  }
  if (e.status >= 500) req.log.error({ err }, 'request failed');
  if (isApi(req)) return reply.code(e.status).type('application/problem+json').send(problem(e, fieldErrors));
  return reply.code(e.status).type('text/html; charset=utf-8').send(errorPage(e.title, e.message));
}

export async function buildServer(deps: WebDeps): Promise<FastifyInstance> {
  const { config } = deps;
  // The worker's JSON log setup (config/log.ts): the configuration's secrets masked in every line.
  const logger: FastifyBaseLogger = createLog({
    service: 'web',
    level: process.env.WEB_LOG_LEVEL ?? 'warn',
    env: {
      LEDGER_URL: config.LEDGER_URL,
      MAIL_URL: config.MAIL_URL,
      BASE_URL: config.BASE_URL,
      LINK_SECRET: config.LINK_SECRET,
      API_TOKEN: config.API_TOKEN,
      TEMPORAL_API_KEY: config.temporal.resolved.apiKey,
    },
    redact: ['req.headers.cookie', 'req.headers.authorization'],
    ...(deps.logDestination ? { destination: deps.logDestination } : {}),
  });
  const app = Fastify({
    loggerInstance: logger,
    // Behind a reverse proxy the client's address is in X-Forwarded-For (rate limits key on it).
    trustProxy: secureCookies(config),
    bodyLimit: 1024 * 1024,
    // A signed link is longer than the router's default 100 characters per parameter.
    routerOptions: { maxParamLength: 800 },
  });
  registerHttpMetrics(app, deps.metrics ?? createWebMetrics());
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
      },
    },
    hsts: secureCookies(config),
  });
  await app.register(cookie, { secret: derivedSecret(config, 'cookie') });
  await app.register(csrf, {
    sessionPlugin: '@fastify/cookie',
    cookieOpts: { signed: true, httpOnly: true, sameSite: 'lax', secure: secureCookies(config), path: '/' },
    getToken: (req) => {
      const field = (req.body as Record<string, { value?: unknown } | undefined> | undefined)?._csrf;
      return typeof field?.value === 'string' ? field.value : undefined;
    },
  });
  await app.register(multipart, {
    attachFieldsToBody: true,
    // fields: the office's correction form ticks up to ten files to keep (the report's five and
    // those of the unit's request) beside its five other fields.
    limits: { fileSize: MAX_ATTACHMENT_BYTES, files: MAX_ATTACHMENTS, fields: 20, fieldSize: 100_000, parts: 30 },
  });
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_req, ctx) => new WebError(429, '请求过于频繁', `请在 ${ctx.after} 后再试。`),
  });

  app.decorateRequest('principal', undefined);
  app.addHook('onRequest', async (req) => {
    // Who may sign in and what they see follow the organisation of the moment (web/live-org.ts).
    await deps.org.refresh();
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ')) {
      const bearer = auth.slice('Bearer '.length).trim();
      if (config.API_TOKEN !== undefined && constantTimeEqual(bearer, config.API_TOKEN)) {
        req.principal = { email: 'api-token', role: 'office', posts: [deps.org.current.officeId], scope: new Set() };
        return;
      }
      // A person's token serves programs: the API only, never the pages and their forms.
      if (!isApi(req)) return;
      req.principal = await personalToken(deps, bearer);
      if (!req.principal)
        throw new WebError(401, 'API 令牌无效', 'API 令牌无效、已过期或已撤销，或其持有人已不在组织名册中。');
      if (req.principal.token?.access === 'read' && req.method !== 'GET' && req.method !== 'HEAD')
        throw new WebError(403, '令牌只能读取', `令牌 ${req.principal.token.id} 只能读取，不能执行此操作。`);
      return;
    }
    const raw = req.cookies[SESSION_COOKIE];
    const unsigned = raw ? req.unsignCookie(raw) : undefined;
    const email = unsigned?.valid ? await deps.sessions.session(unsigned.value ?? undefined) : undefined;
    if (email) req.principal = principalFor(deps.org.current, email);
  });

  app.setErrorHandler((err, req, reply) => sendError(req, reply, err));
  app.setNotFoundHandler((req, reply) => sendError(req, reply, new WebError(404, '页面不存在', '没有这个页面。')));

  app.get('/static/app.css', (_req, reply) => reply.type('text/css; charset=utf-8').send(CSS));
  app.get('/', (req, reply) => reply.redirect(req.principal ? '/me' : '/login'));
  app.get('/healthz', () => ({ ok: true }));

  registerLinkRoutes(app, deps);
  registerSignInRoutes(app, deps);
  registerConsole(app, deps);
  registerConsoleOrg(app, deps);
  registerConsoleCalls(app, deps);
  registerConsoleStart(app, deps);
  registerApiTokenRoutes(app, deps);
  registerCalendarRoutes(app, deps);
  await registerGradeConsole(app, deps);
  await registerApi(app, deps);
  await registerGradeApi(app, deps);
  await registerExtensionApi(app, deps);
  return app;
}

/**
 * The person a personal token acts as, in the scope the organisation gives them now: a secretary
 * replaced in the organisation file loses what their tokens could see.
 */
async function personalToken(deps: WebDeps, bearer: string): Promise<Principal | undefined> {
  const t = await deps.apiTokens.verify(bearer);
  // A calendar feed's token is kept by calendar services: it reads the feed and nothing else.
  if (t?.access === 'calendar')
    throw new WebError(403, '令牌只能订阅日历', `令牌 ${t.id} 只用于订阅日历，不能调用 API。`);
  const p = t && principalFor(deps.org.current, t.email);
  return p && { ...p, token: { id: t.id, access: t.access } };
}

export function constantTimeEqual(a: string, b: string): boolean {
  // HMAC both sides so the comparison takes the same time whatever the lengths.
  const key = 'compare';
  const x = createHmac('sha256', key).update(a).digest();
  const y = createHmac('sha256', key).update(b).digest();
  return timingSafeEqual(x, y) && a.length === b.length;
}
