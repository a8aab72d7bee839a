/**
 * Sign-in by mailed link: `/login` takes an address and answers the same whether the
 * organisation knows it or not; a known address gets a link valid 15 minutes, used once, by
 * a button (mail scanners that open links do not use it up). The session cookie is httpOnly,
 * SameSite=Lax, and Secure when BASE_URL is https. `/me` lists the person's open deadlines, and
 * offers them to the phone's calendar (web/routes/calendar.ts).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { runningCampaigns } from '../../client/campaigns';
import { formatInstant } from '../../domain/format';
import type { DeadlineStatus } from '../../workflows/messages';
import { canSee, principalFor, type Principal } from '../access';
import { secureCookies } from '../config';
import { cycleShown, html, page, STATE_LABEL } from '../html';
import { signLink } from '../links';
import { SESSION_COOKIE, type WebDeps } from '../context';
import { formField, htmlReply } from '../forms';

const LOGIN_LIMIT = { max: 5, timeWindow: '1 minute' };
const Email = z.email().max(254);

export interface OpenDeadline {
  status: DeadlineStatus;
  /** The unit whose report it is (for a review, the reviewed unit). */
  unitId: string;
  token: string;
  /** The obligation's title as the plan names it (a review's: its report's, with 点评). */
  title: string;
}

/** The open deadlines a person may see, across the running campaigns, each with its signed link. */
export async function openDeadlinesFor(
  deps: WebDeps,
  p: Principal,
  /** The running campaigns, when the caller has asked Temporal for them already. */
  running?: readonly string[],
): Promise<OpenDeadline[]> {
  const out: OpenDeadline[] = [];
  for (const campaignId of running ?? (await runningCampaigns(deps.campaigns.client))) {
    const titles = new Map((await deps.campaigns.directory(campaignId)).obligations.map((o) => [o.key, o.title]));
    const filters =
      p.role === 'office'
        ? [{}]
        : p.posts.map((id) => (deps.org.current.units[id]?.level === 'committee' ? { committee: id } : { unit: id }));
    const seen = new Set<string>();
    for (const f of filters) {
      for (const s of await deps.campaigns.list(campaignId, f)) {
        if (seen.has(s.deadlineId)) continue;
        seen.add(s.deadlineId);
        const unitId = s.deadlineId.split('/').pop()!;
        if (!canSee(p, unitId)) continue;
        const review = s.role === 'review';
        const reportKey = review ? s.obligationKey.replace(/\.review$/, '') : s.obligationKey;
        const title = `${titles.get(reportKey) ?? reportKey}${review ? '点评' : ''}`;
        const token = signLink(deps.config.LINK_SECRET, {
          campaignId,
          obligationKey: reportKey,
          cycleKey: s.cycleKey.split(':')[0]!,
          unitId,
          purpose: review ? 'review' : 'submit',
        });
        out.push({ status: s, unitId, token, title });
      }
    }
  }
  return out.sort((a, b) => a.status.dueAt.localeCompare(b.status.dueAt) || a.unitId.localeCompare(b.unitId));
}

