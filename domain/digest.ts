/**
 * The weekly digest (每周督办简报): on the first working day of each week, at 08:30 in the
 * campaign's zone, every committee is mailed what its branches and itself still owe: the
 * deadlines past due, the latest first, and those due within the week; the office is mailed the
 * same for the whole university. It is what a committee secretary otherwise assembles from a
 * week's mail, or the office from its spreadsheet before the Monday meeting. A committee with
 * nothing overdue or due is mailed nothing.
 *
 * Pure: the digest workflow computes its instants here, and the activity its contents.
 */
import { DateTime } from 'luxon';
import type { Org } from './org-schema';
import { isWorkingDay } from './workdays';

/** When in the day the digest goes out, in the campaign's zone. */
export const DIGEST_TIME = { hour: 8, minute: 30 } as const;
/** How far ahead "due soon" looks. */
export const DIGEST_AHEAD_MS = 7 * 24 * 3600 * 1000;
/** Lines a digest lists in each of its two parts; the rest are counted, and the console has them all. */
export const DIGEST_MAX_LINES = 30;

/**
 * The first digest instant after `afterMs`: 08:30 on the first working day of a week (Monday,
 * or the next working day when Monday is a holiday: 国庆 may move it to the Saturday worked in
 * exchange). A week with no working day has no digest.
 */
export function nextDigestAt(afterMs: number, zone: string): number {
  let day = DateTime.fromMillis(afterMs, { zone }).startOf('day');
  for (let i = 0; i < 400; i++, day = day.plus({ days: 1 })) {
    if (!isWorkingDay(day.toISODate()!)) continue;
    // The first working day of its week: no working day from that Monday to the day before.
    let first = true;
    for (let d = day.startOf('week'); d < day; d = d.plus({ days: 1 })) if (isWorkingDay(d.toISODate()!)) first = false;
    const at = day.set({ hour: DIGEST_TIME.hour, minute: DIGEST_TIME.minute }).toMillis();
    if (first && at > afterMs) return at;
  }
  throw new RangeError(`no working day within 400 days after ${new Date(afterMs).toISOString()}`);
}

/** The week a digest is of, as its mail's step names it: `2010-W39` (ISO week, in the campaign's zone). */
export function digestWeekKey(atMs: number, zone: string): string {
  const d = DateTime.fromMillis(atMs, { zone });
  return `${d.weekYear}-W${String(d.weekNumber).padStart(2, '0')}`;
}

/** An open deadline as the ledger's row gives it (ledger/types.ts DeadlineRow). */
export interface OpenDeadlineRow {
  obligationKey: string;
  cycleKey: string;
  unitId: string;
  dueAt: string | null;
  highestEscalation: number;
  rectificationDeadline: string | null;
}

/** One deadline in a digest. */
export interface DigestLine {
  unitId: string;
  obligationKey: string;
  cycleKey: string;
  dueAt: string;
  /** How far past due at the digest's instant (0 or less: not yet due). */
  lateMs: number;
  /** How far its escalation ladder has gone (0: not yet), and whether a rectification order is out. */
  escalation: number;
  rectification: boolean;
}

/** One addressee's digest: a committee's (its own deadlines and its branches'), or the office's (everyone's). */
export interface DigestContent {
  /** The committee, or the office. */
  unitId: string;
  overdue: DigestLine[];
  dueSoon: DigestLine[];
  /** How many of each there are, beyond the lines listed. */
  overdueCount: number;
  dueSoonCount: number;
}

/**
 * The digests at `atMs` from the campaign's open deadlines: one per committee that has anything
 * overdue or due within `DIGEST_AHEAD_MS`, and the office's when anything is. Lines overdue the
 * latest first, lines due the soonest first, each part cut at `DIGEST_MAX_LINES`.
 */
export function digestsOf(rows: readonly OpenDeadlineRow[], org: Org, atMs: number): DigestContent[] {
  const lineOf = (r: OpenDeadlineRow): DigestLine | undefined => {
    if (!r.dueAt) return undefined;
    const due = Date.parse(r.dueAt);
    if (due > atMs + DIGEST_AHEAD_MS) return undefined;
    return {
      unitId: r.unitId,
      obligationKey: r.obligationKey,
      cycleKey: r.cycleKey,
      dueAt: r.dueAt,
      lateMs: atMs - due,
      escalation: r.highestEscalation,
      rectification: r.rectificationDeadline !== null,
    };
  };
  const lines = rows.flatMap((r) => lineOf(r) ?? []);
  const byAddressee = new Map<string, DigestLine[]>();
  const add = (unitId: string, line: DigestLine) => {
    const list = byAddressee.get(unitId);
    if (list) list.push(line);
    else byAddressee.set(unitId, [line]);
  };
  for (const line of lines) {
    const committee = org.units[line.unitId]?.committeeId;
    if (committee && org.units[committee]) add(committee, line);
    add(org.officeId, line);
  }
  const out: DigestContent[] = [];
  // In the roster's order, the office last: the order the mail goes out in.
  for (const unitId of [...org.order.filter((id) => id !== org.officeId), org.officeId]) {
    const mine = byAddressee.get(unitId);
    if (!mine) continue;
    const overdue = mine
      .filter((l) => l.lateMs > 0)
      .sort((a, b) => b.lateMs - a.lateMs || a.unitId.localeCompare(b.unitId));
    const dueSoon = mine
      .filter((l) => l.lateMs <= 0)
      .sort((a, b) => a.dueAt.localeCompare(b.dueAt) || a.unitId.localeCompare(b.unitId));
    out.push({
      unitId,
      overdue: overdue.slice(0, DIGEST_MAX_LINES),
      dueSoon: dueSoon.slice(0, DIGEST_MAX_LINES),
      overdueCount: overdue.length,
      dueSoonCount: dueSoon.length,
    });
  }
  return out;
}
