/**
 * A person's calendar feed (RFC 5545): each deadline open to them as an event at its due instant,
 * and the cycles of their own unit still to come as tentative ones, which a phone's calendar subscribes to and fetches again by itself, so that an extension or a
 * new cycle reaches the calendar without a mail being opened. Each event keeps its UID (the
 * deadline's) from one fetch to the next, so the calendar moves it rather than adding another; a
 * deadline that closes leaves the feed, and the calendar drops it. Every instant is in UTC, as
 * the RFC reads it everywhere; the description says it in China time with its weekday as well.
 */
import { formatInstant } from '../domain/format';
import { icsFold, icsInstant, icsText } from '../mail/ics';
import { STATE_LABEL } from './html';

const ZONE = 'Asia/Shanghai';

/** One deadline as the feed shows it. */
export interface FeedEntry {
  /** The deadline's workflow id: the event's UID, the same at every fetch. */
  deadlineId: string;
  title: string;
  unitName: string;
  /** The cycle as a person reads it (2010-Q3), empty for a one-off obligation. */
  cycle: string;
  dueAt: string;
  state: string;
  /** The page where it is submitted (or reviewed): its signed link; for a planned one, 我的待办. */
  url: string;
  /**
   * A cycle the plan has to come, not opened yet: tentative, at the due instant the calendar gives
   * it now (a phase the committee moves by hand moves it). Its UID is the one its deadline will
   * have, so once opened the same event is confirmed rather than a second one added.
   */
  planned?: true;
}

/** How often a calendar is asked to fetch the feed again: a due instant moved reaches it within the hour. */
export const FEED_REFRESH = 'PT1H';

/** The feed for `entries`, stamped `now` (an ISO instant): the one instant in it that changes between fetches. */
export function calendarFeed(entries: readonly FeedEntry[], now: string, host: string): string {
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//campaign-reminders//my-deadlines//ZH',
    'CALSCALE:GREGORIAN',
    'METHOD:PUBLISH',
    `X-WR-CALNAME:${icsText('创先争优 · 我的待办')}`,
    `X-WR-TIMEZONE:${ZONE}`,
    `REFRESH-INTERVAL;VALUE=DURATION:${FEED_REFRESH}`,
    `X-PUBLISHED-TTL:${FEED_REFRESH}`,
    ...entries.flatMap((e) => {
      const summary = `${e.planned ? '（预计）' : ''}${e.title}${e.cycle ? ` ${e.cycle}` : ''} · ${e.unitName}`;
      const said = [
        `${e.unitName} ${e.title}${e.cycle ? `（${e.cycle}）` : ''}`,
        `${e.planned ? '预计截止' : '截止'}：${formatInstant(e.dueAt, ZONE, 'zh')}（北京时间）`,
        e.planned ? '状态：尚未开始，开始时另有邮件通知' : `状态：${STATE_LABEL[e.state] ?? e.state}`,
        `${e.planned ? '我的待办' : '报送'}：${e.url}`,
      ].join('\n');
      return [
        'BEGIN:VEVENT',
        `UID:${icsText(e.deadlineId)}@${host}`,
        `DTSTAMP:${icsInstant(now)}`,
        `DTSTART:${icsInstant(e.dueAt)}`,
        `DTEND:${icsInstant(e.dueAt)}`,
        `STATUS:${e.planned ? 'TENTATIVE' : 'CONFIRMED'}`,
        `SUMMARY:${icsText(summary)}`,
        `DESCRIPTION:${icsText(said)}`,
        `URL:${e.url}`,
        // A day ahead on the phone itself, beside the service's own reminders by mail.
        'BEGIN:VALARM',
        'ACTION:DISPLAY',
        `DESCRIPTION:${icsText(`明天截止：${summary}`)}`,
        'TRIGGER:-P1D',
        'END:VALARM',
        'END:VEVENT',
      ];
    }),
    'END:VCALENDAR',
  ];
  return lines.map(icsFold).join('\r\n') + '\r\n';
}
