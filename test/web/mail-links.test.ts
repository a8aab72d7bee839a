/**
 * Mail carries signed links once the mailer has LINK_SECRET: a unit's report link names its
 * deadline, a reviewer's link names the reviewed unit (the engine's review cycle key is
 * `<cycle>:<unit>`), and the receipt mail says on time or late by how long.
 */
import { readFileSync } from 'node:fs';
import { parseOrgText } from '../../plans/load';
import { recipientsFor } from '../../domain/recipients';
import { renderMessage } from '../../mail/render';
import type { DeadlineMessage } from '../../mail/types';
import { verifyLink } from '../../web/links';
import { ORG } from '../helpers/web';
import { miniReminder } from '../helpers/mail-message';

const SECRET = 'mail-links-test-secret-0123456789abcdef';
const org = parseOrgText(readFileSync(ORG, 'utf8'), ORG);
const base: DeadlineMessage = miniReminder(org);
const tokenIn = (text: string): string => /https:\/\/cxzy\.example\.org\/s\/(\S+)/.exec(text)![1]!;

describe('links in mail', () => {
  it('are signed for the unit’s own deadline', () => {
    const { text, html } = renderMessage(base, 'https://cxzy.example.org', undefined, SECRET);
    expect(text).not.toContain('/submit/');
    const token = tokenIn(text);
    expect(html).toContain(`<a href="https://cxzy.example.org/s/${token}">`);
    expect(verifyLink(SECRET, token)).toEqual({
      campaignId: 'mini',
      obligationKey: 'quarterly-report',
      cycleKey: '2010-Q3',
      unitId: 'b-mech-t1',
      purpose: 'submit',
    });
  });

  it('name the reviewed unit on a review', () => {
    const review: DeadlineMessage = {
      ...base,
      kind: 'review-due',
      unitId: 'c-mech',
      unitName: '机械工程学院党委',
      obligationKey: 'quarterly-report.review',
      cycleKey: '2010-Q3:b-mech-t1',
      reviewedUnitName: '机械学院教工第一党支部',
      step: 'notice',
      ...recipientsFor(org, 'c-mech', ['unit']),
    };
    const token = tokenIn(renderMessage(review, 'https://cxzy.example.org', undefined, SECRET).text);
    expect(verifyLink(SECRET, token)).toMatchObject({ cycleKey: '2010-Q3', unitId: 'b-mech-t1', purpose: 'review' });
  });

  it('give the receipt number and the lateness in the receipt', () => {
    const receipt: DeadlineMessage = {
      ...base,
      kind: 'receipt',
      step: 'receipt',
      receiptNumber: 'R1234-5678-9ABC',
      receivedAt: '2010-09-27T02:00:00.000Z',
      sentAt: '2010-09-27T02:00:00.000Z',
      lateMs: 26 * 3600_000,
    };
    const { subject, text } = renderMessage(receipt, 'https://cxzy.example.org', undefined, SECRET);
    expect(subject).toContain('回执号R1234-5678-9ABC');
    expect(text).toContain('报送情况：迟交1天2小时');
    expect(text).toContain('收到时间：2010年9月27日（星期一）10:00');
  });
});
