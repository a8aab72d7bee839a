/**
 * Instants and durations as people read them, in the campaign's time zone:
 * `2010年7月31日（星期六）23:59` or `Sat 31 Jul 2010 23:59`; `3天5小时` or `3 d 5 h`.
 */
import { DateTime } from 'luxon';

const ZH_WEEKDAY = ['一', '二', '三', '四', '五', '六', '日'];

/**
 * Formatted instants, by what they were formatted from. Luxon works out a zone's offset through
 * Intl for every instant it parses, which took a tenth of the mail benchmark's CPU; the messages
 * of one cycle share their due instant and their sending instant, so most formatting repeats.
 * Pure functions of their arguments: the cache changes no result (workflows may import this).
 */
const formatted = new Map<string, string>();
const FORMATTED_KEPT = 2048;

function memo(key: string, format: () => string): string {
  let text = formatted.get(key);
  if (text === undefined) {
    if (formatted.size >= FORMATTED_KEPT) formatted.clear();
    text = format();
    formatted.set(key, text);
  }
  return text;
}

export function formatInstant(instant: string, zone: string, locale: 'zh' | 'en'): string {
  return memo(`i|${instant}|${zone}|${locale}`, () => {
    const dt = DateTime.fromISO(instant, { zone });
    if (locale === 'en') return dt.setLocale('en-GB').toFormat('ccc d LLL yyyy HH:mm');
    return `${dt.year}年${dt.month}月${dt.day}日（星期${ZH_WEEKDAY[dt.weekday - 1]}）${dt.toFormat('HH:mm')}`;
  });
}

export function formatDate(instant: string, zone: string, locale: 'zh' | 'en'): string {
  return memo(`d|${instant}|${zone}|${locale}`, () => {
    const dt = DateTime.fromISO(instant, { zone });
    return locale === 'en' ? dt.setLocale('en-GB').toFormat('ccc d LLL yyyy') : `${dt.year}年${dt.month}月${dt.day}日`;
  });
}

/** A plan's calendar day (`yyyy-mm-dd`, no zone: a day of the plan's own), with its weekday. */
export function formatDay(isoDate: string, locale: 'zh' | 'en'): string {
  return memo(`D|${isoDate}|${locale}`, () => {
    const dt = DateTime.fromISO(isoDate, { zone: 'UTC' });
    if (locale === 'en') return dt.setLocale('en-GB').toFormat('ccc d LLL yyyy');
    return `${dt.year}年${dt.month}月${dt.day}日（星期${ZH_WEEKDAY[dt.weekday - 1]}）`;
  });
}

/** The instant's calendar date in the zone, `yyyy-mm-dd`. */
export function localIsoDate(instant: string, zone: string): string {
  return memo(`l|${instant}|${zone}`, () => DateTime.fromISO(instant, { zone }).toISODate()!);
}

export function formatDuration(ms: number, locale: 'zh' | 'en'): string {
  const totalHours = Math.floor(Math.abs(ms) / 3_600_000);
  const days = Math.floor(totalHours / 24);
  const hours = totalHours % 24;
  const minutes = Math.floor((Math.abs(ms) % 3_600_000) / 60_000);
  if (locale === 'en') {
    if (days > 0) return hours > 0 ? `${days} d ${hours} h` : `${days} d`;
    return hours > 0 ? `${hours} h` : `${minutes} min`;
  }
  if (days > 0) return hours > 0 ? `${days}天${hours}小时` : `${days}天`;
  return hours > 0 ? `${hours}小时` : `${minutes}分钟`;
}

/** Whole days from `from` to `to` (positive when `to` is later), counted by 24 h. */
export function daysBetween(from: string, to: string): number {
  return Math.floor((Date.parse(to) - Date.parse(from)) / 86_400_000);
}

/**
 * Lateness as a person reads it: to the minute. The ledger keeps the exact milliseconds (a
 * rehearsal's clock adds a few); a report that says 777,600,004 ms means 9 days.
 */
export function lateMinutesMs(ms: number): number {
  return Math.round(ms / 60_000) * 60_000;
}

/**
 * Lateness in words (a receipt, the console's cells and lines, `submit`): rounded to the minute
 * with lateMinutesMs before formatDuration floors it to days and hours, so that a rehearsal's
 * 9 days less 4 ms reads 9天, not 8天23小时. Every place a person reads lateness goes through here.
 */
export function formatLateness(ms: number, locale: 'zh' | 'en'): string {
  return formatDuration(lateMinutesMs(ms), locale);
}
