/**
 * Renders a message from the template files in mail/templates/<locale>/<kind>.txt (first line
 * `Subject: …`, then the body) and the HTML layout. Placeholders are `{{name}}`; values are
 * HTML-escaped in the HTML part. A template that names an unknown placeholder is an error, so
 * a typo in an edited template is caught by the tests rather than mailed.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { formatDate, formatDuration, formatInstant, formatLateness, localIsoDate } from '../domain/format';
import { isWorkingDay } from '../domain/workdays';
import { holidayName } from '../domain/holiday-names';
import type { DeadlineMessage, DigestMailLine, Recipient } from './types';
import type { UnitPhone } from '../domain/recipients';
import { REDELIVERY_DAYS } from '../domain/engine/inputs';
import { linkUrl } from '../web/links';

export const TEMPLATES_DIR = path.join(__dirname, 'templates');

export class MailTemplateError extends Error {
  override readonly name = 'MailTemplateError';
  readonly code = 'MAIL_TEMPLATE';
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

const ROLE: Record<'zh' | 'en', Record<Recipient['role'], string>> = {
  zh: {
    liaison: '本单位联络员',
    secretary: '本单位书记',
    'parent-secretary': '上级党委书记（督办抄送）',
    office: '活动领导小组办公室（督办）',
    reviewer: '点评领导',
    member: '党员本人',
  },
  en: {
    liaison: "the unit's liaison",
    secretary: "the unit's secretary",
    'parent-secretary': 'secretary of the committee above (for follow-up)',
    office: 'the campaign office (supervision)',
    reviewer: 'the reviewing leader',
    member: 'the member',
  },
};

/**
 * A recipient's role as the mail names it where the plain role would mislead: the committee's
 * secretary is in copy to follow a branch up (督办抄送), but an addressee when the step is hers
 * alone (督办), and an addressee in the branch's stead when the branch has no address (代为转告),
 * as is the office above a branch without one.
 */
const ROLE_AS_ADDRESSEE: Record<'zh' | 'en', Partial<Record<Recipient['role'], string>>> = {
  zh: { 'parent-secretary': '上级党委书记（督办）' },
  en: { 'parent-secretary': 'secretary of the committee above (to follow up)' },
};
const ROLE_IN_STEAD: Record<'zh' | 'en', Partial<Record<Recipient['role'], string>>> = {
  zh: { 'parent-secretary': '上级党委书记（代为转告）', office: '活动领导小组办公室（代为转告）' },
  en: {
    'parent-secretary': "secretary of the committee above (told in the unit's stead)",
    office: "the campaign office (told in the unit's stead)",
  },
};

/** How the mail names `r`'s role: as addressee (`to`) or in copy, and whether the unit could not be mailed. */
export function roleLabel(r: Recipient, addressee: boolean, unitUnreachable: boolean, locale: 'zh' | 'en'): string {
  const special = !addressee
    ? undefined
    : unitUnreachable
      ? ROLE_IN_STEAD[locale][r.role]
      : ROLE_AS_ADDRESSEE[locale][r.role];
  return special ?? ROLE[locale][r.role];
}

const COLOUR: Record<string, string> = {
  notice: '#2e7d32',
  reminder: '#1565c0',
  due: '#1565c0',
  'review-due': '#2e7d32',
  'review-reminder': '#1565c0',
  'review-escalation': '#f9a825',
  escalation: '#f9a825',
  rectification: '#c62828',
  'phase-started': '#2e7d32',
  receipt: '#2e7d32',
  correction: '#1565c0',
  'correction-request': '#1565c0',
  'correction-declined': '#f9a825',
  'comment-correction': '#1565c0',
  'extension-request': '#1565c0',
  'extension-granted': '#2e7d32',
  'extension-declined': '#f9a825',
  digest: '#1565c0',
  'campaign-stopped': '#c62828',
};

const cache = new Map<string, string>();
function template(dir: string, name: string): string {
  const file = path.join(dir, name);
  let t = cache.get(file);
  if (t === undefined) {
    try {
      t = readFileSync(file, 'utf8');
    } catch (err) {
      throw new MailTemplateError(`missing mail template ${file}: ${(err as Error).message}`);
    }
    cache.set(file, t);
  }
  return t;
}

function fill(
  text: string,
  vars: Record<string, string>,
  file: string,
  escape: (s: string) => string = (s) => s,
): string {
  return text.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    const v = vars[key];
    if (v === undefined) throw new MailTemplateError(`${file}: unknown placeholder {{${key}}}`);
    return escape(v);
  });
}

