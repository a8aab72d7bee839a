/**
 * The console's pages as HTML: the campaigns, a campaign's dashboard, the heatmap, one
 * deadline's history, one unit's page. Server-rendered, no script: every link and form works
 * with the keyboard, and the tables reflow at 200 % zoom (they scroll inside their own box).
 */
import { formatDay, formatLateness } from '../../domain/format';
import { TOLD_INSTEAD_REASONS } from '../../domain/engine/mail-message';
import { REDELIVERY_DAYS } from '../../domain/engine/inputs';
import { START_VIA_NAMES, startModeNames, type CampaignStart } from '../../ledger/campaign-starts';
import { escalationLabel } from '../../ledger/audit';
import { extensionRequests } from '../../ledger/extension-requests';
import { RECTIFICATION_RANK } from '../../ledger/schema';
import type { DeadlineRow, LateReview, LedgerEvent, OpenRectification, UnitLag } from '../../ledger/types';
import type { CampaignStop } from '../../domain/engine/requests';
import { Html, html } from '../html';
import { COLOUR_LABEL, swatch, tr, when } from './frame';
import {
  cellOf,
  obligationTitle,
  officeRanks,
  organisationOf,
  soonMsOf,
  unitName,
  type CampaignContext,
  type Cell,
  type CellColour,
  type Heatmap,
  type HeatmapFilter,
  type Lang,
  type Period,
  type PhaseLine,
  type UnitOrder,
  type Upcoming,
} from './model';

const enc = encodeURIComponent;
const COLOURS: (CellColour | 'missing')[] = ['green', 'blue', 'yellow', 'red', 'grey', 'missing'];

export const lateText = (ms: number, lang: Lang): string =>
  ms <= 0 ? tr(lang)('按时', 'on time') : tr(lang)(`迟${formatLateness(ms, 'zh')}`, `${formatLateness(ms, 'en')} late`);

export function countsList(counts: Record<string, number>, lang: Lang): Html {
  return html`<ul class="counts">
    ${COLOURS.map((k) => html`<li>${swatch(k, lang)} <strong>${counts[k] ?? 0}</strong></li>`)}
  </ul>`;
}

// ---------- campaigns ----------

export interface CampaignLine {
  c: CampaignContext;
  phase: string;
  counts: Record<string, number>;
}

export function campaignsBody(lines: CampaignLine[], lang: Lang, office = false): Html {
  const t = tr(lang);
  // The office starts campaigns here too (web/routes/console-start.ts), as with `cli start`.
  const start = office
    ? html`<p>
        <a href="/console/new"
          >${t('发起新活动：选用随附方案或上传方案，先预览再启动', 'Start a campaign: a shipped plan or your own, previewed first')}</a
        >
      </p>`
    : '';
  if (lines.length === 0)
    return html`${start}
      <p>${t('台帐中还没有活动。', 'The ledger holds no campaign yet.')}</p>`;
  return html`${start}
    <div class="scroll">
      <table>
        <caption>
          ${t('台帐中的全部活动', 'Every campaign in the ledger')}
        </caption>
        <thead>
          <tr>
            <th scope="col">${t('活动', 'Campaign')}</th>
            <th scope="col">${t('方案', 'Plan')}</th>
            <th scope="col">${t('组织', 'Organisation')}</th>
            <th scope="col">${t('单位数', 'Units')}</th>
            <th scope="col">${t('当前阶段', 'Current phase')}</th>
            <th scope="col">${t('未关闭事项（按督办颜色）', 'Open deadlines by colour')}</th>
            <th scope="col">${t('下一时刻', 'Next instant')}</th>
          </tr>
        </thead>
        <tbody>
          ${lines.map(({ c, phase, counts }) => {
            const org = organisationOf(c);
            return html`<tr>
              <th scope="row"><a href="/console/${enc(c.campaignId)}">${c.title}</a></th>
              <td class="plan">
                ${
                  c.plan
                    ? html`${lang === 'en' ? (c.plan.titleEn ?? c.plan.title) : c.plan.title} <code>${c.plan.id}</code>`
                    : t('（已结束或不在引擎中，方案不可读）', '(finished or not in the engine: no plan)')
                }
              </td>
              <td class="org">
                ${org.name || '—'}${
                  org.version !== undefined ? html` · ${t(`第${org.version}版`, `version ${org.version}`)}` : ''
                }
              </td>
              <td>${c.units.length}</td>
              <td>
                ${
                  c.status?.stopped
                    ? html`<strong class="late">${t('已终止', 'Stopped')}</strong>
                        ${when(c.status.stopped.at, c.timeZone, lang)}`
                    : phase || '—'
                }
              </td>
              <td>${countsList(counts, lang)}</td>
              <td>${when(c.status?.nextAt, c.timeZone, lang)}</td>
            </tr>`;
          })}
        </tbody>
      </table>
    </div>`;
}

// ---------- dashboard ----------

export interface DashboardData {
  c: CampaignContext;
  timeline: PhaseLine[];
  upcoming: Upcoming[];
  counts: Record<string, number>;
  /** The first LIST_MAX of each list, and how many there are in all. */
  rectifications: OpenRectification[];
  rectificationTotal: number;
  reviewers: LateReview[];
  reviewerTotal: number;
  ranking: UnitLag[];
  periods: Period[];
  period: string;
  office: boolean;
  /** The units' requests for a correction still to decide (pendingCorrectionRequests). */
  requests: LedgerEvent[];
  /** The units' requests for more time still to decide (ledger/extension-requests.ts). */
  extensionRequests: LedgerEvent[];
  /** For the office: how many units have no usable address, how many addresses were refused for good, and how many are deferred now. */
  contactProblems?: { noAddress: number; refused: number; deferred: number };
  /** Who started the campaign and how, the latest start last (none for one started before starts were recorded). */
  starts: CampaignStart[];
  /** For the office while the campaign runs: whether its weekly digest is on, and the form's CSRF token. */
  digest?: { on: boolean; csrf: string };
}

