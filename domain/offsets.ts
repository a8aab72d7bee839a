/**
 * Offsets as plans write them: `+3d`, `-1w`, `+2M`, `+1y`, `+11h`, `+30m`, and `-3wd` for
 * working days of the Chinese calendar (调休 make-up days count as working days), combined
 * left to right: `+6M-1d` is "six months later, less a day".
 */
import type { DateTime } from 'luxon';
import { addWorkingDays } from './workdays';

export type OffsetUnit = 'y' | 'M' | 'w' | 'd' | 'h' | 'm' | 'wd';
export interface OffsetTerm {
  amount: number;
  unit: OffsetUnit;
}

const TERM = /([+-]\d+)(wd|[yMwdhm])/g;

export class OffsetError extends Error {
  override readonly name = 'OffsetError';
  readonly code = 'OFFSET_INVALID';
}

export function parseOffset(text: string): OffsetTerm[] {
  const terms: OffsetTerm[] = [];
  let consumed = 0;
  for (const m of text.matchAll(TERM)) {
    if (m.index !== consumed) break;
    terms.push({ amount: Number(m[1]), unit: m[2] as OffsetUnit });
    consumed += m[0].length;
  }
  if (terms.length === 0 || consumed !== text.length) {
    throw new OffsetError(`not an offset: "${text}" (expected e.g. +3d, -2wd, +1M-1d)`);
  }
  return terms;
}

const LUXON_UNIT = { y: 'years', M: 'months', w: 'weeks', d: 'days', h: 'hours', m: 'minutes' } as const;

/** Applies an offset to a date-time in its own zone; working days keep the time of day. */
export function applyOffset(dt: DateTime, offset: string): DateTime {
  let out = dt;
  for (const t of parseOffset(offset)) {
    if (t.unit === 'wd') {
      const date = addWorkingDays(out.toISODate()!, t.amount);
      const [year, month, day] = date.split('-').map(Number);
      out = out.set({ year, month, day });
    } else {
      out = out.plus({ [LUXON_UNIT[t.unit]]: t.amount });
    }
  }
  return out;
}

/** True when the offset points backwards (its first term is negative), as reminders must. */
export function isNegativeOffset(offset: string): boolean {
  const first = parseOffset(offset)[0]!;
  return first.amount < 0;
}

/**
 * Offsets longer than this are refused by the schemas: `+99999999999d` is a valid shape, but
 * luxon answers it with an invalid date, and `-20000wd` walks the calendar day by day.
 */
export const MAX_OFFSET_YEARS = 10;

const APPROX_DAYS = { y: 365.25, M: 30.44, w: 7, d: 1, wd: 1.4, h: 1 / 24, m: 1 / 1440 } as const;
const termMs = (t: OffsetTerm): number => t.amount * APPROX_DAYS[t.unit] * 86_400_000;

/**
 * True when the terms of an offset, added up without their signs, span at most `years`. Also
 * true for text that is no offset at all: the shape has its own check and its own message.
 */
export function offsetWithin(offset: string, years: number): boolean {
  let terms: OffsetTerm[];
  try {
    terms = parseOffset(offset);
  } catch {
    return true;
  }
  return terms.reduce((sum, t) => sum + Math.abs(termMs(t)), 0) <= years * APPROX_DAYS.y * 86_400_000;
}

/** Roughly how long an offset is, in ms (sign kept); for ordering checks in validation only. */
export function approximateMs(offset: string): number {
  return parseOffset(offset).reduce((sum, t) => sum + termMs(t), 0);
}
