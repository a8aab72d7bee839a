/**
 * Every refusal, said twice: as a Chinese page for people and as application/problem+json
 * (RFC 9457) naming the field for the API. Nothing is changed before a request is refused.
 */
import { CampaignRequestError } from '../client/campaigns';
import { NomineeInputError } from '../client/nomination';
import { TemporalConnectionError } from '../config/temporal-connection';
import { AttachmentRejected } from './attachments';
import { GradeInputError, NominationRefusedError } from '../domain/grading';
import { IdInputError } from '../domain/ids';
import { JoinChoiceError } from '../domain/join-choice';
import { OrgValidationError, PlanValidationError } from '../domain/errors';
import { CampaignTooLargeError } from '../domain/limits';

export class WebError extends Error {
  override readonly name = 'WebError';
  constructor(
    readonly status: number,
    /** The Chinese title of the page (and the problem's title). */
    readonly title: string,
    message: string,
    readonly field?: string,
    /** Every field at fault, when there are several (a plan's issues). */
    readonly errors?: { field: string; message: string }[],
  ) {
    super(message);
  }
}

export const forbidden = (what = '您无权查看或操作该单位的事项。'): WebError => new WebError(403, '无权访问', what);

/** The error as the service says it: status, Chinese title, detail and the field at fault. */
export function describeError(err: unknown): WebError {
  if (err instanceof WebError) return err;
  if (err instanceof PlanValidationError || err instanceof OrgValidationError) {
    // Each issue as its field in the request (`body.plan.phases[1].end`), its line and column in the message.
    const body = err instanceof PlanValidationError ? 'body.plan' : 'body.org';
    const issues = err.issues.map((i) => ({
      field: `${body}${i.path ? `.${i.path}` : ''}`,
      message: `${[i.line, i.column].filter((x) => x !== undefined).join(':')} ${i.message}`.trim(),
    }));
    return new WebError(
      400,
      err instanceof PlanValidationError ? '方案有误' : '组织名册有误',
      err.message,
      issues[0]?.field,
      issues,
    );
  }
  if (err instanceof CampaignTooLargeError) return new WebError(413, '活动过大', err.message, 'body.plan');
  if (err instanceof IdInputError) return new WebError(400, '请求有误', err.message, err.field);
  if (err instanceof JoinChoiceError) return new WebError(400, '补充参加的选择有误', err.message, err.field);
  if (err instanceof AttachmentRejected) return new WebError(415, '附件不符合要求', err.message, err.field);
  // Every row and field at fault is in the message; nothing was recorded.
  if (err instanceof GradeInputError) return new WebError(400, '等级未保存', err.message, err.issues[0]?.path);
  if (err instanceof NominationRefusedError) return new WebError(409, '不能推荐为先进党支部', err.message, 'unitId');
  if (err instanceof NomineeInputError) return new WebError(400, '推荐对象有误', err.message, err.field);
  if (err instanceof TemporalConnectionError)
    return new WebError(503, '服务暂时不可用', '活动引擎暂时无法连接，请稍后再试。');
  if (err instanceof CampaignRequestError) {
    switch (err.code) {
      case 'NOT_READY':
        return new WebError(503, '正在启动', '该活动或事项刚刚启动，尚未就绪，请稍后再试。');
      case 'NO_WORKER':
        return new WebError(503, '服务暂时不可用', '活动引擎的工作进程未在运行，请稍后再试或联系管理员。');
      case 'CAMPAIGN_EXISTS':
        return new WebError(409, '活动已存在', err.message, 'body.plan.id');
      case 'CAMPAIGN_NOT_FOUND':
        return new WebError(404, '没有这项活动', `活动不存在（${err.message}）`, 'campaignId');
      case 'UNKNOWN_OBLIGATION':
        return new WebError(404, '没有这个报送事项', err.message, 'obligationKey');
      case 'UNKNOWN_UNIT':
        return new WebError(404, '没有这个单位', err.message, 'unitId');
      case 'CYCLE_NOT_OPEN':
        return new WebError(409, '该事项未开放或已关闭', `不能再提交：${err.message}`);
      case 'REJECTED':
        return new WebError(409, rejectionTitle(err.message), err.message);
      default:
        return new WebError(409, '请求被拒绝', err.message);
    }
  }
  const e = err as { statusCode?: number; code?: string; message?: string };
  if (e.code === 'FST_REQ_FILE_TOO_LARGE')
    return new WebError(413, '附件过大', '每个附件不超过 20 MB。', 'attachments');
  if (e.code === 'FST_FILES_LIMIT' || e.code === 'FST_PARTS_LIMIT')
    return new WebError(413, '附件过多', '每次最多 5 个附件。', 'attachments');
  if (e.code === 'FST_CSRF_INVALID_TOKEN' || e.code === 'FST_CSRF_MISSING_SECRET')
    return new WebError(403, '页面已过期', '表单校验失败（CSRF），请刷新页面后重新提交。', '_csrf');
  if (e.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || e.code === 'FST_ERR_CTP_EMPTY_JSON_BODY')
    return new WebError(400, '请求格式错误', `请求体不是合法的 JSON：${e.message ?? ''}`, 'body');
  // A form cut short or without its boundary: the parser's own words (@fastify/busboy), no status of its own.
  if (e.statusCode === undefined && /multipart/i.test(e.message ?? ''))
    return new WebError(400, '请求格式错误', '表单数据不完整或格式错误，请重新提交。', 'body');
  if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
    return new WebError(413, '请求过大', '请求体过大（每个附件不超过 20 MB）。', 'body');
  if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
    return new WebError(415, '请求格式错误', '不支持的请求类型。', 'content-type');
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500)
    return new WebError(e.statusCode, '请求有误', e.message ?? '请求有误');
  return new WebError(500, '服务出错', '服务内部出错，请稍后再试；已记录。');
}

function rejectionTitle(message: string): string {
  if (/the campaign was stopped/.test(message)) return '活动已终止';
  if (/waived/.test(message)) return '该事项已免报';
  if (/already submitted/.test(message)) return '已报送过';
  if (/closed/.test(message)) return '该事项已关闭';
  if (/"text"/.test(message)) return '内容不能为空';
  return '请求被拒绝';
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: { field: string; message: string }[];
}

export function problem(e: WebError, errors?: { field: string; message: string }[]): Problem {
  return {
    type: 'about:blank',
    title: e.title,
    status: e.status,
    detail: e.message,
    ...(errors
      ? { errors }
      : e.errors
        ? { errors: e.errors }
        : e.field
          ? { errors: [{ field: e.field, message: e.message }] }
          : {}),
  };
}
