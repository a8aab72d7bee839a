/**
 * The office's page for starting a campaign (`/console/new`): one of the shipped plans or an
 * uploaded one, previewed before anything starts (its phases, what each obligation opens and when,
 * how many deadlines, the first mail, a start date already past), then started as it stands or
 * rehearsed. The same checks as `cli start` and `POST /api/v1/campaigns`.
 */
import type { CampaignCalendar } from '../../domain/calendar';
import type { FileIssue } from '../../domain/errors';
import { formatDay } from '../../domain/format';
import type { Plan } from '../../domain/plan-schema';
import type { Html } from '../html';
import { html } from '../html';
import { tr, when } from './frame';
import type { Lang } from './model';
import { issueList } from './org-import';

/** How a campaign runs once started: on the plan's own dates, or rehearsed from the day before its first phase. */
export const RUN_MODES = {
  live: { speed: undefined, zh: '正式运行（按方案日期）', en: 'For real (on the plan’s dates)' },
  'rehearse-real-time': {
    speed: 1,
    zh: '实时演练：从方案首日的前一天开始，按真实速度',
    en: 'Rehearsal in real time, from the day before the plan’s first day',
  },
  'rehearse-fast': {
    speed: 2880,
    zh: '快速演练：每 30 秒推进方案的一天',
    en: 'Fast rehearsal: one plan-day every 30 seconds',
  },
} as const;
export type RunMode = keyof typeof RUN_MODES;

export interface ShippedPlan {
  file: string;
  title: string;
}

export interface ObligationLine {
  title: string;
  titleEn?: string;
  cycles: number;
  deadlines: number;
  firstDue?: string;
  lastDue?: string;
  /** Opened by an event (a grade, an appointment), not by the calendar. */
  byEvent: boolean;
}

export interface PlanPreview {
  file: string;
  plan: Plan;
  /** The plan's text as the confirmation form carries it back (web/routes/console-start.ts); none when too large. */
  carried?: string;
  /** The plan's own days: the first, and the last unless only the committee ends it. */
  phases: { name: string; label: string; start: string; end?: string }[];
  obligations: ObligationLine[];
  deadlines: number;
  reviews: number;
  units: number;
  firstMailAt?: string;
  /** Deadlines already due now: started for real, their notices, reminders and escalations go at once. */
  pastDue: number;
  /** A campaign of this id is in the ledger or the engine already. */
  exists: boolean;
}

export interface CampaignStartView {
  lang: Lang;
  csrf: string;
  shipped: ShippedPlan[];
  preview?: PlanPreview;
  refused?: { file: string; issues: FileIssue[] };
}

/** What the preview says of a plan, from its calendar for the service's organisation. */
export function planPreview(
  file: string,
  plan: Plan,
  cal: CampaignCalendar,
  units: number,
  nowMs: number,
  exists: boolean,
): Omit<PlanPreview, 'carried'> {
  const obligations = plan.obligations.map((o): ObligationLine => {
    const cycles = cal.cycles.filter((c) => c.obligationKey === o.key);
    const dues = cycles.map((c) => c.dueAt).sort();
    return {
      title: o.title,
      ...(o.titleEn ? { titleEn: o.titleEn } : {}),
      cycles: cycles.length,
      deadlines: cal.deadlines.filter((d) => d.obligationKey === o.key).length,
      firstDue: dues[0],
      lastDue: dues.at(-1),
      byEvent: o.openedBy !== undefined,
    };
  });
  const stepsAt = cal.cycles.flatMap((c) => [c.opensAt, ...c.steps.map((s) => s.at)]).sort();
  return {
    file,
    plan,
    phases: plan.phases.map((p) => ({
      name: p.name,
      label: p.label,
      start: p.start,
      ...(p.end !== 'by-committee' ? { end: p.end } : {}),
    })),
    obligations,
    deadlines: cal.deadlines.length,
    reviews: cal.reviewDeadlines.length,
    units,
    firstMailAt: stepsAt[0],
    pastDue: cal.deadlines.filter((d) => Date.parse(d.dueAt) <= nowMs).length,
    exists,
  };
}