/** An http(s) address in escaped HTML: ASCII URL characters only, so that the Chinese after it is not taken in. */
const URL_IN_HTML = /https?:\/\/[A-Za-z0-9\-._~:/?#@!$&;=%+,*]+/g;

const escapeHtml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/**
 * The link a message carries: a signed `/s/<token>` link when the mailer has the link secret
 * (web/links.ts), else the old unsigned `/submit/…` path. A review's cycle key is
 * `<cycle>:<reviewed unit>` (one review per branch); its link names the reviewed unit.
 */
export function submitUrl(baseUrl: string, m: DeadlineMessage, linkSecret?: string): string {
  if (linkSecret !== undefined && m.obligationKey && m.cycleKey) {
    const review = m.obligationKey.endsWith('.review');
    const [cycleKey, reviewed] = m.cycleKey.split(':');
    return linkUrl(baseUrl, linkSecret, {
      campaignId: m.campaignId,
      obligationKey: review ? m.obligationKey.slice(0, -'.review'.length) : m.obligationKey,
      cycleKey: review ? cycleKey! : m.cycleKey,
      unitId: review ? (reviewed ?? m.unitId) : m.unitId,
      purpose: review ? 'review' : 'submit',
    });
  }
  const parts = [m.campaignId, m.obligationKey ?? '', m.cycleKey ?? '', m.unitId].map(encodeURIComponent);
  return `${baseUrl.replace(/\/$/, '')}/submit/${parts.join('/')}`;
}

/** On time, or late by how long, as a receipt says it. */
/** On time or late by how much; in Chinese a leader's review comment is 点评 where a report is 报送. */
export function timeliness(lateMs: number, locale: 'zh' | 'en', review = false): string {
  if (lateMs <= 0) return locale === 'zh' ? (review ? '按时点评' : '按时报送') : 'on time';
  return locale === 'zh' ? `迟交${formatLateness(lateMs, 'zh')}` : `late by ${formatLateness(lateMs, 'en')}`;
}

/**
 * A cycle's report as one title: 2010年第三季度 + 季度工作汇报 → 2010年第三季度工作汇报, the cadence
 * word that ends the label and starts the title said once; a one-off's title alone.
 */
export function cycleTitle(cycleLabel: string, title: string): string {
  for (let n = Math.min(cycleLabel.length, title.length); n >= 2; n--) {
    if (cycleLabel.endsWith(title.slice(0, n))) return cycleLabel + title.slice(n);
  }
  return cycleLabel + title;
}

/** The values every template may use. */
export function templateVars(m: DeadlineMessage, baseUrl: string, linkSecret?: string): Record<string, string> {
  const zh = m.locale === 'zh';
  const due = m.dueAt;
  const left = due ? Date.parse(due) - Date.parse(m.sentAt) : 0;
  // Overdue is lateness, said to the minute like every lateness; time left stays floored.
  const daysText = !due ? '' : left >= 0 ? formatDuration(left, m.locale) : formatLateness(-left, m.locale);
  const dueLocalDate = due ? localIsoDate(due, m.timeZone) : '';
  const holiday = due ? holidayName(dueLocalDate) : undefined;
  const restDay = due ? !isWorkingDay(dueLocalDate) : false;
  const holidayNote = !due
    ? ''
    : holiday
      ? zh
        ? `（注意：截止日为${holiday}假期）`
        : ` (note: the due date falls in the ${holiday} holiday)`
      : restDay
        ? zh
          ? '（注意：截止日为休息日）'
          : ' (note: the due date is a rest day)'
        : '';
  const stead = m.unitUnreachable === true || m.undeliveredTo !== undefined;
  const audience = [
    ...m.to.map((r) => ({ r, addressee: true })),
    ...(m.cc ?? []).map((r) => ({ r, addressee: false })),
  ].map(({ r, addressee }) => `${r.name} <${r.email}>（${roleLabel(r, addressee, stead, m.locale)}）`);
  // Told in the unit's stead (it has no usable address, or its mailbox took nothing for days):
  // say why, and what to do with it.
  const insteadText = m.undeliveredTo
    ? zh
      ? `${m.unitName}的邮箱 ${m.undeliveredTo} 连续${REDELIVERY_DAYS}天未能接收本通知（对方邮件服务器暂拒，如邮箱已满），本通知改发给您，请转告该单位（链接可直接转发），并提醒其清理邮箱或请活动办公室更换邮箱。`
      : ` The mailbox of ${m.unitName}, ${m.undeliveredTo}, did not take this notice for ${REDELIVERY_DAYS} days (its mail server kept deferring it, as a full mailbox does), so it comes to you instead: please pass it on (the link may be forwarded), and have the unit empty its mailbox or ask the office to change its address.`
    : !m.unitUnreachable
      ? ''
      : zh
        ? `${m.unitName}在组织名册中没有可用邮箱，本通知改发给您，请转告该单位（链接可直接转发）；活动办公室补正名册后，此后的通知将直接发给该单位。`
        : ` ${m.unitName} has no usable address in the roster, so this notice comes to you instead: please pass it on (the link may be forwarded); once the office mends the roster, the unit is mailed itself.`;
  const audienceText =
    (zh
      ? `本通知发送给：${audience.join('；')}。您收到此邮件是因为您是上述角色之一。`
      : `This notice goes to: ${audience.join('; ')}. You receive it in one of these roles.`) + insteadText;
  // A one-off obligation's cycle label is only its cadence (一次性, one-off): it names no cycle, and
  // "请按时报送一次性党支部实施方案" reads wrong, so the mail leaves it out.
  const cycleLabel = m.cycleKey === 'once' ? '' : (m.cycleLabel ?? '');
  const obligationTitle = m.obligationTitle ?? '';
  return {
    campaignTitle: m.campaignTitle,
    unitName: m.unitName,
    obligationTitle,
    cycleLabel,
    forCycle: cycleLabel ? ` for ${cycleLabel}` : '',
    reportTitle: zh
      ? cycleTitle(cycleLabel, obligationTitle)
      : `${obligationTitle}${cycleLabel ? ` for ${cycleLabel}` : ''}`,
    phaseName: m.phaseName ?? '',
    phaseStartedByText: !m.phaseStartedBy
      ? ''
      : zh
        ? `（经${m.phaseStartedBy}决定提前开始）`
        : ` (started early by ${m.phaseStartedBy})`,
    reviewedText: m.reviewedUnitName ?? m.unitName,
    greeting: zh ? `${m.to.map((r) => r.name).join('、')}同志` : `Dear ${m.to.map((r) => r.name).join(', ')}`,
    dueText: due ? formatInstant(due, m.timeZone, m.locale) : '',
    dueDate: due ? formatDate(due, m.timeZone, m.locale) : '',
    daysText,
    holidayNote,
    rectificationText: m.rectificationDeadline ? formatInstant(m.rectificationDeadline, m.timeZone, m.locale) : '',
    rectificationDate: m.rectificationDeadline ? formatDate(m.rectificationDeadline, m.timeZone, m.locale) : '',
    sentDate: formatDate(m.sentAt, m.timeZone, m.locale),
    submitUrl: submitUrl(baseUrl, m, linkSecret),
    receiptNumber: m.receiptNumber ?? '',
    receivedText: m.receivedAt ? formatInstant(m.receivedAt, m.timeZone, m.locale) : '',
    timelinessText: timeliness(m.lateMs ?? 0, m.locale, (m.obligationKey ?? '').endsWith('.review')),
    sentText: formatInstant(m.sentAt, m.timeZone, m.locale),
    correctedBy: m.correctedBy ?? '',
    // The office's form to decide a unit's request for a correction.
    correctUrl: `${baseUrl.replace(/\/$/, '')}/console/${[m.campaignId, 'o', m.obligationKey ?? '', m.cycleKey ?? '', m.unitId].map(encodeURIComponent).join('/')}/correct`,
    correctionReason: m.correctionReason ?? '',
    // A request for more time: who asks (or who answers it) and why, the instant asked, and the
    // office's form to decide it, filled from the request.
    who: m.correctedBy ?? '',
    why: m.correctionReason ?? '',
    requestedText: m.requestedUntil ? formatInstant(m.requestedUntil, m.timeZone, m.locale) : '',
    requestedDate: m.requestedUntil ? formatDate(m.requestedUntil, m.timeZone, m.locale) : '',
    extendUrl: `${baseUrl.replace(/\/$/, '')}/console/${[m.campaignId, 'o', m.obligationKey ?? '', m.cycleKey ?? '', m.unitId].map(encodeURIComponent).join('/')}/extend?request=${m.requestNumber ?? ''}`,
    stoppedBy: m.stop?.by ?? '',
    stopReason: m.stop?.reason ?? '',
    stoppedText: m.stop ? formatInstant(m.stop.at, m.timeZone, m.locale) : '',
    audienceText,
    contactText: phoneText(m.unitPhones ?? [], zh),
    ...digestVars(m, baseUrl, linkSecret),
  };
}

/**
 * A weekly digest's parts (`{{overdueText}}`, `{{dueSoonText}}`), each deadline a line with how
 * late it is or when it is due, and under it the unit's signed link, which the committee may
 * forward; the counts, what the lists leave out, and the console's address.
 */
function digestVars(m: DeadlineMessage, baseUrl: string, linkSecret?: string): Record<string, string> {
  const zh = m.locale === 'zh';
  const d = m.digest;
  const base = baseUrl.replace(/\/$/, '');
  const vars = {
    overdueCount: String(d?.overdueCount ?? 0),
    dueSoonCount: String(d?.dueSoonCount ?? 0),
    consoleUrl: `${base}/console/${encodeURIComponent(m.campaignId)}`,
    scopeText: d?.office
      ? zh
        ? '全校各单位'
        : 'every unit'
      : zh
        ? `${m.unitName}及所属单位`
        : `${m.unitName} and the units under it`,
  };
  if (!d) return { ...vars, overdueText: '', dueSoonText: '', moreText: '' };
  const title = (l: DigestMailLine): string =>
    zh
      ? cycleTitle(l.cycleKey === 'once' ? '' : l.cycleLabel, l.obligationTitle)
      : `${l.obligationTitle}${l.cycleKey === 'once' ? '' : ` for ${l.cycleLabel}`}`;
  const link = (l: DigestMailLine): string =>
    submitUrl(base, { ...m, obligationKey: l.obligationKey, cycleKey: l.cycleKey, unitId: l.unitId }, linkSecret);
  const stage = (l: DigestMailLine): string =>
    l.rectification
      ? zh
        ? '，已下达整改通知'
        : ', ordered to rectify'
      : l.escalation > 0
        ? zh
          ? `，已督办${l.escalation}次`
          : `, escalated ${l.escalation}×`
        : '';
  const due = (l: DigestMailLine): string => formatInstant(l.dueAt, m.timeZone, m.locale);
  const overdue = d.overdue.map((l) =>
    zh
      ? `· ${l.unitName}「${title(l)}」已逾期${formatLateness(l.lateMs, 'zh')}${stage(l)}（截止${due(l)}）\n  ${link(l)}`
      : `· ${l.unitName}, ${title(l)}: late by ${formatLateness(l.lateMs, 'en')}${stage(l)} (due ${due(l)})\n  ${link(l)}`,
  );
  const dueSoon = d.dueSoon.map((l) =>
    zh
      ? `· ${l.unitName}「${title(l)}」${due(l)}截止（还有${formatDuration(-l.lateMs, 'zh')}）\n  ${link(l)}`
      : `· ${l.unitName}, ${title(l)}: due ${due(l)} (in ${formatDuration(-l.lateMs, 'en')})\n  ${link(l)}`,
  );
  const none = zh ? '无' : 'none';
  const left = d.overdueCount - d.overdue.length + (d.dueSoonCount - d.dueSoon.length);
  return {
    ...vars,
    overdueText: overdue.join('\n') || none,
    dueSoonText: dueSoon.join('\n') || none,
    moreText: left === 0 ? '' : zh ? `另有${left}项未列出。` : `${left} more are not listed. `,
  };
}

/**
 * The unit's telephones as an escalation or a rectification order says them after asking its
 * reader to chase the unit (`{{contactText}}`, closing that sentence's line); empty without any.
 */
function phoneText(phones: readonly UnitPhone[], zh: boolean): string {
  if (phones.length === 0) return '';
  const post = (p: UnitPhone): string =>
    zh ? (p.post === 'secretary' ? '书记' : '联络员') : p.post === 'secretary' ? 'secretary' : 'liaison';
  return zh
    ? `联系电话：${phones.map((p) => `${post(p)} ${p.name} ${p.phone}`).join('；')}。`
    : ` Telephone: ${phones.map((p) => `${post(p)} ${p.name}, ${p.phone}`).join('; ')}.`;
}

export function renderMessage(
  m: DeadlineMessage,
  baseUrl: string,
  dir = TEMPLATES_DIR,
  linkSecret?: string,
): RenderedMail {
  const file = path.join(dir, m.locale, `${m.kind}.txt`);
  const raw = template(path.join(dir, m.locale), `${m.kind}.txt`);
  const [first, ...rest] = raw.split('\n');
  if (!first?.startsWith('Subject: ')) throw new MailTemplateError(`${file}: the first line must be "Subject: …"`);
  const vars = templateVars(m, baseUrl, linkSecret);
  const subject = fill(first.slice('Subject: '.length), vars, file).trim();
  const body = rest.join('\n').trim();
  const text = fill(body, vars, file);
  const bodyHtml = body
    .split(/\n\s*\n/)
    .map((para) => `<p>${fill(para, vars, file, escapeHtml).replace(/\n/g, '<br>')}</p>`)
    .join('\n')
    // Every address a link a reader can tap (the submission link, the console's forms, a digest's
    // links), broken anywhere: a signed link is longer than a phone's screen is wide.
    .replace(URL_IN_HTML, (url) => `<span style="word-break: break-all"><a href="${url}">${url}</a></span>`);
  const layout = template(dir, 'layout.html');
  const html = fill(
    layout,
    {
      lang: m.locale === 'zh' ? 'zh-CN' : 'en',
      subject: escapeHtml(subject),
      colour: COLOUR[m.kind] ?? '#2e7d32',
      bodyHtml,
      footer: escapeHtml(
        m.locale === 'zh' ? `${m.campaignTitle} · 自动发送，请勿直接回复` : `${m.campaignTitle} · sent automatically`,
      ),
    },
    path.join(dir, 'layout.html'),
  );
  return { subject, text, html };
}
