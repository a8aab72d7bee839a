/**
 * The pages of a signed link: the submission form, the review form, the receipt. Instants in
 * China time with the weekday (the campaign's zone, Asia/Shanghai in every plan shipped).
 */
import { DateTime } from 'luxon';
import { formatInstant } from '../domain/format';
import type { LedgerEvent } from '../ledger/types';
import { timeliness } from '../mail/render';
import type { AttachmentMeta } from './attachments';
import type { DeadlineView, Submission } from './deadlines';
import { html, page, STATE_LABEL, type Html } from './html';
import { MAX_ATTACHMENTS } from './attachments';

const STEP_LABEL = (step: string): string => {
  const base = step.replace(/~ext\d+$/, '');
  const m = /^(reminder|escalation)-(\d+)/.exec(base);
  if (m) return m[1] === 'reminder' ? `第${m[2]}次提醒` : `第${m[2]}级督办`;
  return { notice: '报送通知', due: '截止日提醒', rectification: '整改通知' }[base] ?? base;
};

const when = (v: DeadlineView, iso: string): string => `${formatInstant(iso, v.timeZone, 'zh')}（北京时间）`;

function attachmentList(token: string, list: AttachmentMeta[]): Html {
  if (list.length === 0) return html`<p class="hint">无附件</p>`;
  return html`<ul class="plain">
    ${list.map(
      (a) =>
        html`<li>
          <a href="/s/${token}/a/${a.sha256}">${a.name}</a>
          <span class="hint">${(a.size / 1024).toFixed(0)} KB · SHA-256 ${a.sha256.slice(0, 12)}…</span>
        </li>`,
    )}
  </ul>`;
}

function summary(v: DeadlineView): Html {
  const s = v.status;
  const title = v.target.purpose === 'review' ? `${v.obligationTitle}点评` : v.obligationTitle;
  return html`<section class="card">
    <h1>${title}</h1>
    <p>${v.campaignTitle} · ${v.cycleKey} · ${v.unitName}</p>
    ${v.source ? html`<p class="source">依据：${v.source}</p>` : ''}
    <dl>
      ${
        s
          ? html`<dt>截止时间</dt>
              <dd>${when(v, s.dueAt)}${s.dueOnHoliday ? '（节假日）' : ''}</dd>`
          : ''
      }
      ${
        s
          ? html`<dt>督办状态</dt>
              <dd><span class="state state-${s.state}">${STATE_LABEL[s.state] ?? s.state}</span></dd>`
          : ''
      }
      <dt>已发提醒</dt>
      <dd>
        ${
          v.remindersSent.length === 0
            ? '无'
            : html`<ul class="plain">
                ${v.remindersSent.map((r) => html`<li>${STEP_LABEL(r.step)}：${when(v, r.at)}</li>`)}
              </ul>`
        }
      </dd>
    </dl>
  </section>`;
}

function submissionBlock(heading: string, token: string, s: Submission, v: DeadlineView, id = ''): Html {
  // A review comment is words only: it has no files to list.
  const files = !(v.target.purpose === 'review' && s === v.comment);
  return html`<section class="card" ${id ? html`id="${id}"` : ''}>
    <h2>${heading}</h2>
    <p class="hint">${s.by} · ${when(v, s.at)}</p>
    ${s.corrections.map(
      (c) =>
        html`<p class="hint corrected">
          ${c.byReviewer ? '点评人' : '活动办公室'} ${c.by} 于 ${when(v, c.at)} 更正，理由：${c.reason}
        </p>`,
    )}
    <div class="report">${s.text}</div>
    ${
      files
        ? html`<h2>附件</h2>
            ${attachmentList(token, s.attachments)}`
        : ''
    }
    ${
      s.earlierAttachments.length > 0
        ? html`<h2>更正前的附件</h2>
            ${attachmentList(token, s.earlierAttachments)}`
        : ''
    }
  </section>`;
}

export function receiptCard(v: DeadlineView): Html {
  const r = v.receipt!;
  return html`<section class="card" id="receipt">
    <h1>${v.target.purpose === 'review' ? '点评回执' : '报送回执'}</h1>
    <p class="${r.onTime ? 'ok' : 'late'}">已收到，${timeliness(r.lateMs, 'zh', v.target.purpose === 'review')}</p>
    <dl>
      <dt>回执号</dt>
      <dd class="receipt-no">${r.number}</dd>
      <dt>收到时间</dt>
      <dd>${when(v, r.receivedAt)}</dd>
      <dt>截止时间</dt>
      <dd>${when(v, r.dueAt)}</dd>
      <dt>报送人</dt>
      <dd>${r.by}</dd>
    </dl>
    <p class="hint">回执已同时发送到本单位邮箱。</p>
  </section>`;
}

