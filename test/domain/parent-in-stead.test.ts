/**
 * Who is told in a unit's stead when a redelivery gives up (domain/engine/mail-message.ts
 * `parentInStead`): only a report step's mail to the unit alone, whose one address never took it,
 * goes to the parent; a mail that told the parent or the office already, a unit's address that
 * was reached, a receipt, or a unit with nobody above it, tells nobody more.
 */
import { readFileSync } from 'node:fs';
import { parseOrg } from '../../domain/org-loader';
import { recipientsFor } from '../../domain/recipients';
import { parentInStead } from '../../domain/engine/mail-message';
import { renderMessage } from '../../mail/render';
import { miniReminder } from '../helpers/mail-message';

const org = parseOrg(readFileSync(`${__dirname}/../fixtures/mini-org.yaml`, 'utf8'), 'mini-org.yaml');
const LIAISON = 'liu.yang@example.org';

describe('a unit’s mail its address never took', () => {
  it('goes to its committee’s secretary in its stead, under the step’s `:to-parent` key, saying why', () => {
    const reminder = miniReminder(org);
    const instead = parentInStead(reminder, org, [LIAISON.toUpperCase()]);
    expect(instead).toMatchObject({
      kind: 'reminder',
      unitId: 'b-mech-t1',
      step: 'reminder-1:to-parent',
      to: [{ email: 'li.mech@example.org', role: 'parent-secretary' }],
      undeliveredTo: LIAISON,
    });
    expect(instead?.cc).toBeUndefined();
    const zh = renderMessage(instead!, 'https://cxzy.example.org');
    expect(zh.text).toContain('李书记 <li.mech@example.org>（上级党委书记（代为转告））');
    expect(zh.text).toContain(
      '机械学院教工第一党支部的邮箱 liu.yang@example.org 连续3天未能接收本通知（对方邮件服务器暂拒，如邮箱已满），本通知改发给您，请转告该单位（链接可直接转发），并提醒其清理邮箱或请活动办公室更换邮箱。',
    );
    const en = renderMessage({ ...instead!, locale: 'en' }, 'https://cxzy.example.org');
    expect(en.text).toContain('did not take this notice for 3 days');
  });

  it('tells nobody more when the parent or the office had it, the unit heard, or it was no report step', () => {
    const withParent = miniReminder(org, { step: 'escalation-2', kind: 'escalation' }, ['unit', 'parent']);
    expect(parentInStead(withParent, org, [LIAISON])).toBeUndefined();
    // Its address reached after all (not among those given up on).
    expect(parentInStead(miniReminder(org), org, ['someone.else@example.org'])).toBeUndefined();
    // A receipt or a correction is the unit's own business: nobody passes it on.
    expect(parentInStead(miniReminder(org, { kind: 'receipt', step: 'receipt' }), org, [LIAISON])).toBeUndefined();
    // Already in a unit's stead (it has no address): the parent is the one who never took it.
    const stead = {
      ...miniReminder(org, { unitId: 'b-info-s1', ...recipientsFor(org, 'b-info-s1', ['unit']) }),
      unitUnreachable: true as const,
    };
    expect(parentInStead(stead, org, ['zhao.info@example.org'])).toBeUndefined();
    // A committee's own mail goes to the office in its stead; the office has nobody above it.
    const committee = miniReminder(org, { unitId: 'c-mech', ...recipientsFor(org, 'c-mech', ['unit']) });
    expect(parentInStead(committee, org, ['li.mech@example.org'])?.to).toEqual([
      expect.objectContaining({ email: 'office@example.org', role: 'office' }),
    ]);
    const office = miniReminder(org, { unitId: 'office', ...recipientsFor(org, 'office', ['unit']) });
    expect(parentInStead(office, org, ['office@example.org'])).toBeUndefined();
  });
});
