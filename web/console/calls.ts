/**
 * 电话催办 (`/console/:campaignId/calls`): what an organisation department otherwise does with a
 * spreadsheet and a telephone. Every deadline past due and still owed in the person's scope, the
 * latest first, each with who to ring (the unit's secretary and liaison by name, their numbers as
 * `tel:` links a phone dials), how late it is, how far its escalation has gone, the last call
 * recorded; and a form that records a call (reached or not, the day the unit promised, a note) in
 * the ledger, where the deadline's history shows it beside the mail.
 */
import type { LedgerEvent, DeadlineRow } from '../../ledger/types';
import type { Org, Person } from '../../domain/org-schema';
import { canSee, type Principal } from '../access';
import { cycleShown, html, type Html } from '../html';
import { swatch, tr, when } from './frame';
import {
  cellOf,
  obligationTitle,
  officeRanks,
  soonMsOf,
  unitName,
  type CampaignContext,
  type Cell,
  type Lang,
} from './model';
import { callText, cellText } from './pages';
import { RECTIFICATION_RANK } from '../../ledger/schema';

/** One deadline to ring about. */
export interface CallRow {
  row: DeadlineRow;
  cell: Cell;
  secretary?: Person;
  liaison?: Person;
  /** The latest call recorded about it (`phoned`), if any. */
  lastCall?: LedgerEvent;
}

/** A call's outcome as the form sends it and the ledger keeps it (pages.ts's `callText` says it). */
export const CALL_OUTCOMES = ['reached', 'unreached'] as const;

const keyOf = (r: { obligationKey?: string; cycleKey?: string; unitId?: string | null }): string =>
  `${r.obligationKey ?? ''}/${r.cycleKey ?? ''}/${r.unitId ?? ''}`;

/**
 * The deadlines to ring about: past due, neither handed in nor waived, in the person's scope, the
 * latest first; with each unit's contacts from the organisation of the moment (`org`) and the
 * last call recorded (`calls`, the campaign's `phoned` events).
 */
export function callRows(
  open: DeadlineRow[],
  calls: LedgerEvent[],
  c: CampaignContext,
  p: Principal,
  org: Org,
): CallRow[] {
  const nowMs = Date.parse(c.now);
  const ranks = officeRanks(c.plan);
  const last = new Map<string, LedgerEvent>();
  for (const e of calls) {
    const k = keyOf(e);
    const seen = last.get(k);
    if (!seen || seen.at <= e.at) last.set(k, e);
  }
  const out: CallRow[] = [];
  for (const row of open) {
    if (!canSee(p, row.unitId) || row.submittedAt || row.waivedAt || !row.dueAt) continue;
    if (Date.parse(row.dueAt) >= nowMs) continue;
    const base = row.obligationKey.replace(/\.review$/, '');
    const cell = cellOf(row, nowMs, ranks.get(base) ?? RECTIFICATION_RANK, soonMsOf(c.plan, row.obligationKey));
    const unit = org.units[row.unitId];
    out.push({ row, cell, secretary: unit?.secretary, liaison: unit?.liaison, lastCall: last.get(keyOf(row)) });
  }
  return out.sort((a, b) => b.cell.lateMs - a.cell.lateMs || a.row.unitId.localeCompare(b.row.unitId));
}

export interface CallsView {
  c: CampaignContext;
  lang: Lang;
  csrf: string;
  rows: CallRow[];
  /** A fresh token per card's form, so that the same call sent twice is recorded once. */
  nonce: () => string;
}

/** A person to ring: the post, the name, the number as a link a phone dials (or that none is on file). */
function personLine(post: string, who: Person | undefined, lang: Lang): Html | string {
  const t = tr(lang);
  if (!who) return '';
  const dial = who.phone?.replace(/[^0-9+]/g, '');
  return html`<li>
    ${post}
    ${who.name}：${
      who.phone && dial
        ? html`<a href="tel:${dial}">${who.phone}</a>`
        : html`<span class="hint">${t('名册中没有电话', 'no number in the roster')}</span>`
    }
  </li>`;
}

export function callsBody(v: CallsView): Html {
  const t = tr(v.lang);
  const { c } = v;
  const base = `/console/${encodeURIComponent(c.campaignId)}`;
  if (v.rows.length === 0)
    return html`<section class="card">
      <p>${t('没有逾期未交的事项，无需电话催办。', 'Nothing is overdue: nobody to ring.')}</p>
    </section>`;
  return html`<p class="hint">
      ${t(
        `共 ${v.rows.length} 项逾期未交，逾期最久的在前。电话号码来自当前的组织名册；记录的每次电话都进入台帐，并显示在该事项的记录中。`,
        `${v.rows.length} overdue, the latest first. Numbers are the current roster's; every call recorded goes to the ledger and the deadline's history.`,
      )}
    </p>
    <ul class="tokens" id="calls">
      ${v.rows.map((r, i) => {
        const k = r.row;
        const path = `${base}/o/${[k.obligationKey, k.cycleKey, k.unitId].map(encodeURIComponent).join('/')}`;
        const id = `call-${i}`;
        return html`<li id="${id}">
          <p>
            <strong><a href="${path}">${unitName(c, k.unitId)}</a></strong> ·
            ${obligationTitle(c, k.obligationKey, v.lang)} ${cycleShown(k.cycleKey)} ·
            ${swatch(r.cell.colour, v.lang, cellText(r.cell, v.lang))}
          </p>
          <p class="hint">${t('截止', 'due')} ${when(k.dueAt, c.timeZone, v.lang)}</p>
          <ul class="plain">
            ${personLine(t('书记', 'secretary'), r.secretary, v.lang)}
            ${personLine(t('联络员', 'liaison'), r.liaison, v.lang)}
          </ul>
          ${
            r.lastCall
              ? html`<p>
                  ${t('上次电话', 'Last call')}：${when(r.lastCall.at, c.timeZone, v.lang)} · ${r.lastCall.actor ?? ''}
                  · ${callText(r.lastCall, v.lang).join(' · ')}
                </p>`
              : html`<p class="hint">${t('尚未记录电话。', 'No call recorded yet.')}</p>`
          }
          <details>
            <summary>${t('记录这次电话', 'Record this call')}</summary>
            <form method="post" action="${path}/phoned" enctype="multipart/form-data">
              <input type="hidden" name="_csrf" value="${v.csrf}" />
              <input type="hidden" name="nonce" value="${v.nonce()}" />
              <fieldset>
                <legend>${t('是否接通', 'Reached?')}</legend>
                <input type="radio" id="${id}-reached" name="outcome" value="reached" required />
                <label for="${id}-reached">${t('已接通', 'reached')}</label>
                <input type="radio" id="${id}-unreached" name="outcome" value="unreached" />
                <label for="${id}-unreached">${t('未接通', 'not reached')}</label>
              </fieldset>
              <p>
                <label for="${id}-promised">${t('承诺报送日期（可不填）', 'Promised by (optional)')}</label>
                <input type="date" id="${id}-promised" name="promisedOn" />
              </p>
              <p>
                <label for="${id}-note">${t('记录（可不填）', 'Note (optional)')}</label>
                <input type="text" id="${id}-note" name="note" maxlength="500" />
              </p>
              <button type="submit">${t('记录', 'Record')}</button>
            </form>
          </details>
        </li>`;
      })}
    </ul>`;
}