function form(token: string, csrf: string, review: boolean, nominates: boolean): Html {
  return html`<section class="card">
    <h2>${review ? '点评意见' : '报送内容'}</h2>
    <form method="post" action="/s/${token}" enctype="multipart/form-data">
      <input type="hidden" name="_csrf" value="${csrf}" />
      <label for="text" class="hint">${review ? '请填写点评意见' : '请填写报送内容（可附文件）'}</label>
      <textarea id="text" name="text" required maxlength="20000"></textarea>
      ${
        nominates
          ? html`<label for="nominees" class="hint"
                >推荐的先进党支部（支部编号，以空格或逗号分隔；只能推荐最近一次学校定级为A级的党支部）</label
              >
              <input id="nominees" type="text" name="nominees" maxlength="2000" />`
          : ''
      }
      ${
        review
          ? ''
          : html`<label for="attachments" class="hint"
                >附件：PDF、Word、Excel 或图片，每个不超过 20 MB，最多 ${MAX_ATTACHMENTS} 个</label
              >
              <input
                id="attachments"
                type="file"
                name="attachments"
                multiple
                accept=".pdf,.doc,.docx,.xls,.xlsx,image/*"
              />`
      }
      <button type="submit">${review ? '提交点评' : '提交报送'}</button>
    </form>
  </section>`;
}

/**
 * Asking the office for a correction of the report received: the report as it should read, why,
 * and files to add. The office decides; a pending request is shown with what it asked.
 */
function correctionRequestForm(token: string, csrf: string, s: Submission, v: DeadlineView): Html {
  const asked = s.pendingRequest;
  return html`<section class="card" id="correction-request">
    <h2>申请更正</h2>
    ${
      asked
        ? html`<p class="hint">
              已于 ${when(v, asked.at)}
              申请更正（${asked.by}），说明：${asked.reason}。活动办公室处理后会邮件通知本单位。
            </p>
            ${
              asked.attachments.length > 0
                ? html`<p class="hint">申请附上的文件：</p>
                    ${attachmentList(token, asked.attachments)}`
                : ''
            }`
        : html`${
              s.declined
                ? html`<p class="declined">
                    活动办公室 ${s.declined.by} 于 ${when(v, s.declined.at)} 答复：不予更正，理由：${s.declined.reason}
                  </p>`
                : ''
            }
            <p class="hint">
              报送后发现内容或附件有误，可在此申请更正；活动办公室核对后更正，报送时间和是否按时不变。
            </p>`
    }
    <form method="post" action="/s/${token}/correction" enctype="multipart/form-data">
      <input type="hidden" name="_csrf" value="${csrf}" />
      <label for="request-text" class="hint">更正后的报送内容</label>
      <textarea id="request-text" name="text" required maxlength="20000">${asked ? asked.text : s.text}</textarea>
      <label for="request-reason" class="hint">为什么要更正</label>
      <textarea id="request-reason" name="reason" required maxlength="2000"></textarea>
      <label for="request-attachments" class="hint"
        >需要补充或替换的附件：PDF、Word、Excel 或图片，最多 ${MAX_ATTACHMENTS} 个</label
      >
      <input
        id="request-attachments"
        type="file"
        name="attachments"
        multiple
        accept=".pdf,.doc,.docx,.xls,.xlsx,image/*"
      />
      <button type="submit">${asked ? '重新提交更正申请' : '提交更正申请'}</button>
    </form>
  </section>`;
}

/** The due instant a request for more time offers first: a week after the one that stands, in the campaign's zone. */
const offeredUntil = (v: DeadlineView, dueAt: string): string =>
  DateTime.fromISO(dueAt, { zone: v.timeZone }).plus({ days: 7 }).toFormat("yyyy-LL-dd'T'HH:mm");

const whoOf = (e: LedgerEvent): string => e.actor ?? '';
const untilOf = (e: LedgerEvent, key: 'until' | 'newDueAt'): string =>
  typeof e.data?.[key] === 'string' ? e.data[key] : '';

/**
 * Asking the office for more time (申请延期), while the deadline is open and unanswered: the due
 * instant asked for and why. A request waiting for the office is shown instead of the form; the
 * office's answer to the last one is shown above it.
 */
