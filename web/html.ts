/**
 * HTML for people: a tagged template that escapes every value unless it is already `Html`,
 * and the page frame (zh-CN, phone-first, one stylesheet, no script: the CSP allows none).
 */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const escapeText = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

type Value = string | number | Html | undefined | null | false | Value[];

function render(v: Value): string {
  if (v === undefined || v === null || v === false) return '';
  if (Array.isArray(v)) return v.map(render).join('');
  if (v instanceof Html) return v.text;
  return escapeText(String(v));
}

export function html(strings: TemplateStringsArray, ...values: Value[]): Html {
  let out = strings[0]!;
  values.forEach((v, i) => (out += render(v) + strings[i + 1]!));
  return new Html(out);
}

export function page(title: string, body: Html, opts: { signedIn?: boolean } = {}): string {
  return `<!doctype html>
${
  html`<html lang="zh-CN">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>${title}</title>
      <link rel="stylesheet" href="/static/app.css" />
    </head>
    <body>
      <header class="top">
        <a href="/me">创先争优活动报送</a
        >${opts.signedIn ? html`<a class="right" href="/me">我的待办</a>` : html`<a class="right" href="/login">登录</a>`}
      </header>
      <main>${body}</main>
    </body>
  </html>`.text
}`;
}

/** The 督办 colours as offices name them. */
/** The cycle a person reads beside a title (2010-Q3): a review's is its report's; a one-off obligation has none. */
export const cycleShown = (cycleKey: string): string => {
  const cycle = cycleKey.split(':')[0]!;
  return cycle === 'once' ? '' : cycle;
};

export const STATE_LABEL: Record<string, string> = {
  green: '绿色（正常）',
  blue: '蓝色（即将截止）',
  yellow: '黄色（已逾期）',
  red: '红色（已督办）',
  closed: '已关闭',
};

export function errorPage(title: string, message: string): string {
  return page(
    title,
    html`<section class="card error">
      <h1>${title}</h1>
      <p>${message}</p>
    </section>`,
  );
}
