/**
 * A person's deadlines in their phone's calendar: `/me` makes a feed address (`POST /calendar`,
 * signed in, shown this once), and `GET /calendar/<token>.ics` answers the feed
 * (web/calendar-feed.ts) to whoever holds the address, as a calendar service fetching it for the
 * phone does. The address holds a token of the person's that serves this feed alone (an API token
 * of `calendar` access, ledger/api-tokens.ts): it lasts a year, is listed and revoked on the
 * tokens page with the person's other tokens, and the person is mailed when one is made. The feed
 * is the person's scope as the organisation gives it at each fetch: a secretary replaced in the
 * roster gets an empty answer (404) from the next fetch on.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ApiTokenRefused } from '../../ledger/api-tokens';
import { formatInstant } from '../../domain/format';
import { principalFor, type Principal } from '../access';
import { calendarFeed, type FeedEntry } from '../calendar-feed';
import { runningCampaigns } from '../../client/campaigns';
import { cyclesOf } from '../../domain/calendar';
import { deadlineWorkflowId } from '../../domain/engine/context';
import { responsibleUnits } from '../../domain/org-slice';
import type { WebDeps } from '../context';
import { forbidden, WebError } from '../errors';
import { htmlReply } from '../forms';
import { cycleShown, html, page } from '../html';
import { openDeadlinesFor } from './sign-in';
import { planOf } from '../console/model';

/** How long a feed address lasts: a school year and a little more; a new one is made in a click. */
export const CALENDAR_TOKEN_DAYS = 365;
const FEED_FILE = z.object({ file: z.string().regex(/^cpt_[0-9a-f]{12}_[A-Za-z0-9_-]{43}\.ics$/) });
// Addresses that open no feed, from one client: probing. A genuine one is not counted, since a
// calendar service fetches the feeds of many people from the same few addresses.
const FEED_FAILURES = { max: 20, timeWindow: '10 minutes' };
const ZONE = 'Asia/Shanghai';
/** How far ahead the feed shows the cycles to come: a year of the campaign's plan time. */
const PLANNED_AHEAD_MS = 366 * 86_400_000;

