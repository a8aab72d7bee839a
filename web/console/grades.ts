/**
 * The grading page's body: a committee's (or the office's) branches with last year's grade, the
 * other steps' grades, a choice of A–D each, the A share of each scope, and the outcome of the
 * last check or save. No script (the CSP allows none): "核对" sends the form and the server
 * answers with the share and every problem, recording nothing; "保存" records.
 */
import type { FileIssue } from '../../domain/errors';
import { GRADE_LETTERS, GRADING_STEPS, STEP_NAMES, type GradingStep, type QuotaStatus } from '../../domain/grading';
import type { EnterOutcome } from '../../client/grading';
import type { GradeSheet } from '../../ledger/grades';
import type { LedgerUnit } from '../../ledger/types';
import { html, type Html } from '../html';
import { tr } from './frame';
import type { Lang } from './model';

export interface GradeFormValues {
  grade: Record<string, string>;
  reason: Record<string, string>;
  rise: Record<string, string>;
  quotaOverride: string;
}

export interface GradesPage {
  campaignId: string;
  year: number;
  step: GradingStep;
  committeeId?: string;
  committees: LedgerUnit[];
  office: boolean;
  /** Whether this person may enter this step's grades here. */
  editable: boolean;
  sheet: GradeSheet;
  aSharePercent: number;
  values: GradeFormValues;
  csrf: string;
  issues?: FileIssue[];
  /** The share after the typed grades (a check), when different from the recorded one. */
  checked?: QuotaStatus[];
  saved?: EnterOutcome;
  names: Map<string, string>;
  /** The obligations' titles in the page's language, by key: what a closed deadline is called. */
  obligationTitles: Map<string, string>;
}

const stepWord = (s: GradingStep, lang: Lang) => STEP_NAMES[s][lang];

function quotaList(quotas: QuotaStatus[], share: number, names: Map<string, string>, lang: Lang): Html {
  const t = tr(lang);
  return html`<ul class="quota">
    ${quotas.map(
      (q) =>
        html`<li class="${q.over && !q.overridden ? 'over' : ''}">
          ${q.scope === 'university' ? t('全校', 'University') : (names.get(q.scope) ?? q.scope)}：
          ${t(`A级 ${q.aCount}/${q.graded}，上限 ${q.ceiling}（${share}%，向下取整）`, `A ${q.aCount}/${q.graded}, at most ${q.ceiling} (${share} %, rounded down)`)}
          ${q.over ? (q.overridden ? t('，超出（办公室已批准）', ', over (allowed by the office)') : t('，超出', ', over')) : ''}
        </li>`,
    )}
  </ul>`;
}

function savedCard(s: EnterOutcome, p: GradesPage, lang: Lang): Html {
  const t = tr(lang);
  const what = (c: { obligationKey: string; unitId: string }): string =>
    `${p.obligationTitles.get(c.obligationKey) ?? c.obligationKey}（${p.names.get(c.unitId) ?? c.unitId}）`;
  return html`<section class="card" role="status" aria-labelledby="h-saved">
    <h2 id="h-saved" class="ok">${t(`已保存 ${s.recorded.length} 个等级`, `Saved ${s.recorded.length} grades`)}</h2>
    ${s.unchanged.length > 0 ? html`<p>${t(`${s.unchanged.length} 个与已记录相同，未改动。`, `${s.unchanged.length} as recorded, unchanged.`)}</p>` : ''}
    <ul>
      ${s.closings.map((c) =>
        c.receipt
          ? html`<li>
              ${t('已报送', 'Submitted')} ${what(c)}：${c.receipt.onTime ? t('按时', 'on time') : t('逾期', 'late')}
            </li>`
          : html`<li>${t('未关闭', 'Not closed')} ${what(c)}：${c.problem ?? ''}</li>`,
      )}
      ${s.notices.flatMap((n) =>
        n.opened.map(
          (o) => html`<li>${t('已开启整改报告', 'Rectification report opened')} ${o.unitId}（${n.grade}）</li>`,
        ),
      )}
    </ul>
  </section>`;
}

