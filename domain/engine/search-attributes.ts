/**
 * The search attributes that make deadlines findable with Temporal's own list queries, defined
 * once: the workflows and activities set them, the servers the tests start register them
 * (worker/servers.ts, test/helpers/processes.ts), and scripts/start.sh registers them with the
 * dev server through scripts/search-attribute-flags.ts. All Keywords: SQL visibility (the dev
 * server's SQLite) has a fixed number of Keyword slots per namespace (10), and these six fit.
 */
import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';
import type { DeadlineState } from '../deadline-state';

export const CampaignIdKey = defineSearchAttributeKey('CampaignId', SearchAttributeType.KEYWORD);
export const UnitIdKey = defineSearchAttributeKey('UnitId', SearchAttributeType.KEYWORD);
export const CommitteeIdKey = defineSearchAttributeKey('CommitteeId', SearchAttributeType.KEYWORD);
export const ObligationKeyKey = defineSearchAttributeKey('ObligationKey', SearchAttributeType.KEYWORD);
export const CycleKeyKey = defineSearchAttributeKey('CycleKey', SearchAttributeType.KEYWORD);
export const DeadlineStateKey = defineSearchAttributeKey('DeadlineState', SearchAttributeType.KEYWORD);

export const SEARCH_ATTRIBUTE_KEYS = [
  CampaignIdKey,
  UnitIdKey,
  CommitteeIdKey,
  ObligationKeyKey,
  CycleKeyKey,
  DeadlineStateKey,
];

/** The `temporal server start-dev` flags that register them: `--search-attribute CampaignId=Keyword` and so on. */
export function searchAttributeFlags(): string[] {
  // The CLI spells the type as Temporal's docs do (Keyword); the SDK's constant is KEYWORD.
  const cliType = (t: string): string => t.charAt(0) + t.slice(1).toLowerCase();
  return SEARCH_ATTRIBUTE_KEYS.flatMap((k) => ['--search-attribute', `${k.name}=${cliType(k.type)}`]);
}

type KeywordKey = (typeof SEARCH_ATTRIBUTE_KEYS)[number];

/**
 * A visibility query's clause on one of these attributes, `DeadlineState = 'red'`, so that every
 * query names them as they are defined and registered. The value must already have passed the id
 * grammar (domain/ids.ts) or a list of known values: nothing is escaped, because an escape of `'`
 * alone let `c-mech\` end the string early and break the query.
 */
export function keywordIs(key: KeywordKey, value: string): string {
  return `${key.name} = '${value}'`;
}

/** `ObligationKey IN ('a', 'b')`, with values checked as for `keywordIs`. */
export function keywordIn(key: KeywordKey, values: readonly string[]): string {
  return `${key.name} IN (${values.map((v) => `'${v}'`).join(', ')})`;
}

/** A report deadline's attributes as it starts: who, what, which cycle, and its colour (green unless it opens late). */
export function deadlineSearchAttributes(d: {
  campaignId: string;
  unitId: string;
  committeeId: string;
  obligationKey: string;
  cycleKey: string;
  state?: DeadlineState;
}): SearchAttributePair[] {
  return [
    { key: CampaignIdKey, value: d.campaignId },
    { key: UnitIdKey, value: d.unitId },
    { key: CommitteeIdKey, value: d.committeeId },
    { key: ObligationKeyKey, value: d.obligationKey },
    { key: CycleKeyKey, value: d.cycleKey },
    { key: DeadlineStateKey, value: d.state ?? 'green' },
  ];
}