function previewCard(v: CampaignStartView, p: PlanPreview): Html {
  const t = tr(v.lang);
  const z = p.plan.timeZone;
  const at = (iso: string | undefined) => when(iso, z, v.lang);
  return html`<section class="card" id="preview" aria-labelledby="h-preview">
    <h2 id="h-preview">
      ${t('预览', 'Preview')}${t('：', ': ')}${v.lang === 'en' ? (p.plan.titleEn ?? p.plan.title) : p.plan.title}
      <code>${p.plan.id}</code>
    </h2>
    <p>
      ${t(
        `方案文件 ${p.file}；按本服务的组织名册（${p.units} 个单位）将开启 ${p.deadlines} 个报送事项、${p.reviews} 个领导点评；第一封邮件 ${at(p.firstMailAt)}。`,
        `Plan file ${p.file}; on the service's roster (${p.units} units) it opens ${p.deadlines} deadlines and ${p.reviews} leader reviews; the first mail ${at(p.firstMailAt)}.`,
      )}
    </p>
    <h3>${t('阶段', 'Phases')}</h3>
    <ol>
      ${p.phases.map(
        (ph) =>
          html`<li>
            ${v.lang === 'en' ? ph.label : ph.name}${t('：', ': ')}${formatDay(ph.start, v.lang)} ${t('至', 'to')}
            ${ph.end ? formatDay(ph.end, v.lang) : t('党委决定结束之日', 'when the committee ends it')}
          </li>`,
      )}
    </ol>
    <h3>${t('报送事项', 'Obligations')}</h3>
    <div class="scroll">
      <table>
        <thead>
          <tr>
            <th scope="col">${t('事项', 'Obligation')}</th>
            <th scope="col">${t('周期数', 'Cycles')}</th>
            <th scope="col">${t('事项数', 'Deadlines')}</th>
            <th scope="col">${t('首个截止', 'First due')}</th>
            <th scope="col">${t('最后截止', 'Last due')}</th>
          </tr>
        </thead>
        <tbody>
          ${p.obligations.map(
            (o) =>
              html`<tr>
                <th scope="row">${v.lang === 'en' ? (o.titleEn ?? o.title) : o.title}</th>
                ${
                  o.byEvent
                    ? html`<td colspan="4">
                        ${t('随事件开启（任命、定级等）', 'opened by an event (an appointment, a grade)')}
                      </td>`
                    : html`<td>${String(o.cycles)}</td>
                        <td>${String(o.deadlines)}</td>
                        <td>${at(o.firstDue)}</td>
                        <td>${at(o.lastDue)}</td>`
                }
              </tr>`,
          )}
        </tbody>
      </table>
    </div>
    ${
      p.pastDue > 0
        ? html`<p class="late" id="past-due">
            ${t(
              `注意：已有 ${p.pastDue} 个事项的截止时间已过。若正式运行，这些事项的通知、提醒和督办将立即发出；如只想试运行，请选择演练。`,
              `Note: ${p.pastDue} deadlines are already past due. Run for real, their notices, reminders and escalations go out at once; to try the plan, rehearse it.`,
            )}
          </p>`
        : ''
    }
    ${
      p.exists
        ? html`<p class="late" id="exists">
            ${t(
              `活动编号 ${p.plan.id} 已在台帐中，不能再次启动。如要另起一项活动，请修改方案的 id。`,
              `A campaign ${p.plan.id} is in the ledger already and cannot be started again. To start another, change the plan's id.`,
            )}
          </p>`
        : p.carried === undefined
          ? html`<p class="late" id="too-large">
              ${t(
                '该方案过大，无法经控制台确认启动，请用命令行 start 或 API 启动。',
                'This plan is too large to be confirmed through the console: start it with the CLI’s start or the API.',
              )}
            </p>`
          : html`<form method="post" action="/console/new/confirm" enctype="multipart/form-data">
              <input type="hidden" name="_csrf" value="${v.csrf}" />
              <input type="hidden" name="plan" value="${p.carried}" />
              <input type="hidden" name="file" value="${p.file}" />
              <fieldset>
                <legend>${t('运行方式', 'How it runs')}</legend>
                ${(Object.keys(RUN_MODES) as RunMode[]).map(
                  (m, i) =>
                    html`<p>
                      <input type="radio" id="mode-${m}" name="mode" value="${m}" ${i === 0 ? html`checked` : ''} />
                      <label for="mode-${m}">${RUN_MODES[m][v.lang]}</label>
                    </p>`,
                )}
              </fieldset>
              <p>
                <input type="checkbox" id="digest" name="digest" value="yes" checked />
                <label for="digest"
                  >${t(
                    '每周督办简报：每周第一个工作日 8:30 向各二级党委和活动办公室发送逾期未报和7日内到期事项',
                    'Weekly digest: at 08:30 on the first working day of each week, each committee and the office are mailed what is overdue and due within 7 days',
                  )}</label
                >
              </p>
              <p>
                <input type="checkbox" id="confirm" name="confirm" value="yes" required />
                <label for="confirm"
                  >${t('我已核对以上安排，确认启动', 'I have checked this schedule and start the campaign')}</label
                >
              </p>
              <button type="submit">${t('确认启动', 'Start the campaign')}</button>
              <a href="/console/new">${t('取消', 'Cancel')}</a>
            </form>`
    }
  </section>`;
}