export function gradesBody(p: GradesPage, lang: Lang): Html {
  const t = tr(lang);
  const c = encodeURIComponent(p.campaignId);
  const own = new Set(p.sheet.rows.map((r) => r.unitId));
  const steps = p.office ? GRADING_STEPS : (['preliminary'] as const);
  const tablesUrl = `/console/${c}/grades/tables.xlsx?year=${p.year}${p.committeeId ? `&committee=${encodeURIComponent(p.committeeId)}` : ''}`;
  return html`
    <section class="card" aria-labelledby="h-pick">
      <h2 id="h-pick">${t('年度与环节', 'Year and step')}</h2>
      <form method="get" action="/console/${c}/grades">
        <label
          >${t('年度', 'Year')} <input name="year" value="${p.year}" inputmode="numeric" pattern="[0-9]{4}" size="5"
        /></label>
        <label
          >${t('环节', 'Step')}
          <select name="step">
            ${steps.map((s) => html`<option value="${s}" ${s === p.step ? 'selected' : ''}>${stepWord(s, lang)}</option>`)}
          </select></label
        >
        ${
          p.office
            ? html`<label
                >${t('党委', 'Committee')}
                <select name="committee">
                  <option value="">${t('全部', 'All')}</option>
                  ${p.committees.map(
                    (u) =>
                      html`<option value="${u.unitId}" ${u.unitId === p.committeeId ? 'selected' : ''}>
                        ${u.name}
                      </option>`,
                  )}
                </select></label
              >`
            : ''
        }
        <button type="submit">${t('查看', 'Show')}</button>
      </form>
    </section>
    ${p.saved ? savedCard(p.saved, p, lang) : ''}
    ${
      p.issues && p.issues.length > 0
        ? html`<section class="card error" role="alert" aria-labelledby="h-issues">
            <h2 id="h-issues">${t('未保存：请改正以下问题', 'Not saved: please correct')}</h2>
            <ul>
              ${p.issues.map(
                (i) =>
                  html`<li>
                    ${i.line !== undefined ? t(`第 ${i.line} 行 `, `row ${i.line} `) : ''}${i.path}：${i.message}
                  </li>`,
              )}
            </ul>
          </section>`
        : ''
    }
    <section class="card" aria-labelledby="h-quota">
      <h2 id="h-quota">${t('A级比例', 'A share')}</h2>
      ${
        p.checked
          ? html`<p>${t('按本页所填（尚未保存）：', 'As typed on this page (not saved):')}</p>
              ${quotaList(p.checked, p.aSharePercent, p.names, lang)}
              <p>${t('已记录：', 'Recorded:')}</p>`
          : ''
      }
      ${quotaList(p.sheet.quotas, p.aSharePercent, p.names, lang)}
      <p class="hint">
        ${t(
          '原则上A级党支部一般不能超过该比例；等级评定一般不能越级晋升。超出须由活动办公室填写理由批准。',
          'At most this share may be A, and no branch rises more than one grade; only the office may allow more, with a reason.',
        )}
      </p>
    </section>
    <section class="card" aria-labelledby="h-sheet">
      <h2 id="h-sheet">${p.year} ${stepWord(p.step, lang)}</h2>
      <form method="post" action="/console/${c}/grades">
        <input type="hidden" name="_csrf" value="${p.csrf}" />
        <input type="hidden" name="year" value="${p.year}" />
        <input type="hidden" name="step" value="${p.step}" />
        <input type="hidden" name="committee" value="${p.committeeId ?? ''}" />
        <div class="scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">${t('党支部', 'Branch')}</th>
                <th scope="col">${t('上年度', 'Last year')}</th>
                ${GRADING_STEPS.filter((s) => s !== p.step).map((s) => html`<th scope="col">${stepWord(s, lang)}</th>`)}
                <th scope="col">${stepWord(p.step, lang)}</th>
                <th scope="col">${t('变更理由', 'Reason for a change')}</th>
                ${p.office ? html`<th scope="col">${t('越级理由', 'Reason to skip a grade')}</th>` : ''}
              </tr>
            </thead>
            <tbody>
              ${p.sheet.rows.map((r) => {
                const typed = p.values.grade[r.unitId] ?? r.grade ?? '';
                const label = `g-${r.unitId}`;
                return html`<tr>
                  <th scope="row">
                    <label for="${label}">${r.name}</label><br /><small
                      >${r.unitId}${r.kind ? ` · ${r.kind}` : ''}</small
                    >
                  </th>
                  <td>${r.lastYear ?? '—'}</td>
                  ${GRADING_STEPS.filter((s) => s !== p.step).map((s) => html`<td>${r[s] ?? '—'}</td>`)}
                  <td>
                    ${
                      r.waived
                        ? t('免于定级', 'waived')
                        : html`<select id="${label}" name="g.${r.unitId}" ${p.editable ? '' : 'disabled'}>
                            <option value="">—</option>
                            ${GRADE_LETTERS.map((g) => html`<option value="${g}" ${g === typed ? 'selected' : ''}>${g}</option>`)}
                          </select>`
                    }
                  </td>
                  <td>
                    ${
                      r.grade && !r.waived
                        ? html`<input
                            name="r.${r.unitId}"
                            value="${p.values.reason[r.unitId] ?? ''}"
                            maxlength="500"
                            aria-label="${t('变更理由', 'Reason for a change')} ${r.name}"
                            ${p.editable ? '' : 'disabled'}
                          />`
                        : ''
                    }
                  </td>
                  ${
                    p.office
                      ? html`<td>
                          ${
                            r.waived
                              ? ''
                              : html`<input
                                  name="x.${r.unitId}"
                                  value="${p.values.rise[r.unitId] ?? ''}"
                                  maxlength="500"
                                  aria-label="${t('越级理由', 'Reason to skip a grade')} ${r.name}"
                                />`
                          }
                        </td>`
                      : ''
                  }
                </tr>`;
              })}
            </tbody>
          </table>
        </div>
        ${
          p.office
            ? html`<label
                >${t('超出A级比例的理由（办公室）', 'Reason to exceed the A share (office)')}
                <textarea name="quotaOverride" maxlength="2000" rows="2">${p.values.quotaOverride}</textarea>
              </label>`
            : ''
        }
        ${
          p.editable
            ? html`<p>
                <button type="submit" name="action" value="check">
                  ${t('核对比例（不保存）', 'Check (does not save)')}
                </button>
                <button type="submit" name="action" value="save">${t('保存', 'Save')}</button>
              </p>`
            : html`<p class="hint">${t('此环节由活动办公室录入。', 'The office enters this step.')}</p>`
        }
      </form>
    </section>
    ${
      p.editable
        ? html`<section class="card" aria-labelledby="h-upload">
            <h2 id="h-upload">${t('上传等级表', 'Upload a sheet')}</h2>
            <p class="hint">
              ${t(
                'CSV 或 Excel，列：支部编号、等级（可选：变更理由）；也可上传填好的附表4（读“' +
                  (p.step === 'final' ? '学校定级' : p.step === 'self' ? '自评等级' : '初评等级') +
                  '”列）。全部通过才保存。',
                'CSV or Excel with the columns 支部编号 and 等级 (变更理由 optional), or a filled-in table 4. Saved only when every row passes.',
              )}
            </p>
            <form method="post" action="/console/${c}/grades" enctype="multipart/form-data">
              <input type="hidden" name="_csrf" value="${p.csrf}" />
              <input type="hidden" name="year" value="${p.year}" />
              <input type="hidden" name="step" value="${p.step}" />
              <input type="hidden" name="committee" value="${p.committeeId ?? ''}" />
              <input
                type="file"
                name="file"
                accept=".csv,.xlsx"
                required
                aria-label="${t('等级表文件', 'Grade file')}"
              />
              <button type="submit" name="action" value="save">${t('上传并保存', 'Upload and save')}</button>
            </form>
          </section>`
        : ''
    }
    <section class="card" aria-labelledby="h-tables">
      <h2 id="h-tables">${t('附表', 'Tables')}</h2>
      <p>
        <a href="${tablesUrl}">${t('下载附表4、附表5（Excel）', 'Download tables 4 and 5 (Excel)')}</a>
      </p>
      <p class="hint">
        ${t(
          '本党委自行填写的附表4、附表5，请在“附表4”“附表5”事项的报送页面作为附件提交，留作本党委的报送材料。',
          "A committee's own tables 4 and 5 are handed in as attachments on those obligations' submission pages, and kept as its submission.",
        )}
      </p>
    </section>
    ${own.size === 0 ? html`<p>${t('没有党支部。', 'No branches.')}</p>` : ''}
  `;
}
