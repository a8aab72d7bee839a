/**
 * What starting a report deadline needs besides its input, shared by the batch (children,
 * before v0.5) and the `startDeadlines` activity (since v0.5).
 */
import type { SearchAttributePair } from '@temporalio/common';
import type { DeadlineInput } from './deadline';
import { deadlineSearchAttributes } from './search-attributes';

export function deadlineSearchAttributesOf(d: DeadlineInput): SearchAttributePair[] {
  return deadlineSearchAttributes({
    campaignId: d.ctx.campaignId,
    unitId: d.unitId,
    committeeId: d.org.units[d.unitId]?.committeeId ?? '',
    obligationKey: d.obligation.key,
    cycleKey: d.cycle.key,
  });
}
