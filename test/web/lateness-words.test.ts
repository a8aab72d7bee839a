/**
 * The office console says lateness to the minute, as the receipt mail does (test/mail/mail.test.ts):
 * a rehearsal's 9 days less 4 ms is 9 days, not 8 days 23 hours.
 */
import { cellText, lateText } from '../../web/console/pages';

const DAY = 86_400_000;

describe('lateness in the console', () => {
  it.each([9 * DAY + 4, 9 * DAY - 4])('%d ms is 9 days in every cell and line', (ms) => {
    expect(lateText(ms, 'zh')).toBe('迟9天');
    expect(lateText(ms, 'en')).toBe('9 d late');
    expect(cellText({ colour: 'yellow', missing: false, done: true, lateMs: ms }, 'zh')).toBe('迟交9天');
    expect(cellText({ colour: 'red', missing: true, done: false, lateMs: ms }, 'en')).toBe(
      'never submitted, 9 d overdue',
    );
  });
});
