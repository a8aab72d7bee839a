/**
 * What the pages' forms share: a text field of a multipart body (trimmed; a file or a missing
 * field reads as empty), an uploaded file's name as a page may say it, the office's forms'
 * gate, and an HTML answer that no cache keeps (pages carry CSRF tokens and people's data).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { MultipartValue } from '@fastify/multipart';
import { forbidden, WebError } from './errors';
import { html, type Html } from './html';

export type FormBody = Record<string, MultipartValue | MultipartValue[] | undefined>;

const fieldText = (v: MultipartValue | undefined): string =>
  v && v.type === 'field' && typeof v.value === 'string' ? v.value.trim() : '';

/** A field's one value; a field sent more than once (a forged form) reads as empty. */
export function formField(body: unknown, name: string): string {
  const v = (body as FormBody | undefined)?.[name];
  return Array.isArray(v) ? '' : fieldText(v);
}

/** Every value of a field sent once per ticked box (checkboxes sharing a name), empty ones left out. */
export function formFieldValues(body: unknown, name: string): string[] {
  const v = (body as FormBody | undefined)?.[name];
  return (Array.isArray(v) ? v : [v]).map(fieldText).filter((x) => x !== '');
}

/** An uploaded file's name as a page says it: its last segment, without control characters, clipped. */
export const uploadedName = (name: string, fallback: string): string =>
  [...(name.split(/[\\/]/).pop() ?? '').replace(/\p{Cc}/gu, '')].slice(0, 100).join('') || fallback;

/** The office's pages and forms: anyone else is refused before the body is read (a forged POST answers 403). */
export function officeOnly(req: FastifyRequest, _reply: FastifyReply, done: (err?: Error) => void): void {
  const p = req.principal;
  if (!p) return done(new WebError(401, '请先登录', '请先登录后再打开办公室控制台。'));
  done(p.role === 'office' ? undefined : forbidden('只有活动办公室可以执行此操作。'));
}

export const htmlReply = (reply: FastifyReply, body: string): FastifyReply =>
  reply.type('text/html; charset=utf-8').header('Cache-Control', 'no-store').send(body);

/**
 * The reason and the tick every office form asks for; `id` keeps two forms on one page apart,
 * `value` starts the reason from what the office answers (a unit's request).
 */
export function confirmBox(t: (zh: string, en: string) => string, id = '', label?: string, value = ''): Html {
  return html` <label for="${id}reason"
      >${label ?? t('理由（将记录在台帐中）', 'Reason (recorded in the ledger)')}</label
    >
    <textarea id="${id}reason" name="reason" required maxlength="2000">${value}</textarea>
    <p>
      <input type="checkbox" id="${id}confirm" name="confirm" value="yes" required />
      <label for="${id}confirm">${t('我已核对以上内容，确认执行', 'I have checked the above and confirm')}</label>
    </p>`;
}

/** The reason of a form built with `confirmBox`, once its tick is there: refused by field otherwise. */
export function readConfirmed(req: FastifyRequest): string {
  if (formField(req.body, 'confirm') !== 'yes')
    throw new WebError(400, '请确认', '请勾选“确认执行”后再提交。', 'confirm');
  const reason = formField(req.body, 'reason');
  if (reason === '' || reason.length > 2000)
    throw new WebError(400, '请填写理由', '理由不能为空（最多2000字）。', 'reason');
  return reason;
}