function extensionCard(token: string, csrf: string, v: DeadlineView, dueAt: string): Html {
  const { pending, granted, declined } = v.extension;
  if (pending)
    return html`<section class="card" id="extension">
      <h2>申请延期</h2>
      <p class="hint">
        已于 ${when(v, pending.at)} 申请延期至
        ${when(v, untilOf(pending, 'until'))}（${whoOf(pending)}），理由：${pending.reason ?? ''}。活动办公室处理后会邮件通知本单位；在此之前，截止时间不变。
      </p>
    </section>`;
  return html`<section class="card" id="extension">
    ${
      granted
        ? html`<p class="granted">
            活动办公室 ${whoOf(granted)} 于 ${when(v, granted.at)} 同意延期至 ${when(v, untilOf(granted, 'newDueAt'))}。
          </p>`
        : ''
    }
    ${
      declined
        ? html`<p class="declined">
            活动办公室 ${whoOf(declined)} 于 ${when(v, declined.at)} 答复：不予延期，理由：${declined.reason ?? ''}
          </p>`
        : ''
    }
    <details>
      <summary>申请延期</summary>
      <p class="hint">
        确有困难不能按时报送的，可在此向活动办公室申请延期，说明理由；办公室同意后，提醒按新的截止时间发送。
      </p>
      <form method="post" action="/s/${token}/extension" enctype="multipart/form-data">
        <input type="hidden" name="_csrf" value="${csrf}" />
        <label for="extension-until" class="hint">申请延至（北京时间）</label>
        <input type="datetime-local" id="extension-until" name="until" required value="${offeredUntil(v, dueAt)}" />
        <label for="extension-reason" class="hint">理由</label>
        <textarea id="extension-reason" name="reason" required maxlength="2000"></textarea>
        <button type="submit">提交延期申请</button>
      </form>
    </details>
  </section>`;
}

/**
 * Correcting one's own review comment: the words are the reviewer's, so the correction is
 * recorded at once (who, when, why), beside the original, which stays; the comment keeps its
 * receipt and whether it was on time.
 */
function commentCorrectionForm(token: string, csrf: string, s: Submission): Html {
  return html`<section class="card" id="comment-correction">
    <h2>更正点评意见</h2>
    <p class="hint">点评提交后发现有误，可在此更正。原点评和每次更正都保留在台帐中，点评时间和是否按时不变。</p>
    <form method="post" action="/s/${token}/correction" enctype="multipart/form-data">
      <input type="hidden" name="_csrf" value="${csrf}" />
      <label for="comment-text" class="hint">更正后的点评意见</label>
      <textarea id="comment-text" name="text" required maxlength="20000">${s.text}</textarea>
      <label for="comment-reason" class="hint">为什么要更正</label>
      <textarea id="comment-reason" name="reason" required maxlength="2000"></textarea>
      <button type="submit">更正点评</button>
    </form>
  </section>`;
}

/** The page a link opens: form while open, receipt once answered, read-only after the grace period. */
export function deadlinePage(v: DeadlineView, token: string, csrf: string, signedIn: boolean): string {
  const review = v.target.purpose === 'review';
  const parts: (Html | string)[] = [summary(v)];
  if (v.receipt) parts.unshift(receiptCard(v));
  if (v.ended) parts.push(html`<section class="card"><p>该活动已经结束，不再接受报送或点评。</p></section>`);
  if (v.expired) {
    parts.push(html`<section class="card"><p class="hint">该事项已关闭超过30天，链接仅显示回执。</p></section>`);
    return page('报送回执', html`${parts}`, { signedIn });
  }
  if (review && v.report) parts.push(submissionBlock('单位报送内容', token, v.report, v));
  if (review && !v.report)
    parts.push(html`<section class="card"><p>该单位尚未报送，点评在单位报送或逾期后开放。</p></section>`);
  const mine = review ? v.comment : v.report;
  if (v.receipt && mine)
    parts.push(submissionBlock(review ? '点评意见' : '已报送内容', token, mine, v, review ? 'comment' : ''));
  if (v.receipt && mine && !review && !v.ended) parts.push(correctionRequestForm(token, csrf, mine, v));
  if (v.receipt && mine && review && !v.ended) parts.push(commentCorrectionForm(token, csrf, mine));
  if (!v.status && !review) parts.push(html`<section class="card"><p>该事项尚未开始报送。</p></section>`);
  if (!v.ended && v.status && v.status.state !== 'closed') parts.push(form(token, csrf, review, v.nominates));
  if (!review && !v.ended && !v.receipt && v.status && v.status.state !== 'closed')
    parts.push(extensionCard(token, csrf, v, v.status.dueAt));
  if (v.status && v.status.state === 'closed' && !v.receipt)
    parts.push(
      html`<section class="card">
        <p>该事项已关闭（${v.status.outcome === 'waived' ? '已免报' : '未报送'}），不能再提交。</p>
      </section>`,
    );
  return page(review ? '领导点评' : '报送', html`${parts}`, { signedIn });
}
