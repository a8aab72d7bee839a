/** The mini campaign's Q3 reminder to 机械学院教工第一党支部, as the engine builds it: the mail tests' message. */
import type { Audience } from '../../domain/plan-schema';
import type { Org } from '../../domain/org-schema';
import { recipientsFor } from '../../domain/recipients';
import type { DeadlineMessage } from '../../mail/types';

export function miniReminder(
  org: Org,
  over: Partial<DeadlineMessage> = {},
  audiences: Audience[] = ['unit'],
): DeadlineMessage {
  return {
    kind: 'reminder',
    campaignId: 'mini',
    campaignTitle: '创先争优测试活动',
    timeZone: 'Asia/Shanghai',
    locale: 'zh',
    unitId: 'b-mech-t1',
    unitName: '机械学院教工第一党支部',
    obligationKey: 'quarterly-report',
    obligationTitle: '季度工作汇报',
    cycleKey: '2010-Q3',
    cycleLabel: '2010年第三季度',
    step: 'reminder-1',
    dueAt: '2010-09-25T15:59:59.000Z',
    sentAt: '2010-09-22T01:00:00.000Z',
    ...recipientsFor(org, 'b-mech-t1', audiences),
    ...over,
  };
}
