/**
 * Instants and durations as people read them, in the campaign's time zone:
 * `2010年7月31日（星期六）23:59` or `Sat 31 Jul 2010 23:59`; `3天5小时` or `3 d 5 h`.
 */
import { DateTime } from 'luxon';

const ZH_WEEKDAY = ['一', '二', '三', '四', '五', '六', '日'];

export function formatInstant(instant: string, zone: string, locale: 'zh' | 'en'): string {
  const dt = DateTime.fromISO(instant, { zone });
  if (locale === 'en') return dt.setLocale('en-GB').toFormat('ccc d LLL yyyy HH:mm');
  return `${dt.year}年${dt.month}月${dt.day}日（星期${ZH_WEEKDAY[dt.weekday - 1]}）${dt.toFormat('HH:mm')}`;
}

export function formatDate(instant: string, zone: string, locale: 'zh' | 'en'): string {
  const dt = DateTime.fromISO(instant, { zone });
  return locale === 'en' ? dt.setLocale('en-GB').toFormat('ccc d LLL yyyy') : `${dt.year}年${dt.month}月${dt.day}日`;
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