/** The weekly digest's state, and the office's switch for it (a plain form: no script in the console). */
function digestCard(d: DashboardData, base: string, lang: Lang): Html | '' {
  if (!d.digest) return '';
  const t = tr(lang);
  const { on, csrf } = d.digest;
  return html`<section class="card" id="digest" aria-labelledby="h-digest">
    <h2 id="h-digest">${t('每周督办简报', 'Weekly digest')}</h2>
    <p>
      ${
        on
          ? t(
              '已开启：每周第一个工作日 8:30，向有逾期未报或7日内到期事项的各二级党委和活动办公室发送清单。',
              'On: at 08:30 on the first working day of each week, each committee with anything overdue or due within 7 days, and the office, are mailed the list.',
            )
          : t('未开启。', 'Off.')
      }
    </p>
    <form method="post" action="${base}/digest" enctype="multipart/form-data">
      <input type="hidden" name="_csrf" value="${csrf}" />
      <input type="hidden" name="digest" value="${on ? 'off' : 'on'}" />
      <button type="submit">${on ? t('停止发送', 'Turn it off') : t('开启每周督办简报', 'Turn it on')}</button>
    </form>
  </section>`;
}

/** Who started the campaign, when (by the wall clock) and from where; a rehearsal says so, with its speed. */
export function startedLine(starts: CampaignStart[], zone: string, lang: Lang): Html | '' {
  const s = starts.at(-1);
  if (!s) return '';
  const t = tr(lang);
  const mode = startModeNames(s)[lang];
  const via = START_VIA_NAMES[s.via];
  const earlier = starts.length - 1;
  return html`<p id="started-by">
    ${t('发起：', 'Started by ')}${s.by} · ${t(`经${via.zh}`, `from ${via.en}`)} · ${when(s.recordedAt, zone, lang)} ·
    ${mode}${
      earlier > 0
        ? html` ·
            <span class="hint"
              >${t(`此前曾启动 ${earlier} 次未成功`, `started ${earlier} time${earlier > 1 ? 's' : ''} before, failed`)}</span
            >`
        : ''
    }
  </p>`;
}

/** The office's warning that some of the roster's contacts get no mail, with the way to mend them. */
function contactWarning(d: DashboardData, base: string, lang: Lang): Html | string {
  const n = d.contactProblems;
  if (!n || n.noAddress + n.refused + n.deferred === 0) return '';
  const t = tr(lang);
  const parts = [
    n.noAddress > 0 ? t(`${n.noAddress} 个单位没有可用邮箱`, `${n.noAddress} units without an address`) : '',
    n.refused > 0 ? t(`${n.refused} 个邮箱被退信`, `${n.refused} addresses refused by the mail server`) : '',
    n.deferred > 0 ? t(`${n.deferred} 个邮箱暂缓投递、正在重投`, `${n.deferred} addresses deferred, asked again`) : '',
  ].filter((x) => x !== '');
  return html`<p class="late" id="contact-warning">
    ${t('通讯录待补正：', 'Contacts to mend: ')}${parts.join(t('，', ', '))}${t('。', '.')}
    <a href="${base}/org#problems">${t('查看并补正', 'See and mend them')}</a>
  </p>`;
}

const STEP_ZH: Record<string, string> = {
  notice: '报送通知',
  reminder: '提醒',
  due: '截止',
  escalation: '督办',
  rectification: '限期整改',
};
const STEP_EN: Record<string, string> = {
  notice: 'notice',
  reminder: 'reminder',
  due: 'due',
  escalation: 'escalation',
  rectification: 'rectification order',
};
export const stepText = (step: string, lang: Lang): string => {
  const base = step.replace(/~.*$/, '');
  const m = /^(notice|reminder|due|escalation|rectification)(?:-(\d+))?/.exec(base);
  if (!m) return step;
  const word = (lang === 'en' ? STEP_EN : STEP_ZH)[m[1]!]!;
  const named = !m[2]
    ? word
    : lang === 'en'
      ? `${word} ${m[2]}`
      : m[1] === 'reminder'
        ? `第${m[2]}次提醒`
        : `第${m[2]}级督办`;
  // The step's mail went to the unit's parent in its stead (refused, or never taken in three days).
  return base.endsWith(':to-parent')
    ? `${named}${lang === 'en' ? ', to the committee above instead' : '（改发上级转告）'}`
    : named;
};

/** The dashboard lists the first of each list (the most urgent); the download holds them all. */
export const LIST_MAX = 20;

function shown(n: number, csv: string, lang: Lang): Html | '' {
  if (n <= LIST_MAX) return '';
  const t = tr(lang);
  return html`<p class="hint">
    ${t(`共 ${n} 项，以下为最早的 ${LIST_MAX} 项；`, `${n} in all, the first ${LIST_MAX} below; `)}<a href="${csv}"
      >${t('下载全部（CSV）', 'download them all (CSV)')}</a
    >
  </p>`;
}

/** Open rectification orders, the earliest first (with the unit's name and link on the dashboard). */
function rectificationList(
  rows: OpenRectification[],
  total: number,
  c: CampaignContext,
  lang: Lang,
  withUnit: boolean,
): Html {
  const t = tr(lang);
  const base = `/console/${enc(c.campaignId)}`;
  if (rows.length === 0) return html`<p>${t('无', 'None')}</p>`;
  return html`${shown(total, `${base}/reports/rectifications.csv`, lang)}
    <ul class="plain">
      ${rows
        .slice(0, LIST_MAX)
        .map(
          (r) =>
            html`<li>
              ${withUnit ? html`<a href="${base}/u/${enc(r.unitId)}">${r.unitName}</a> ·` : ''}
              ${obligationTitle(c, r.obligationKey, lang)} ${r.cycleKey} · ${t('整改期限', 'order due')}
              ${when(r.rectificationDeadline, c.timeZone, lang)}
              ${r.overdue ? html`<strong class="late">${t('已逾期', 'overdue')}</strong>` : ''}
            </li>`,
        )}
    </ul>`;
}

