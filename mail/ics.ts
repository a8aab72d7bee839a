/**
 * A one-event iCalendar attachment (RFC 5545) for a deadline, so the due instant lands in the
 * recipient's calendar. The UID derives from the dedupe key; DTSTAMP is the send instant, so
 * the same message always renders the same bytes.
 */
import { DateTime } from 'luxon';
import type { DeadlineMessage } from './types';
import { submitUrl } from './render';

/**
 * `20100925T155959Z`. Luxon parsing three instants took a twentieth of the sender's CPU; an
 * instant in UTC as the engine writes them (`toISOString`) is read by Date instead, and kept
 * only when it reads back the same (Date takes 30 February as 2 March, luxon refuses it).
 */
export function icsInstant(iso: string): string {
  if (/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?Z$/.test(iso)) {
    const back = new Date(Date.parse(iso) || 0).toISOString();
    if (back.slice(0, 19) === iso.slice(0, 19)) return back.slice(0, 19).replace(/[-:]/g, '') + 'Z';
  }
  return DateTime.fromISO(iso, { zone: 'utc' }).toFormat("yyyyLLdd'T'HHmmss'Z'");
}

/** A text value escaped as the RFC asks (backslash, semicolon, comma, newline). */
export function icsText(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\n/g, '\\n');
}

/** A content line folded at 75 octets as the RFC asks, never inside a character. */
export function icsFold(line: string): string {
  if (Buffer.byteLength(line, 'utf8') <= 75) return line;
  const parts: string[] = [];
  let start = 0;
  let end = 0;
  let bytes = 0;
  // Octets counted a character at a time (as Buffer.byteLength counts them, a lone surrogate 3).
  for (const ch of line) {
    const code = ch.codePointAt(0)!;
    const size = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    if (bytes + size > (parts.length === 0 ? 75 : 74)) {
      parts.push(line.slice(start, end));
      start = end;
      bytes = 0;
    }
    bytes += size;
    end += ch.length;
  }
  parts.push(line.slice(start));
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
    `DTSTAMP:${icsInstant(m.sentAt)}`,
    `DTSTART:${icsInstant(due)}`,
    `DTEND:${icsInstant(due)}`,
    `SUMMARY:${icsText(summary)}`,
    `DESCRIPTION:${icsText(`${m.unitName} ${m.cycleLabel ?? ''} ${m.obligationTitle ?? ''}`.trim())}`,
    `URL:${submitUrl(baseUrl, m, linkSecret)}`,
    'END:VEVENT',
    'END:VCALENDAR',
  ];
  return lines.map(icsFold).join('\r\n') + '\r\n';
}
