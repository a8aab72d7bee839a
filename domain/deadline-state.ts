/**
 * The supervision colours (督办) offices already use: green open, blue due soon, yellow
 * overdue, red escalated to the office or under a rectification order; closed once submitted,
 * waived, or closed unanswered.
 */
export const DEADLINE_STATES = ['green', 'blue', 'yellow', 'red', 'closed'] as const;
export type DeadlineState = (typeof DEADLINE_STATES)[number];

export type DeadlineOutcome = 'on-time' | 'late' | 'waived' | 'missing';

export interface DeadlineCounts {
  green: number;
  blue: number;
  yellow: number;
  red: number;
  closed: number;
}

export const ZERO_COUNTS: DeadlineCounts = { green: 0, blue: 0, yellow: 0, red: 0, closed: 0 };

export function addCounts(a: DeadlineCounts, b: DeadlineCounts): DeadlineCounts {
  return {
    green: a.green + b.green,
    blue: a.blue + b.blue,
    yellow: a.yellow + b.yellow,
    red: a.red + b.red,
    closed: a.closed + b.closed,
  };
}

export function countStates(states: Iterable<DeadlineState>): DeadlineCounts {
  const counts = { ...ZERO_COUNTS };
  for (const s of states) counts[s] += 1;
  return counts;
}

/** A deadline is "due soon" from this long before its due instant when the plan has no reminder. */
export const DEFAULT_SOON_MS = 3 * 24 * 3600 * 1000;

export interface StateInputs {
  nowMs: number;
  dueMs: number;
  /** The first reminder's instant, if any: the deadline turns blue from then. */
  firstReminderMs?: number;
  closed: boolean;
  /** The office has been told, or a rectification order issued. */
  atOffice: boolean;
}

export function deadlineState(i: StateInputs): DeadlineState {
  if (i.closed) return 'closed';
  if (i.atOffice) return 'red';
  if (i.nowMs > i.dueMs) return 'yellow';
  const soonFrom = i.firstReminderMs ?? i.dueMs - DEFAULT_SOON_MS;
  return i.nowMs >= soonFrom ? 'blue' : 'green';
}

/**
 * The colour of a deadline neither closed nor at the office by `nowMs`, from its steps (their
 * first reminder) and its due instant: what its batch counts once it has mailed a shared step, and
 * what a client reads between the deadline's own wakes (domain/engine/status-at.ts).
 */
export function openDeadlineState(
  nowMs: number,
  dueAt: string,
  steps: readonly { kind: string; at: string }[],
): DeadlineState {
  const reminder = steps.find((s) => s.kind === 'reminder');
  return deadlineState({
    nowMs,
    dueMs: Date.parse(dueAt),
    firstReminderMs: reminder ? Date.parse(reminder.at) : undefined,
    closed: false,
    atOffice: false,
  });
}