export function registerCalendarRoutes(app: FastifyInstance, deps: WebDeps): void {
  const { apiTokens, config, org } = deps;
  const base = config.BASE_URL.replace(/\/$/, '');
  const feedNotFound = () => new WebError(404, '没有这个日历', '日历订阅地址无效、已过期或已撤销。');

  /** The person signed in, as the organisation names them now (not the service's own API_TOKEN). */
  function person(req: FastifyRequest): Principal {
    const p = req.principal;
    if (!p) throw new WebError(401, '请先登录', '请先登录后再订阅日历。');
    if (!principalFor(org.current, p.email)) throw forbidden('日历订阅属于组织名册中的个人，请用本人邮箱登录。');
    return p;
  }

  app.post('/calendar', { preHandler: app.csrfProtection.bind(app) }, async (req, reply) => {
    const p = person(req);
    let made;
    try {
      made = await apiTokens.create({
        email: p.email,
        name: '日历订阅',
        access: 'calendar',
        days: CALENDAR_TOKEN_DAYS,
      });
    } catch (err) {
      if (err instanceof ApiTokenRefused) throw new WebError(409, '令牌过多', err.message);
      throw err;
    }
    const feed = `${base}/calendar/${made.token}.ics`;
    const webcal = feed.replace(/^https?:/, 'webcal:');
    // Mailed without the address: a copy of the mail must not subscribe anyone.
    void deps.signInMail
      .send({
        to: p.email,
        subject: '【创先争优活动】新的日历订阅地址已生成',
        text: `您刚刚生成了一个日历订阅地址（编号 ${made.info.id}，有效期至 ${formatInstant(made.info.expiresAt, ZONE, 'zh')}）。\n\n如果不是您本人操作，请立即登录 ${base}/console/tokens 撤销它，并告知活动办公室。`,
      })
      .catch((err: unknown) => req.log.error({ code: (err as { code?: unknown }).code }, 'calendar mail not sent'));
    return htmlReply(
      reply,
      page(
        '订阅到手机日历',
        html`<section class="card" id="calendar">
          <h1>订阅到手机日历</h1>
          <p>
            在手机上点下面的链接，按提示“订阅”即可：您的待办会按截止时间出现在日历中，并提前一天提醒；办公室延期、新的周期开始，日历约一小时内随之更新，已报送或已关闭的事项自动移除。
          </p>
          <p><a href="${webcal}">在手机日历中订阅</a></p>
          <p>
            <label for="feed"
              >或复制订阅地址（iPhone：设置 → 日历 → 账户 → 添加账户 → 其他 → 添加已订阅的日历；安卓及电脑日历：添加日历
              → 通过网址）：</label
            >
          </p>
          <textarea id="feed" class="secret" readonly rows="3" autocomplete="off" spellcheck="false">${feed}</textarea>
          <p class="hint">
            地址只显示这一次（编号 ${made.info.id}，有效期至
            ${formatInstant(made.info.expiresAt, ZONE, 'zh')}）。持有地址的人都能看到您的待办，请勿转发；不再使用或担心泄露时，到
            <a href="/console/tokens">API 令牌</a> 页撤销它。
          </p>
          <p><a href="/me">返回我的待办</a></p>
        </section>`,
        { signedIn: true },
      ),
    );
  });

  /**
   * The cycles still to come of the units the person holds a post in (a committee secretary's own
   * committee, not every branch under it; the office's own obligations), within the next year of
   * each campaign's plan time: what the plan gives now, each as the deadline it will open.
   */
  async function plannedFor(p: Principal, running: readonly string[]): Promise<FeedEntry[]> {
    const out: FeedEntry[] = [];
    for (const campaignId of running) {
      const { plan } = await planOf(deps.campaigns, campaignId);
      if (!plan) continue;
      const [status, dir] = await Promise.all([
        deps.campaigns.status(campaignId),
        deps.campaigns.directoryWithoutUnits(campaignId),
      ]);
      const from = Date.parse(status.now);
      const to = from + PLANNED_AHEAD_MS;
      const launched = new Set(dir.launched);
      for (const o of plan.obligations) {
        const mine = responsibleUnits(org.current, o).filter((u) => p.posts.includes(u));
        if (mine.length === 0) continue;
        for (const cy of cyclesOf(plan, o, status.phases)) {
          const due = Date.parse(cy.dueAt);
          if (launched.has(`${o.key}/${cy.cycleKey}`) || due <= from || due > to) continue;
          for (const unitId of mine)
            out.push({
              deadlineId: deadlineWorkflowId(campaignId, o.key, cy.cycleKey, unitId),
              title: o.title,
              unitName: org.current.units[unitId]?.name ?? unitId,
              cycle: cycleShown(cy.cycleKey),
              dueAt: cy.dueAt,
              state: 'planned',
              url: `${base}/me`,
              planned: true,
            });
        }
      }
    }
    return out.sort((a, b) => a.dueAt.localeCompare(b.dueAt));
  }

  /** The person whose feed the request's address is: a live calendar token of someone the roster names now. */
  async function feedOwner(req: FastifyRequest): Promise<Principal | undefined> {
    const parsed = FEED_FILE.safeParse(req.params);
    if (!parsed.success) return undefined;
    const t = await apiTokens.verify(parsed.data.file.slice(0, -'.ics'.length));
    // Only a calendar token opens a feed: a program's token is never to sit in a calendar service.
    return t?.access === 'calendar' ? principalFor(org.current, t.email) : undefined;
  }

  app.get<{ Params: z.infer<typeof FEED_FILE> }>(
    '/calendar/:file',
    { config: { rateLimit: { ...FEED_FAILURES, allowList: async (req) => (await feedOwner(req)) !== undefined } } },
    async (req, reply) => {
      const p = await feedOwner(req);
      if (!p) throw feedNotFound();
      // What is still to do: a report handed in (its workflow waits on for the leader's review) is not.
      // Asked of Temporal once a fetch: the open deadlines and the cycles to come are of the same campaigns.
      const running = await runningCampaigns(deps.campaigns.client);
      const rows = (await openDeadlinesFor(deps, p, running)).filter((r) => r.status.state !== 'closed');
      const entries = rows.map((r) => ({
        deadlineId: r.status.deadlineId,
        title: r.title,
        unitName: org.current.units[r.unitId]?.name ?? r.unitId,
        cycle: cycleShown(r.status.cycleKey),
        dueAt: r.status.dueAt,
        state: r.status.state,
        url: `${base}/s/${r.token}`,
      }));
      const open = new Set(entries.map((e) => e.deadlineId));
      const planned = (await plannedFor(p, running)).filter((e) => !open.has(e.deadlineId));
      return reply
        .type('text/calendar; charset=utf-8')
        .header('Cache-Control', 'no-store')
        .header('Content-Disposition', 'inline; filename="my-deadlines.ics"')
        .send(calendarFeed([...entries, ...planned], new Date().toISOString(), new URL(base).hostname));
    },
  );
}