/** A campaign the office stopped: when, by whom and why, and what became of what was open. */
function stoppedCard(stopped: CampaignStop | undefined, z: string, lang: Lang): Html | string {
  if (!stopped) return '';
  const t = tr(lang);
  return html`<section class="card stopped" id="stopped" role="status">
    <h2>${t('活动已终止', 'The campaign is stopped')}</h2>
    <p>${when(stopped.at, z, lang)} · ${stopped.by} · ${t('理由', 'reason')}：${stopped.reason}</p>
    <p>
      ${t(
        '终止时尚未报送的事项一律免报，各单位已收到通知；已报送的材料和台帐记录予以保存。',
        'What was open at the stop is waived and every unit was mailed; what was handed in and the ledger are kept.',
      )}
    </p>
  </section>`;
}

export function dashboardBody(d: DashboardData, lang: Lang): Html {
  const t = tr(lang);
  const { c } = d;
  const z = c.timeZone;
  const base = `/console/${enc(c.campaignId)}`;
  return html`
    ${
      c.status
        ? html`<p>${t('计划时间：', 'Plan time: ')}${when(c.now, z, lang)}</p>`
        : html`<p id="from-ledger">
            ${t(
              '引擎中已没有这项活动的运行（已结束并过了保存期限，或已被删除）；以下据台帐显示。',
              'The engine no longer holds this campaign (it ended and its retention passed, or it was deleted); what follows is from the ledger.',
            )}
          </p>`
    }
    ${startedLine(d.starts, z, lang)} ${stoppedCard(c.status?.stopped, z, lang)} ${digestCard(d, base, lang)}
    <section class="card" aria-labelledby="h-phases">
      <h2 id="h-phases">${t('阶段', 'Phases')}</h2>
      <ol class="timeline">
        ${d.timeline.map(
          (p) =>
            html`<li class="phase-${p.state}">
              <strong>${p.name}</strong>
              <span class="hint"
                >${{ past: t('已结束', 'past'), current: t('进行中', 'current'), future: t('未开始', 'future') }[p.state]}</span
              >
              <br />${when(p.startAt, z, lang)} —
              ${p.endAt ? when(p.endAt, z, lang) : t('由党委决定结束', 'ended by the committee')}
              ${p.changes.map(
                (ch) =>
                  html`<p class="manual">
                    ${ch.action === 'ended' ? t('手动结束', 'Ended by hand') : t('手动开始', 'Started by hand')}：${ch.by}
                    · ${when(ch.at, z, lang)} · ${t('理由', 'reason')}：${ch.reason}
                  </p>`,
              )}
            </li>`,
        )}
      </ol>
      ${
        d.office && c.status && !c.status.completed && !c.status.stopped
          ? html`<p>
              <a class="button" href="${base}/advance">${t('进入下一阶段…', 'Advance to the next phase…')}</a>
              <a class="button" href="${base}/end-phase">${t('结束当前阶段…', 'End the running phase…')}</a>
              <a class="button" href="${base}/stop">${t('终止活动…', 'Stop the campaign…')}</a>
            </p>`
          : ''
      }
      ${contactWarning(d, base, lang)}
      ${
        d.office
          ? html`<p>
              <a href="${base}/org"
                >${t('组织名册与通讯录：收不到邮件的联系人、导入新名册…', 'Roster and contacts: who gets no mail, upload a new roster…')}</a
              >
            </p>`
          : ''
      }
      ${
        c.plan?.grading
          ? html`<p>
              <a href="${base}/grades">${t('分类定级：录入与查看等级…', 'Grading: enter and see the grades…')}</a>
            </p>`
          : ''
      }
    </section>
    <section class="card" aria-labelledby="h-counts">
      <h2 id="h-counts">${t('未关闭事项（按督办颜色）', 'Open deadlines by colour')}</h2>
      ${countsList(d.counts, lang)}
      <p><a href="${base}/heatmap">${t('查看督办热力图', 'Open the heatmap')}</a></p>
    </section>
    <section class="card" aria-labelledby="h-next">
      <h2 id="h-next">${t('未来两周的时刻', 'Instants of the coming two weeks')}</h2>
      ${
        d.upcoming.length === 0
          ? html`<p>${t('无', 'None')}</p>`
          : html`<div class="scroll">
              <table>
                <thead>
                  <tr>
                    <th scope="col">${t('时间', 'When')}</th>
                    <th scope="col">${t('事项', 'Obligation')}</th>
                    <th scope="col">${t('周期', 'Cycle')}</th>
                    <th scope="col">${t('步骤', 'Step')}</th>
                    <th scope="col">${t('涉及单位', 'Units')}</th>
                  </tr>
                </thead>
                <tbody>
                  ${d.upcoming.map(
                    (u) =>
                      html`<tr>
                        <td>${when(u.at, z, lang)}</td>
                        <td>${obligationTitle(c, u.obligationKey, lang)}</td>
                        <td>${u.cycleKey}</td>
                        <td>${stepText(u.step.step, lang)}</td>
                        <td>${u.units < 0 ? t('全部责任单位', 'every responsible unit') : u.units}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>
            </div>`
      }
    </section>
    <section class="card" aria-labelledby="h-rect">
      <h2 id="h-rect">${t('未完成的限期整改', 'Open rectification orders')}</h2>
      ${rectificationList(d.rectifications, d.rectificationTotal, c, lang, true)}
    </section>
    ${
      d.requests.length === 0
        ? ''
        : html`<section class="card" aria-labelledby="h-requests">
            <h2 id="h-requests">${t('待处理的更正申请', 'Correction requests to decide')}</h2>
            <ul class="plain">
              ${d.requests.map((e) => {
                const page = `${base}/o/${enc(e.obligationKey ?? '')}/${enc(e.cycleKey ?? '')}/${enc(e.unitId ?? '')}`;
                return html`<li>
                  <a href="${d.office ? `${page}/correct` : page}"
                    >${unitName(c, e.unitId)} · ${obligationTitle(c, e.obligationKey ?? '', lang)} ${e.cycleKey}</a
                  >
                  · ${when(e.at, z, lang)} · ${t('说明', 'why')}：${e.reason ?? ''}
                </li>`;
              })}
            </ul>
          </section>`
    }
    ${
      d.extensionRequests.length === 0
        ? ''
        : html`<section class="card" aria-labelledby="h-extension-requests">
            <h2 id="h-extension-requests">${t('待处理的延期申请', 'Extension requests to decide')}</h2>
            <ul class="plain">
              ${d.extensionRequests.map((e) => {
                const page = `${base}/o/${enc(e.obligationKey ?? '')}/${enc(e.cycleKey ?? '')}/${enc(e.unitId ?? '')}`;
                const until = typeof e.data?.until === 'string' ? e.data.until : undefined;
                return html`<li>
                  <a href="${page}#extension-asked"
                    >${unitName(c, e.unitId)} · ${obligationTitle(c, e.obligationKey ?? '', lang)} ${e.cycleKey}</a
                  >
                  · ${t('申请延至', 'until')} ${when(until, z, lang)} · ${t('理由', 'why')}：${e.reason ?? ''}
                </li>`;
              })}
            </ul>
          </section>`
    }
    <section class="card" aria-labelledby="h-rev">
      <h2 id="h-rev">${t('领导点评迟交、未交', 'Late and missing leader reviews')}</h2>
      ${shown(d.reviewerTotal, `${base}/reports/reviewers.csv`, lang)}
      ${
        d.reviewers.length === 0
          ? html`<p>${t('无', 'None')}</p>`
          : html`<ul class="plain">
              ${d.reviewers
                .slice(0, LIST_MAX)
                .map(
                  (r) =>
                    html`<li>
                      ${r.reviewerName} → ${r.reviewedUnitName} · ${obligationTitle(c, r.obligationKey, lang)}
                      ${r.cycleKey} · ${r.missing ? t('未点评', 'not given') : lateText(r.lateMs, lang)}
                      (${t('截止', 'due')} ${when(r.dueAt, z, lang)})
                    </li>`,
                )}
            </ul>`
      }
    </section>
    <section class="card" aria-labelledby="h-rank">
      <h2 id="h-rank">${t('滞后支部排名', 'Most lagging branches')}</h2>
      <form method="get" action="${base}" class="inline">
        <label for="period">${t('时段', 'Period')}</label>
        <select id="period" name="period">
          ${d.periods.map((p) => html`<option value="${p.key}" ${p.key === d.period ? html`selected` : ''}>${p.label}</option>`)}
        </select>
        <button type="submit">${t('查看', 'Show')}</button>
      </form>
      ${rankingTable(d.ranking, c, lang)}
      <p>
        ${t('下载', 'Download')}：
        <a href="${base}/reports/ranking.csv?period=${enc(d.period)}">CSV</a> ·
        <a href="${base}/reports/ranking.xlsx?period=${enc(d.period)}">Excel</a> ·
        <a href="${base}/audit.xlsx">${t('全部审计报表（Excel）', 'Whole audit (Excel)')}</a>
      </p>
    </section>
  `;
}

function rankingTable(rows: UnitLag[], c: CampaignContext, lang: Lang): Html {
  const t = tr(lang);
  if (rows.length === 0)
    return html`<p>${t('该时段没有迟交或未交的支部。', 'No branch was late or missing in this period.')}</p>`;
  return html`<div class="scroll">
    <table class="ranking">
      <thead>
        <tr>
          <th scope="col">${t('序号', 'No.')}</th>
          <th scope="col">${t('支部', 'Branch')}</th>
          <th scope="col">${t('所属党委', 'Committee')}</th>
          <th scope="col">${t('迟交', 'Late')}</th>
          <th scope="col">${t('未交', 'Missing')}</th>
          <th scope="col">${t('累计迟交', 'Total lateness')}</th>
          <th scope="col">${t('最高督办', 'Highest escalation')}</th>
        </tr>
      </thead>
      <tbody>
        ${rows.map(
          (r, i) =>
            html`<tr>
              <td>${i + 1}</td>
              <th scope="row"><a href="/console/${enc(c.campaignId)}/u/${enc(r.unitId)}">${r.unitName}</a></th>
              <td>${unitName(c, r.committeeId)}</td>
              <td>${r.late}</td>
              <td>${r.missing}</td>
              <td>${r.totalLateMs > 0 ? formatLateness(r.totalLateMs, lang) : '—'}</td>
              <td>${escalationLabel(r.highestEscalation, lang)}</td>
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

// ---------- heatmap ----------

const MARK: Record<CellColour, string> = { green: '✓', blue: '○', yellow: '!', red: '!!', grey: '–' };
/** The heatmap's cell classes, short: a 1,000 × 12 map has 12,000 of them (app.css gives them the colours of .h-*). */
const SHORT: Record<CellColour, string> = { green: 'hg', blue: 'hb', yellow: 'hy', red: 'hr', grey: 'hw' };

/** The words of a cell's hover (and its accessible name). */
export function cellText(cell: Cell, lang: Lang): string {
  const t = tr(lang);
  if (cell.colour === 'grey') return t('已免报', 'waived');
  if (cell.missing)
    return t(
      `未报送，已逾期${formatLateness(cell.lateMs, 'zh')}`,
      `never submitted, ${formatLateness(cell.lateMs, 'en')} overdue`,
    );
  if (cell.done)
    return cell.lateMs > 0
      ? t(`迟交${formatLateness(cell.lateMs, 'zh')}`, `${formatLateness(cell.lateMs, 'en')} late`)
      : t('按时', 'on time');
  return cell.colour === 'blue' ? t('即将截止', 'due soon') : t('未到期', 'not yet due');
}

export interface HeatmapPage {
  c: CampaignContext;
  map: Heatmap;
  filter: HeatmapFilter;
  committees: { id: string; name: string }[];
  kinds: string[];
  phases: { key: string; name: string }[];
}

/**
 * One row per unit, one column per cycle; each cell a link to the deadline's history (relative,
 * under `o/<obligation>/`, to keep a 1,000 × 12 map under a megabyte), its colour a class and
 * its words in `title` (the hover) and as the link's text for screen readers.
 */
export function heatmapBody(h: HeatmapPage, lang: Lang): Html {
  const t = tr(lang);
  const { c, map, filter } = h;
  const base = `/console/${enc(c.campaignId)}`;
  const sel = (v: string | undefined, x: string) => (v === x ? html`selected` : '');
  const query = new URLSearchParams(
    Object.entries({ ...filter, obligation: map.obligationKey }).filter((e): e is [string, string] => !!e[1]),
  ).toString();
  const rows: string[] = [];
  const cycles = map.cycles.map(enc);
  for (const g of map.groups) {
    rows.push(
      `<tbody><tr class="group"><th scope="rowgroup" colspan="${map.cycles.length + 1}">${html`${g.name}`.text}</th></tr>`,
    );
    for (const r of g.rows) {
      const unit = enc(r.unitId);
      // A cell's end tag is optional before the next cell or the row's end (HTML's parsing rules
      // close it): 60 KB of a 1,000 × 12 map, which must stay under 1 MB.
      const cells = r.cells.map((cell, i) => {
        if (!cell) return '<td>';
        const words = cellText(cell, lang);
        const mark = cell.missing ? '×' : MARK[cell.colour];
        return `<td class="${SHORT[cell.colour]}"><a href="${cycles[i]!}/${unit}" title="${words}">${mark}</a>`;
      });
      rows.push(
        `<tr><th scope="row"><a href="../../u/${enc(r.unitId)}">${html`${r.name}`.text}</a></th>${cells.join('')}</tr>`,
      );
    }
    rows.push('</tbody>');
  }
  const obTitle = obligationTitle(c, map.obligationKey, lang);
  return html` <form method="get" action="${base}/heatmap" class="filters">
      <label
        >${t('事项', 'Obligation')}
        <select name="obligation">
          ${map.obligations.map((k) => html`<option value="${k}" ${sel(map.obligationKey, k)}>${obligationTitle(c, k, lang)}</option>`)}
        </select></label
      >
      <label
        >${t('党委', 'Committee')}
        <select name="committee">
          <option value="">${t('全部', 'all')}</option>
          ${h.committees.map((x) => html`<option value="${x.id}" ${sel(filter.committee, x.id)}>${x.name}</option>`)}
        </select></label
      >
      <label
        >${t('支部类别', 'Branch kind')}
        <select name="kind">
          <option value="">${t('全部', 'all')}</option>
          ${h.kinds.map((k) => html`<option value="${k}" ${sel(filter.kind, k)}>${k}</option>`)}
        </select></label
      >
      <label
        >${t('阶段', 'Phase')}
        <select name="phase">
          <option value="">${t('全部', 'all')}</option>
          ${h.phases.map((p) => html`<option value="${p.key}" ${sel(filter.phase, p.key)}>${p.name}</option>`)}
        </select></label
      >
      <button type="submit">${t('筛选', 'Filter')}</button>
    </form>
    <p>
      ${t('计划时间：', 'Plan time: ')}${when(c.now, c.timeZone, lang)} ·
      <a href="${base}/heatmap.png?${query}">${t('下载 PNG 图', 'Download as PNG')}</a>
    </p>
    ${materialsForm(h, lang)}
    <div class="legend">${countsList(map.counts, lang)}</div>
    <div class="scroll heatmap-box">
      <table class="heatmap" id="heatmap">
        <caption>
          ${obTitle}：${t('各单位 × 各周期', 'units × cycles')}
        </caption>
        <thead>
          <tr>
            <th scope="col">${t('单位', 'Unit')}</th>
            ${map.cycles.map((k) => html`<th scope="col">${k}</th>`)}
          </tr>
        </thead>
        ${new Html(rows.join('\n'))}
      </table>
    </div>`;
}

/**
 * The ZIP of one cycle's reports and files (web/console/materials.ts), for the obligation and the
 * committee the map shows; the newest cycle with a deadline opened is chosen.
 */
function materialsForm(h: HeatmapPage, lang: Lang): Html {
  const t = tr(lang);
  const { c, map, filter } = h;
  if (map.cycles.length === 0) return html``;
  const opened = map.cycles.filter((_, i) => map.groups.some((g) => g.rows.some((r) => r.cells[i] !== undefined)));
  const chosen = opened[opened.length - 1] ?? map.cycles[map.cycles.length - 1];
  return html`<form method="get" action="/console/${enc(c.campaignId)}/materials.zip" class="filters">
    <input type="hidden" name="obligation" value="${map.obligationKey}" />
    ${filter.committee ? html`<input type="hidden" name="committee" value="${filter.committee}" />` : ''}
    <label
      >${t('周期', 'Cycle')}
      <select name="cycle">
        ${map.cycles.map((k) => html`<option value="${k}" ${k === chosen ? html`selected` : ''}>${k}</option>`)}
      </select></label
    >
    <button type="submit">${t('下载本期报送材料（ZIP）', "Download the cycle's materials (ZIP)")}</button>
  </form>`;
}

// ---------- one deadline ----------

const KIND_ZH: Record<string, string> = {
  'deadline-opened': '开始报送',
  'message-sent': '发送邮件',
  'message-failed': '邮件发送失败',
  submission: '报送',
  extension: '延期',
  waiver: '免报',
  escalated: '督办',
  'rectification-ordered': '限期整改',
  'review-comment': '点评',
  'deadline-closed': '关闭',
  'submission-corrected': '更正报送',
  'review-comment-corrected': '更正点评',
  'correction-requested': '申请更正',
  'correction-declined': '不予更正',
  'extension-requested': '申请延期',
  'extension-granted': '同意延期申请',
  'extension-declined': '不同意延期申请',
  'org-reimported': '更新通讯录',
  'campaign-started': '发起活动',
  'cycle-joined': '补充参加本期',
  'campaign-stopped': '终止活动',
  phoned: '电话催办',
};

const CALL_OUTCOME_TEXT: Record<string, [string, string]> = {
  reached: ['已接通', 'reached'],
  unreached: ['未接通', 'not reached'],
};

/** A call recorded (`phoned`), as a deadline's history and the calls page say it: the outcome, the promised day, the note. */
export function callText(e: LedgerEvent, lang: Lang): string[] {
  const t = tr(lang);
  const outcome = CALL_OUTCOME_TEXT[String(e.data?.outcome)];
  const parts = outcome ? [t(...outcome)] : [];
  if (typeof e.data?.promisedOn === 'string')
    parts.push(
      t(`承诺${formatDay(e.data.promisedOn, 'zh')}前报送`, `promised by ${formatDay(e.data.promisedOn, 'en')}`),
    );
  if (typeof e.data?.note === 'string' && e.data.note !== '')
    parts.push(`${t('记录', 'note')}${t('：', ': ')}${e.data.note}`);
  return parts;
}

/**
 * What the mail server made of a message, beyond those who took it (mail/index.ts): who it
 * refused for good and who only for now (asked again for three days), a redelivery, and the
 * server's answer to a message refused as a whole, so that the office sees why a unit may not
 * have heard.
 */
function deliveryText(e: LedgerEvent, lang: Lang): string[] {
  const t = tr(lang);
  const list = (v: unknown): string[] => (Array.isArray(v) ? v.filter((a): a is string => typeof a === 'string') : []);
  const colon = t('：', ': ');
  const parts: string[] = [];
  if (e.kind === 'message-sent') {
    if (e.data?.redelivery === true) parts.push(t('补投送达', 'redelivered'));
    const rejected = list(e.data?.rejected);
    const deferred = list(e.data?.deferred);
    if (rejected.length > 0) parts.push(`${t('被拒收', 'refused')}${colon}${rejected.join(', ')}`);
    if (deferred.length > 0)
      parts.push(`${t('暂缓投递，稍后重投', 'deferred, asked again')}${colon}${deferred.join(', ')}`);
  }
  if (e.kind === 'message-failed' && e.error) parts.push(`${t('原因', 'why')}${colon}${e.error}`);
  return parts;
}

/** The engine's own reasons for telling a unit's parent (kept in English in the ledger), in Chinese. */
const TOLD_INSTEAD_ZH: Record<string, string> = {
  [TOLD_INSTEAD_REASONS.rejected]: '邮件被拒收，已改发上级转告',
  [TOLD_INSTEAD_REASONS.unreachable]: '无可用邮箱，已改告上级',
  [TOLD_INSTEAD_REASONS.deferred]: `邮箱连续${REDELIVERY_DAYS}天未能接收，已改发上级转告`,
};

/** A reason as the reader reads it: the engine's own in Chinese, a person's as they wrote it. */
function reasonText(reason: string, lang: Lang): string {
  return lang === 'zh' ? (TOLD_INSTEAD_ZH[reason] ?? reason) : reason;
}

export function eventText(e: LedgerEvent, c: CampaignContext, lang: Lang): string {
  const t = tr(lang);
  const kind = lang === 'en' ? e.kind : (KIND_ZH[e.kind] ?? e.kind);
  const parts = [kind];
  if (e.step) parts.push(stepText(e.step, lang));
  if (e.kind === 'extension' && typeof e.data?.newDueAt === 'string')
    parts.push(`${t('新截止', 'new due')} ${when(e.data.newDueAt, c.timeZone, lang)}`);
  if (e.kind === 'extension' && e.dueAt && typeof e.data?.newDueAt !== 'string')
    parts.push(`${t('新截止', 'new due')} ${when(e.dueAt, c.timeZone, lang)}`);
  if (e.kind === 'extension-requested' && typeof e.data?.until === 'string')
    parts.push(`${t('申请延至', 'asked until')} ${when(e.data.until, c.timeZone, lang)}`);
  if (e.kind === 'extension-granted' && typeof e.data?.newDueAt === 'string')
    parts.push(`${t('新截止', 'new due')} ${when(e.data.newDueAt, c.timeZone, lang)}`);
  if (e.kind === 'submission' || e.kind === 'review-comment') parts.push(lateText(e.lateMs ?? 0, lang));
  if (e.kind === 'rectification-ordered' && typeof e.data?.deadline === 'string')
    parts.push(`${t('整改期限', 'order due')} ${when(e.data.deadline, c.timeZone, lang)}`);
  if (e.kind === 'deadline-closed' && typeof e.data?.outcome === 'string') parts.push(String(e.data.outcome));
  // A unit had join a cycle open already (a branch founded mid-quarter): by which roster.
  if (e.kind === 'cycle-joined' && typeof e.data?.orgVersion === 'number')
    parts.push(t(`按第 ${e.data.orgVersion} 版名册`, `roster version ${e.data.orgVersion}`));
  if (e.kind === 'phoned') parts.push(...callText(e, lang));
  if (e.recipients?.length) parts.push(`→ ${e.recipients.join(', ')}`);
  parts.push(...deliveryText(e, lang));
  if (e.actor) parts.push(`${t('经办', 'by')} ${e.actor}`);
  if (e.reason) parts.push(`${t('理由', 'reason')}${t('：', ': ')}${reasonText(e.reason, lang)}`);
  return parts.join(' · ');
}

export interface DeadlinePageData {
  c: CampaignContext;
  obligationKey: string;
  cycleKey: string;
  unitId: string;
  row?: DeadlineRow;
  events: LedgerEvent[];
  live?: { dueAt: string; state: string; nextStep?: { step: string; at: string }; extensions: number };
  workflowUrl?: string;
  office: boolean;
  csrf: string;
}

/**
 * A unit's request for more time that waits for the office: what it asks and why, and for the
 * office the two answers (the extend form filled from it, or a decline with a reason).
 */
function extensionAskedCard(asked: LedgerEvent, action: string, answer: boolean, c: CampaignContext, lang: Lang): Html {
  const t = tr(lang);
  const n = typeof asked.data?.request === 'number' ? String(asked.data.request) : '';
  const until = typeof asked.data?.until === 'string' ? asked.data.until : undefined;
  return html`<section class="card" id="extension-asked" aria-labelledby="h-extension-asked">
    <h2 id="h-extension-asked">${t('待处理的延期申请', 'Extension asked for')}</h2>
    <p>
      ${asked.actor ?? ''} · ${when(asked.at, c.timeZone, lang)} · ${t('申请延至', 'until')}
      <strong>${when(until, c.timeZone, lang)}</strong>
    </p>
    <p>${t('理由', 'Why')}${t('：', ': ')}${asked.reason ?? ''}</p>
    ${
      answer
        ? html`<p>
            <a class="button" href="${action}/extend?request=${n}">${t('同意延期…', 'Grant…')}</a>
            <a class="button" href="${action}/extension-decline?request=${n}">${t('不同意…', 'Decline…')}</a>
          </p>`
        : ''
    }
  </section>`;
}

export function deadlineBody(d: DeadlinePageData, lang: Lang): Html {
  const t = tr(lang);
  const { c } = d;
  const z = c.timeZone;
  const base = `/console/${enc(c.campaignId)}`;
  const rank = officeRanks(c.plan).get(d.obligationKey) ?? RECTIFICATION_RANK;
  const cell = d.row ? cellOf(d.row, Date.parse(c.now), rank, soonMsOf(c.plan, d.obligationKey)) : undefined;
  const action = `${base}/o/${enc(d.obligationKey)}/${enc(d.cycleKey)}/${enc(d.unitId)}`;
  const open = d.live !== undefined && d.live.state !== 'closed';
  // What came in can be corrected: a unit's report, or a leader's review comment.
  const reported = d.events.some((e) => e.kind === 'submission' || e.kind === 'review-comment');
  const review = d.obligationKey.endsWith('.review');
  const asked = extensionRequests(d.events).pending;
  return html`
    <section class="card">
      <p>
        <a href="${base}/u/${enc(d.unitId)}">${unitName(c, d.unitId)}</a> · ${obligationTitle(c, d.obligationKey, lang)}
        · ${d.cycleKey}
      </p>
      <dl>
        <dt>${t('截止时间', 'Due')}</dt>
        <dd id="due-at">${when(d.live?.dueAt ?? d.row?.dueAt, z, lang)}</dd>
        <dt>${t('状态', 'State')}</dt>
        <dd>
          ${cell ? swatch(cell.colour, lang, `${COLOUR_LABEL[cell.colour]![lang]} · ${cellText(cell, lang)}`) : '—'}
        </dd>
        <dt>${t('下一步', 'Next step')}</dt>
        <dd id="next-step">
          ${d.live?.nextStep ? html`${stepText(d.live.nextStep.step, lang)} · ${when(d.live.nextStep.at, z, lang)}` : '—'}
        </dd>
        <dt>${t('延期次数', 'Extensions')}</dt>
        <dd>${d.row?.extensions ?? 0}</dd>
      </dl>
      ${
        d.workflowUrl
          ? html`<p>
              <a href="${d.workflowUrl}" rel="noopener"
                >${t('在 Temporal Web UI 中查看工作流', 'Open its workflow in the Temporal Web UI')}</a
              >
            </p>`
          : ''
      }
    </section>
    ${asked ? extensionAskedCard(asked, action, d.office && open, c, lang) : ''}
    <section class="card" aria-labelledby="h-history">
      <h2 id="h-history">${t('全部记录', 'History')}</h2>
      <ol class="history">
        ${d.events.map((e) => html`<li><time datetime="${e.at}">${when(e.at, z, lang)}</time> ${eventText(e, c, lang)}</li>`)}
      </ol>
    </section>
    ${
      d.office && (open || reported)
        ? html`<section class="card" aria-labelledby="h-steer">
            <h2 id="h-steer">${t('办公室操作', 'Office actions')}</h2>
            <p>
              ${
                open
                  ? html`<a class="button" href="${action}/extend">${t('延期…', 'Extend…')}</a>
                      <a class="button" href="${action}/waive">${t('免报…', 'Waive…')}</a>
                      ${review ? '' : html`<a class="button" href="${action}/resend">${t('重发通知…', 'Re-send the notice…')}</a>`}`
                  : ''
              }
              ${
                reported
                  ? html`<a class="button" href="${action}/correct"
                      >${review ? t('更正点评…', 'Correct the comment…') : t('更正报送…', 'Correct the report…')}</a
                    >`
                  : ''
              }
            </p>
          </section>`
        : ''
    }
  `;
}

// ---------- one unit ----------

export interface UnitPageData {
  c: CampaignContext;
  unitId: string;
  rows: DeadlineRow[];
  submissions: LedgerEvent[];
  attachmentLinks: Map<string, string>;
  /** Every order, open and closed (unitOrders). */
  orders: UnitOrder[];
}

const OUTCOME: Record<string, [string, string]> = {
  'on-time': ['按时', 'on time'],
  late: ['迟交', 'late'],
  waived: ['免报', 'waived'],
  missing: ['未交', 'missing'],
};

/** A unit's rectification orders, each with its deadline and how it ended. */
function orderList(orders: UnitOrder[], c: CampaignContext, lang: Lang): Html {
  const t = tr(lang);
  const z = c.timeZone;
  if (orders.length === 0) return html`<p>${t('无', 'None')}</p>`;
  const stateText = (o: UnitOrder): Html => {
    switch (o.state) {
      case 'answered':
        return html`${t('已整改：', 'answered: ')}${t('报送于', 'submitted')} ${when(o.at, z, lang)}`;
      case 'waived':
        return html`${t('已免报', 'waived')} ${when(o.at, z, lang)}`;
      case 'closed': {
        const w = OUTCOME[o.outcome ?? ''];
        return html`${t('已关闭', 'closed')}：${w ? t(w[0], w[1]) : (o.outcome ?? '')}`;
      }
      case 'overdue':
        return html`<strong class="late">${t('未整改，已逾期', 'open, overdue')}</strong>`;
      case 'open':
        return html`${t('整改中', 'open')}`;
    }
  };
  return html`<ul class="plain orders">
    ${orders.map(
      (o) =>
        html`<li data-state="${o.state}">
          ${obligationTitle(c, o.obligationKey, lang)} ${o.cycleKey} · ${t('原截止', 'was due')}
          ${when(o.dueAt, z, lang)} · ${t('整改期限', 'order due')} ${when(o.deadline, z, lang)} · ${stateText(o)}
        </li>`,
    )}
  </ul>`;
}

/** Lateness over time as bars (inline SVG: no script, no style attribute). */
function latenessChart(rows: DeadlineRow[], c: CampaignContext, lang: Lang): Html {
  const t = tr(lang);
  const nowMs = Date.parse(c.now);
  const points = rows
    .filter((r) => r.dueAt && !r.obligationKey.endsWith('.review') && Date.parse(r.dueAt) < nowMs)
    .map((r) => ({
      r,
      days: r.waivedAt ? 0 : (r.lateMs ?? (r.submittedAt ? 0 : nowMs - Date.parse(r.dueAt!))) / 86_400_000,
    }));
  if (points.length === 0) return html`<p>${t('尚无到期事项。', 'Nothing has fallen due yet.')}</p>`;
  const max = Math.max(1, ...points.map((p) => p.days));
  const w = 24;
  const height = 120;
  return html`<svg
    class="chart"
    role="img"
    viewBox="0 0 ${points.length * w + 40} ${height + 30}"
    width="${Math.min(900, points.length * w + 40)}"
    height="${height + 30}"
    aria-labelledby="chart-title"
  >
    <title id="chart-title">${t('各期迟交天数', 'Days late, cycle by cycle')}</title>
    <line x1="30" y1="${height}" x2="${points.length * w + 36}" y2="${height}" stroke="#52606d" />
    <text x="0" y="12" font-size="10" fill="#1f2933">${max.toFixed(0)}${t('天', 'd')}</text>
    ${points.map((p, i) => {
      const h = Math.round((p.days / max) * (height - 10));
      const missing = !p.r.submittedAt && !p.r.waivedAt;
      return html`<rect
        x="${34 + i * w}"
        y="${height - h}"
        width="${w - 6}"
        height="${Math.max(h, 1)}"
        fill="${missing ? '#c62828' : p.days > 0 ? '#b7791f' : '#2e7d32'}"
        ><title>
          ${obligationTitle(c, p.r.obligationKey, lang)} ${p.r.cycleKey}:
          ${missing ? t('未交', 'missing') : lateText(p.days * 86_400_000, lang)}
        </title></rect
      >`;
    })}
  </svg>`;
}

export function unitBody(d: UnitPageData, lang: Lang): Html {
  const t = tr(lang);
  const { c } = d;
  const z = c.timeZone;
  const base = `/console/${enc(c.campaignId)}`;
  const ranks = officeRanks(c.plan);
  const nowMs = Date.parse(c.now);
  return html`
    <section class="card" aria-labelledby="h-late">
      <h2 id="h-late">${t('迟交情况', 'Lateness over time')}</h2>
      ${latenessChart(d.rows, c, lang)}
    </section>
    <section class="card" aria-labelledby="h-deadlines">
      <h2 id="h-deadlines">${t('全部事项', 'Every deadline')}</h2>
      <div class="scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">${t('事项', 'Obligation')}</th>
              <th scope="col">${t('周期', 'Cycle')}</th>
              <th scope="col">${t('截止', 'Due')}</th>
              <th scope="col">${t('状态', 'State')}</th>
            </tr>
          </thead>
          <tbody>
            ${d.rows.map((r) => {
              const base2 = r.obligationKey.replace(/\.review$/, '');
              const cell = cellOf(r, nowMs, ranks.get(base2) ?? RECTIFICATION_RANK, soonMsOf(c.plan, r.obligationKey));
              return html`<tr>
                <td>
                  <a href="${base}/o/${enc(r.obligationKey)}/${enc(r.cycleKey)}/${enc(r.unitId)}"
                    >${obligationTitle(c, r.obligationKey, lang)}</a
                  >
                </td>
                <td>${r.cycleKey}</td>
                <td>${when(r.dueAt, z, lang)}</td>
                <td>${swatch(cell.colour, lang, cellText(cell, lang))}</td>
              </tr>`;
            })}
          </tbody>
        </table>
      </div>
    </section>
    <section class="card" aria-labelledby="h-receipts">
      <h2 id="h-receipts">${t('回执与附件', 'Receipts and attachments')}</h2>
      ${
        d.submissions.length === 0
          ? html`<p>${t('无', 'None')}</p>`
          : html`<ul class="plain">
              ${d.submissions.map((e) => {
                const refs = Array.isArray(e.data?.attachments) ? (e.data.attachments as string[]) : [];
                const files = refs.map((ref) => {
                  const href = d.attachmentLinks.get(ref);
                  return href ? html` · <a href="${href}">${t('附件', 'attachment')} ${ref.slice(7, 19)}…</a>` : '';
                });
                if (e.kind === 'submission-corrected' || e.kind === 'review-comment-corrected')
                  return html`<li class="corrected">
                    ${obligationTitle(c, e.obligationKey ?? '', lang)} ${e.cycleKey} · ${when(e.at, z, lang)} ·
                    ${
                      e.data?.corrector === 'reviewer'
                        ? t('点评人更正', 'corrected by the reviewer')
                        : t('办公室更正', 'corrected by the office')
                    }
                    · ${t('经办', 'by')} ${e.actor ?? ''} · ${t('理由', 'reason')}：${e.reason ?? ''}${files}
                  </li>`;
                return html`<li>
                  ${obligationTitle(c, e.obligationKey ?? '', lang)} ${e.cycleKey} · ${when(e.at, z, lang)} ·
                  ${lateText(e.lateMs ?? 0, lang)} · ${t('回执号', 'receipt')}
                  <span class="receipt-no"
                    >${typeof e.data?.receiptNumber === 'string' ? e.data.receiptNumber : ''}</span
                  >${files}
                </li>`;
              })}
            </ul>`
      }
    </section>
    <section class="card" aria-labelledby="h-orders">
      <h2 id="h-orders">${t('限期整改', 'Rectification orders')}</h2>
      ${orderList(d.orders, c, lang)}
    </section>
  `;
}
