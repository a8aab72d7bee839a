/**
 * The search attributes that make deadlines findable with Temporal's own list queries. All
 * Keywords: SQL visibility (the dev server's SQLite) has a fixed number of Keyword slots per
 * namespace (10), and these six fit.
 */
import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';

export const CampaignIdKey = defineSearchAttributeKey('CampaignId', SearchAttributeType.KEYWORD);
export const UnitIdKey = defineSearchAttributeKey('UnitId', SearchAttributeType.KEYWORD);
export const CommitteeIdKey = defineSearchAttributeKey('CommitteeId', SearchAttributeType.KEYWORD);
export const ObligationKeyKey = defineSearchAttributeKey('ObligationKey', SearchAttributeType.KEYWORD);
export const CycleKeyKey = defineSearchAttributeKey('CycleKey', SearchAttributeType.KEYWORD);
export const DeadlineStateKey = defineSearchAttributeKey('DeadlineState', SearchAttributeType.KEYWORD);

export const SEARCH_ATTRIBUTE_NAMES = [
  'CampaignId',
  'UnitId',
  'CommitteeId',
  'ObligationKey',
  'CycleKey',
  'DeadlineState',
];

export const SEARCH_ATTRIBUTE_KEYS = [
  CampaignIdKey,
  UnitIdKey,
  CommitteeIdKey,
  ObligationKeyKey,
  CycleKeyKey,
  DeadlineStateKey,
];

/** A report deadline's attributes as it starts: who, what, which cycle, green. */
export function deadlineSearchAttributes(d: {
  campaignId: string;
  unitId: string;
  committeeId: string;
  obligationKey: string;
  cycleKey: string;
}): SearchAttributePair[] {
  return [
    { key: CampaignIdKey, value: d.campaignId },
    { key: UnitIdKey, value: d.unitId },
    { key: CommitteeIdKey, value: d.committeeId },
    { key: ObligationKeyKey, value: d.obligationKey },
    { key: CycleKeyKey, value: d.cycleKey },
    { key: DeadlineStateKey, value: 'green' },
  ];
}
