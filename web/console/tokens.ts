/**
 * The API tokens page (`/console/tokens`): a person's own tokens with the form that makes one,
 * the token just made (shown this once), and for the office everybody's tokens, each with a
 * button that revokes it.
 */
import type { ApiTokenInfo } from '../../ledger/api-tokens';
import { html, type Html } from '../html';
import { tr, when } from './frame';
import type { Lang } from './model';

export const TOKEN_DAYS = [30, 90, 180, 365] as const;
export const DEFAULT_TOKEN_DAYS = 90;
const ZONE = 'Asia/Shanghai';

export interface TokensView {
  lang: Lang;
  csrf: string;
  baseUrl: string;
  now: number;
  own: ApiTokenInfo[];
  /** Everybody else's, for the office; undefined for anyone else. */
  others?: ApiTokenInfo[];
  /** The token just made: its secret is shown here and nowhere else, ever. */
  created?: { token: string; info: ApiTokenInfo };
  /** The token just revoked. */
  revoked?: ApiTokenInfo;
}

function stateOf(t: ApiTokenInfo, now: number, lang: Lang): Html {
  const tt = tr(lang);
  if (t.revokedAt !== null)
    return html`<span class="late"
      >${tt('已撤销', 'revoked')} · ${when(t.revokedAt, ZONE, lang)} · ${t.revokedBy ?? ''}</span
    >`;
  if (Date.parse(t.expiresAt) <= now) return html`<span class="late">${tt('已过期', 'expired')}</span>`;
  return html`<span class="ok">${tt('有效', 'live')}</span>`;
}

const ACCESS_TEXT: Record<ApiTokenInfo['access'], [string, string]> = {
  read: ['只读', 'read only'],
  write: ['读写', 'read and write'],
  calendar: ['日历订阅', 'calendar feed'],
};
const accessText = (a: ApiTokenInfo['access'], lang: Lang): string => tr(lang)(...ACCESS_TEXT[a]);

/** One card per token: a table of nine columns does not fit a phone. */
function tokenList(list: ApiTokenInfo[], v: TokensView, withOwner: boolean): Html {
  const t = tr(v.lang);
  if (list.length === 0) return html`<p>${t('没有令牌。', 'No tokens.')}</p>`;
  return html`<ul class="tokens">
    ${list.map(
      (x) =>
        html`<li>
          <p><strong>${x.name}</strong> · ${accessText(x.access, v.lang)} · ${stateOf(x, v.now, v.lang)}</p>
          <dl>
            ${
              withOwner
                ? html`<dt>${t('持有人', 'Owner')}</dt>
                    <dd>${x.email}</dd>`
                : ''
            }
            <dt>${t('编号', 'Id')}</dt>
            <dd><code>${x.id}</code></dd>
            <dt>${t('创建于', 'Made')}</dt>
            <dd>${when(x.createdAt, ZONE, v.lang)}</dd>
            <dt>${t('有效期至', 'Expires')}</dt>
            <dd>${when(x.expiresAt, ZONE, v.lang)}</dd>
            <dt>${t('最近使用', 'Last used')}</dt>
            <dd>${x.lastUsedAt ? when(x.lastUsedAt, ZONE, v.lang) : t('从未使用', 'never')}</dd>
          </dl>
          ${
            x.revokedAt === null && Date.parse(x.expiresAt) > v.now
              ? html`<form
                  class="inline"
                  method="post"
                  action="/console/tokens/${x.id}/revoke"
                  enctype="multipart/form-data"
                >
                  <input type="hidden" name="_csrf" value="${v.csrf}" />
                  <button
                    type="submit"
                    aria-label="${t(`撤销令牌 ${x.name}（${x.id}）`, `Revoke ${x.name} (${x.id})`)}"
                  >
                    ${t('撤销', 'Revoke')}
                  </button>
                </form>`
              : ''
          }
        </li>`,
    )}
  </ul>`;
}

export function tokensBody(v: TokensView): Html {
  const t = tr(v.lang);
  const api = `${v.baseUrl.replace(/\/$/, '')}/api/v1`;
  return html`${
      v.created
        ? html`<section class="card" aria-labelledby="h-created">
            <h2 id="h-created" class="ok">${t('令牌已生成', 'Token made')}</h2>
            <p>
              ${t(
                '请立即复制并妥善保存：离开本页后将无法再次查看。令牌即您本人的身份，请勿发给他人或写入公开的文件。',
                'Copy it now and keep it safe: it is not shown again once you leave this page. The token acts as you; never share it or put it in a public file.',
              )}
            </p>
            <label for="new-token">${v.created.info.name} · ${accessText(v.created.info.access, v.lang)}</label>
            <textarea id="new-token" class="secret" readonly rows="2" autocomplete="off" spellcheck="false">
${v.created.token}</textarea>
            <p class="hint">${t('用法示例：', 'For example:')}</p>
            <pre class="report">curl -H "Authorization: Bearer ${v.created.token}" ${api}/campaigns</pre>
          </section>`
        : ''
    }
    ${
      v.revoked
        ? html`<p class="ok" role="status">
            ${t(`令牌 ${v.revoked.name}（${v.revoked.id}）已撤销。`, `Token ${v.revoked.name} (${v.revoked.id}) revoked.`)}
          </p>`
        : ''
    }
    <section class="card">
      <h2>${t('生成新令牌', 'Make a token')}</h2>
      <p>
        ${t(
          '程序（数据看板、表格导入等）可凭令牌调用 JSON API，以您本人的身份、在您的权限范围内读取或报送；令牌不能打开网页。',
          'A program (a dashboard, a spreadsheet import) can call the JSON API with a token, as you and within what you may see; a token opens no page.',
        )}
        <a href="/api/v1/openapi.json">${t('API 说明（OpenAPI）', 'The API (OpenAPI)')}</a>
      </p>
      <form method="post" action="/console/tokens" enctype="multipart/form-data">
        <input type="hidden" name="_csrf" value="${v.csrf}" />
        <label for="name">${t('名称（用于识别用途）', 'Name (what it is for)')}</label>
        <input id="name" name="name" type="text" required maxlength="60" />
        <fieldset>
          <legend>${t('权限', 'Access')}</legend>
          <p>
            <input type="radio" id="access-read" name="access" value="read" checked />
            <label for="access-read"
              >${t('只读（查询活动、事项和报表）', 'read only (campaigns, deadlines, reports)')}</label
            >
          </p>
          <p>
            <input type="radio" id="access-write" name="access" value="write" />
            <label for="access-write"
              >${t('读写（还可报送、点评，以及您有权执行的操作）', 'read and write (also submit, review and what else you may do)')}</label
            >
          </p>
        </fieldset>
        <label for="days">${t('有效期', 'Valid for')}</label>
        <select id="days" name="days">
          ${TOKEN_DAYS.map(
            (d) =>
              html`<option value="${String(d)}" ${d === DEFAULT_TOKEN_DAYS ? 'selected' : ''}>
                ${t(`${d} 天`, `${d} days`)}
              </option>`,
          )}
        </select>
        <button type="submit">${t('生成令牌', 'Make a token')}</button>
      </form>
    </section>
    <section class="card">
      <h2>${t('我的令牌', 'My tokens')}</h2>
      ${tokenList(v.own, v, false)}
    </section>
    ${
      v.others
        ? html`<section class="card">
            <h2>${t('其他人员的令牌', "Other people's tokens")}</h2>
            ${tokenList(v.others, v, true)}
          </section>`
        : ''
    }`;
}