export function campaignStartBody(v: CampaignStartView): Html {
  const t = tr(v.lang);
  return html`${v.preview ? previewCard(v, v.preview) : ''}
    ${
      v.refused
        ? html`<section class="card" id="refused" aria-labelledby="h-refused">
            <h2 id="h-refused" class="late">${t('方案有误，未启动', 'The plan was not started')}：${v.refused.file}</h2>
            <p>${t('请改正以下问题后重新上传：', 'Mend these and upload it again:')}</p>
            ${issueList(v.refused.issues, v.lang)}
          </section>`
        : ''
    }
    <section class="card" aria-labelledby="h-shipped">
      <h2 id="h-shipped">${t('选用随附方案', 'Use a shipped plan')}</h2>
      <form method="post" action="/console/new" enctype="multipart/form-data">
        <input type="hidden" name="_csrf" value="${v.csrf}" />
        <label for="shipped">${t('方案', 'Plan')}</label>
        <select id="shipped" name="shipped">
          ${v.shipped.map((s) => html`<option value="${s.file}">${s.title}（${s.file}）</option>`)}
        </select>
        <button type="submit">${t('预览', 'Preview')}</button>
      </form>
    </section>
    <section class="card" aria-labelledby="h-upload">
      <h2 id="h-upload">${t('上传方案文件', 'Upload a plan')}</h2>
      <p>
        ${t(
          '上传按方案格式编写的 YAML 或 JSON 文件（见随附方案与模板 004-template.yaml），先预览各阶段、报送事项和截止时间，核对无误后再确认启动。活动使用本服务的组织名册。',
          'Upload a plan in YAML or JSON (see the shipped plans and the template 004-template.yaml): you see its phases, obligations and due instants first, and start it once checked. The campaign runs on the service’s roster.',
        )}
      </p>
      <form method="post" action="/console/new" enctype="multipart/form-data">
        <input type="hidden" name="_csrf" value="${v.csrf}" />
        <label for="plan">${t('方案文件', 'Plan file')}</label>
        <input id="plan" type="file" name="plan" required accept=".yaml,.yml,.json" />
        <button type="submit">${t('上传并预览', 'Upload and preview')}</button>
      </form>
    </section>`;
}
