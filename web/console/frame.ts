/**
 * The console's page frame and its words: Chinese first, English by a switch (a cookie set by
 * `/console/lang/:lang`), instants in the campaign's zone with the weekday, a skip link and one
 * navigation for the keyboard. No script; the stylesheet is the service's one file.
 */
import type { FastifyRequest } from 'fastify';
import { formatInstant } from '../../domain/format';
import type { Principal } from '../access';
import { html, type Html } from '../html';
import type { Lang } from './model';

export const LANG_COOKIE = 'lang';

/** The language a person chose by the switch; Chinese unless they chose English. */
export const langOf = (req: FastifyRequest): Lang => (req.cookies[LANG_COOKIE] === 'en' ? 'en' : 'zh');

/** One phrase in both languages: `t(lang)('活动', 'Campaigns')`. */
export const tr =
  (lang: Lang) =>
  (zh: string, en: string): string =>
    lang === 'en' ? en : zh;

export const when = (iso: string | null | undefined, zone: string, lang: Lang): string =>
  iso ? `${formatInstant(iso, zone, lang)}${lang === 'en' ? ' (China time)' : ''}` : '—';

export const COLOUR_LABEL: Record<string, { zh: string; en: string }> = {
  green: { zh: '绿色（正常）', en: 'green (on track)' },
  blue: { zh: '蓝色（即将截止）', en: 'blue (due soon)' },
  yellow: { zh: '黄色（已逾期）', en: 'yellow (overdue)' },
  red: { zh: '红色（已督办/整改）', en: 'red (escalated / rectification)' },
  grey: { zh: '灰色（已免报）', en: 'grey (waived)' },
  missing: { zh: '× 未报送', en: '× never submitted' },
};

export interface FrameOptions {
  lang: Lang;
  principal: Principal;
  /** The path of this page, for the language switch to come back to. */
  path: string;
  campaignId?: string;
  /** MAIL_URL is an outbox (`outbox:`): only then is there an outbox page to link to (else it answers 404). */
  outbox?: boolean;
}

export function consolePage(title: string, body: Html, o: FrameOptions): string {
  const t = tr(o.lang);
  const other: Lang = o.lang === 'en' ? 'zh' : 'en';
  const back = encodeURIComponent(o.path);
  const c = o.campaignId ? encodeURIComponent(o.campaignId) : undefined;
  return `<!doctype html>
${
  html`<html lang="${o.lang === 'en' ? 'en' : 'zh-CN'}">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>${title} · ${t('创先争优活动办公室', 'Campaign office')}</title>
      <link rel="stylesheet" href="/static/app.css" />
    </head>
    <body class="console">
      <a class="skip" href="#main">${t('跳到正文', 'Skip to content')}</a>
      <header class="top">
        <nav aria-label="${t('主导航', 'Main')}">
          <a href="/console">${t('全部活动', 'Campaigns')}</a>
          ${
            c
              ? html`<a href="/console/${c}">${t('活动总览', 'Dashboard')}</a>
                  <a href="/console/${c}/heatmap">${t('督办热力图', 'Heatmap')}</a>
                  ${
                    o.principal.role === 'branch'
                      ? ''
                      : html`<a href="/console/${c}/calls">${t('电话催办', 'Calls')}</a>`
                  }`
              : ''
          }
          ${o.principal.role === 'office' && o.outbox ? html`<a href="/console/outbox">${t('发件箱', 'Outbox')}</a>` : ''}
          <a href="/me">${t('我的待办', 'My deadlines')}</a>
          <a href="/console/tokens">${t('API 令牌', 'API tokens')}</a>
          <a href="/console/lang/${other}?back=${back}" lang="${other === 'en' ? 'en' : 'zh-CN'}"
            >${other === 'en' ? 'English' : '中文'}</a
          >
        </nav>
      </header>
      <main id="main" class="wide">
        <h1>${title}</h1>
        <p class="hint">${o.principal.email} · ${roleText(o.principal, o.lang)}</p>
        ${body}
      </main>
    </body>
  </html>`.text
}`;
}

export function roleText(p: Principal, lang: Lang): string {
  const t = tr(lang);
  if (p.role === 'office') return t('活动办公室（全部单位）', 'campaign office (every unit)');
  if (p.role === 'committee') return t('党委书记（本党委及所属支部）', "committee secretary (own committee's units)");
  return t('支部（本支部）', 'branch (own branch)');
}

/** A colour swatch with its words (never colour alone). */
export function swatch(colour: string, lang: Lang, text?: string): Html {
  const l = COLOUR_LABEL[colour];
  return html`<span class="swatch h-${colour}">${text ?? (l ? l[lang] : colour)}</span>`;
}
