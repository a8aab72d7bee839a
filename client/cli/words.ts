/**
 * The command line's names for the engine's codes (colours, steps, audiences, submitter levels),
 * in the language of the run (`lang.ts`), so that no table mixes English labels with Chinese
 * values. Plan and unit names are the office's own data and are shown as written.
 */
import type { DeadlineState } from '../../domain/deadline-state';
import type { Audience, Obligation, OpenedBy } from '../../domain/plan-schema';
import { parseOffset, type OffsetUnit } from '../../domain/offsets';
import type { ScheduledStep } from '../../domain/calendar-types';
import { say } from './lang';

/** The supervision colours (督办), with what each means. */
export function stateWord(state: DeadlineState): string {
  const words: Record<DeadlineState, [string, string]> = {
    green: ['绿（未到期）', 'green (open)'],
    blue: ['蓝（临近截止）', 'blue (due soon)'],
    yellow: ['黄（逾期）', 'yellow (overdue)'],
    red: ['红（已督办）', 'red (escalated)'],
    closed: ['已结束', 'closed'],
  };
  return say(...words[state]);
}

/** notice, reminder-2, due, escalation-1, rectification. */
export function stepWord(s: Pick<ScheduledStep, 'step' | 'kind'>): string {
  const n = /-(\d+)$/.exec(s.step)?.[1] ?? '';
  switch (s.kind) {
    case 'notice':
      return say('开始通知', 'notice');
    case 'reminder':
      return say(`第${n}次提醒`, `reminder ${n}`);
    case 'due':
      return say('截止当日提醒', 'due today');
    case 'escalation':
      return say(`第${n}次督办`, `escalation ${n}`);
    case 'rectification':
      return say('限期整改通知', 'rectification order');
  }
}

export function audienceWord(a: Audience): string {
  const words: Record<Audience, [string, string]> = {
    unit: ['本单位', 'the unit'],
    parent: ['上级党组织', 'its parent'],
    office: ['活动领导小组办公室', 'the office'],
  };
  return say(...words[a]);
}

export function submitterWord(level: Obligation['submitters']['level']): string {
  const words: Record<Obligation['submitters']['level'], [string, string]> = {
    committee: ['直属党委（总支）', 'committees'],
    branch: ['党支部', 'branches'],
    member: ['党员', 'members'],
  };
  return say(...words[level]);
}

export function receiverWord(receiver: Obligation['receiver']): string {
  return receiver === 'office' ? audienceWord('office') : audienceWord('parent');
}

const GRADING_STEP_WORDS = {
  self: ['党支部自评', 'the branch’s self-evaluation'],
  preliminary: ['基层党委初评', 'the committee’s preliminary grade'],
  final: ['学校党委考评定级', 'the university’s grade'],
} as const;

/** When an event-opened obligation opens: "opened when …" (preview). */
export function openedWhenWords(by: OpenedBy): string {
  if (by.event === 'secretary-appointed')
    return say(
      '新任党支部书记任命时开启（每次任命一次）',
      'opened when a new branch secretary is appointed (once per appointment)',
    );
  const [zh, en] = GRADING_STEP_WORDS[by.step];
  return say(
    `${zh}为 ${by.grades.join('、')} 级时开启（每个党支部每年一次）`,
    `opened when ${en} of a branch is ${by.grades.join(' or ')} (once a year per branch)`,
  );
}

const OFFSET_WORDS: Record<OffsetUnit, [string, string]> = {
  y: ['年', 'year'],
  M: ['个月', 'month'],
  w: ['周', 'week'],
  d: ['天', 'day'],
  h: ['小时', 'hour'],
  m: ['分钟', 'minute'],
  wd: ['个工作日', 'working day'],
};

/** An offset as people say it, without its sign: +6M → 6个月 / 6 months; +1M-1d → 1个月减1天. */
export function offsetWords(offset: string): string {
  return parseOffset(offset)
    .map(({ amount, unit }, i) => {
      const n = Math.abs(amount);
      const [zh, en] = OFFSET_WORDS[unit];
      const sign = i > 0 ? (amount < 0 ? say('减', ' less ') : say('加', ' and ')) : '';
      return sign + say(`${n}${zh}`, `${n} ${en}${n === 1 ? '' : 's'}`);
    })
    .join('');
}

/** Pads to a width in terminal columns: a Chinese character takes two. */
export function pad(text: string, columns: number): string {
  const width = [...text].reduce(
    (w, ch) =>
      w +
      (/[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(ch)
        ? 2
        : 1),
    0,
  );
  return text + ' '.repeat(Math.max(0, columns - width));
}
