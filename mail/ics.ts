/**
 * A one-event iCalendar attachment (RFC 5545) for a deadline, so the due instant lands in the
 * recipient's calendar. The UID derives from the dedupe key; DTSTAMP is the send instant, so
 * the same message always renders the same bytes.
 */
import { DateTime } from 'luxon';
import type { DeadlineMessage } from './types';
import { submitUrl } from './render';

const utc = (iso: string): string => DateTime.fromISO(iso, { zone: 'utc' }).toFormat("yyyyLLdd'T'HHmmss'Z'");

/** Escapes text values and folds lines at 75 octets as the RFC asks. */
function text(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\n/g, '\\n');
}

function fold(line: string): string {
  const bytes = Buffer.from(line, 'utf8');
  if (bytes.length <= 75) return line;
  const parts: string[] = [];
  let current = '';
  for (const ch of line) {
    if (Buffer.byteLength(current + ch, 'utf8') > (parts.length === 0 ? 75 : 74)) {
      parts.push(current);
      current = '';
    }
    current += ch;
  }
  parts.push(current);
  return parts.join('\r\n ');
}

export function calendarEvent(
  m: DeadlineMessage,
  key: string,
  summary: string,
  baseUrl: string,
  linkSecret?: string,
): string {
  const due = m.dueAt!;
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//campaign-reminders//deadline//ZH',
    'METHOD:PUBLISH',
    'BEGIN:VEVENT',
    `UID:${key.replace(/[^A-Za-z0-9._-]/g, '_')}@campaign.invalid`,
    `DTSTAMP:${utc(m.sentAt)}`,
    `DTSTART:${utc(due)}`,
    `DTEND:${utc(due)}`,
    `SUMMARY:${text(summary)}`,
    `DESCRIPTION:${text(`${m.unitName} ${m.cycleLabel ?? ''} ${m.obligationTitle ?? ''}`.trim())}`,
    `URL:${submitUrl(baseUrl, m, linkSecret)}`,
    'END:VEVENT',
    'END:VCALENDAR',
  ];
  return lines.map(fold).join('\r\n') + '\r\n';
}