export function registerSignInRoutes(app: FastifyInstance, deps: WebDeps): void {
  const { config, org } = deps;

  app.get('/login', (_req, reply) =>
    htmlReply(
      reply,
      page(
        '登录',
        html`<section class="card">
          <h1>用邮箱登录</h1>
          <p class="hint">请输入组织名册中登记的邮箱，我们会发送一个15分钟内有效、只能使用一次的登录链接。</p>
          <form method="post" action="/login" enctype="multipart/form-data">
            <input type="hidden" name="_csrf" value="${reply.generateCsrf()}" />
            <label for="email" class="hint">邮箱</label>
            <input id="email" type="email" name="email" required autocomplete="email" />
            <button type="submit">发送登录链接</button>
          </form>
        </section>`,
      ),
    ),
  );

  app.post(
    '/login',
    { config: { rateLimit: LOGIN_LIMIT }, preHandler: app.csrfProtection.bind(app) },
    async (req, reply) => {
      const parsed = Email.safeParse(formField(req.body, 'email'));
      if (parsed.success && principalFor(org.current, parsed.data)) {
        const email = parsed.data;
        // Not awaited: a known address must not answer later (the SMTP round trip) nor otherwise
        // (a mail failure) than an unknown one. A failure is logged without the link.
        void (async () => {
          const token = await deps.sessions.issueSignIn(email.toLowerCase());
          const url = `${config.BASE_URL.replace(/\/$/, '')}/login/${token}`;
          await deps.signInMail.send({
            to: email,
            subject: '【创先争优活动】登录链接',
            text: `请在15分钟内打开以下链接登录（只能使用一次）：\n${url}\n\n如果不是您本人操作，请忽略本邮件。`,
          });
        })().catch((err: unknown) =>
          req.log.error({ code: (err as { code?: unknown }).code }, 'sign-in mail not sent'),
        );
      }
      // The same answer for every address: the page does not tell who is in the organisation.
      return htmlReply(
        reply,
        page(
          '请查收邮件',
          html`<section class="card">
            <h1>请查收邮件</h1>
            <p>如果该邮箱已在组织名册中登记，登录链接已发送，15分钟内有效。</p>
          </section>`,
        ),
      );
    },
  );

  app.get<{ Params: { token: string } }>('/login/:token', async (req, reply) => {
    const ok = await deps.sessions.signInPending(req.params.token);
    return htmlReply(
      reply.code(ok ? 200 : 403),
      ok
        ? page(
            '确认登录',
            html`<section class="card">
              <h1>确认登录</h1>
              <form method="post" action="/login/${req.params.token}" enctype="multipart/form-data">
                <input type="hidden" name="_csrf" value="${reply.generateCsrf()}" />
                <button type="submit">登录</button>
              </form>
            </section>`,
          )
        : page(
            '链接已失效',
            html`<section class="card error">
              <h1>登录链接已失效</h1>
              <p>链接已使用过或已超过15分钟。<a href="/login">重新获取</a></p>
            </section>`,
          ),
    );
  });

  app.post<{ Params: { token: string } }>(
    '/login/:token',
    { config: { rateLimit: LOGIN_LIMIT, counts: 'sign-in' }, preHandler: app.csrfProtection.bind(app) },
    async (req, reply) => {
      const s = await deps.sessions.redeem(req.params.token);
      if (!s)
        return htmlReply(
          reply.code(403),
          page(
            '链接已失效',
            html`<section class="card error">
              <h1>登录链接已失效</h1>
              <p><a href="/login">重新获取</a></p>
            </section>`,
          ),
        );
      reply.setCookie(SESSION_COOKIE, s.sessionId, {
        signed: true,
        httpOnly: true,
        sameSite: 'lax',
        secure: secureCookies(config),
        path: '/',
        maxAge: config.SESSION_TTL_HOURS * 3600,
      });
      return reply.redirect('/me', 303);
    },
  );

  app.post('/logout', { preHandler: app.csrfProtection.bind(app) }, async (req, reply) => {
    const raw = req.cookies[SESSION_COOKIE];
    const unsigned = raw ? req.unsignCookie(raw) : undefined;
    if (unsigned?.valid) await deps.sessions.end(unsigned.value ?? undefined);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.redirect('/login', 303);
  });

  app.get('/me', async (req, reply) => {
    const p = req.principal;
    if (!p) return reply.redirect('/login', 303);
    const rows = await openDeadlinesFor(deps, p);
    const roleText = {
      office: '活动办公室（全部单位）',
      committee: '党委书记（本党委及所属支部）',
      branch: '支部（本支部）',
    }[p.role];
    const name = (id: string): string => org.current.units[id]?.name ?? id;
    const csrf = reply.generateCsrf();
    return htmlReply(
      reply,
      page(
        '我的待办',
        html`<section class="card">
            <h1>我的待办</h1>
            <p class="hint">${p.email} · ${roleText} · 共 ${rows.length} 项</p>
            <table>
              <thead>
                <tr>
                  <th>事项</th>
                  <th>单位</th>
                  <th>截止（北京时间）</th>
                  <th>状态</th>
                </tr>
              </thead>
              <tbody>
                ${rows.map(
                  (r) =>
                    html`<tr>
                      <td>
                        <a href="/s/${r.token}">${r.title}</a>
                        <span class="hint">${cycleShown(r.status.cycleKey)}</span>
                      </td>
                      <td>${name(r.unitId)}</td>
                      <td>${formatInstant(r.status.dueAt, 'Asia/Shanghai', 'zh')}</td>
                      <td>
                        <span class="state state-${r.status.state}"
                          >${STATE_LABEL[r.status.state] ?? r.status.state}</span
                        >
                      </td>
                    </tr>`,
                )}
              </tbody>
            </table>
          </section>
          <section class="card" id="subscribe">
            <h2>订阅到手机日历</h2>
            <p class="hint">
              待办按截止时间出现在手机日历中并提前一天提醒，延期和新的周期随之更新。订阅地址只显示一次，可在
              <a href="/console/tokens">API 令牌</a> 页撤销。
            </p>
            <form method="post" action="/calendar" enctype="multipart/form-data">
              <input type="hidden" name="_csrf" value="${csrf}" />
              <button type="submit">生成日历订阅地址</button>
            </form>
          </section>
          <section class="card">
            <form method="post" action="/logout" enctype="multipart/form-data">
              <input type="hidden" name="_csrf" value="${csrf}" /><button type="submit">退出登录</button>
            </form>
          </section>`,
        { signedIn: true },
      ),
    );
  });
}
