/**
 * The mini organisation re-imported as the office would import it, for the engine tests and the
 * recording of histories: with an address for b-info-s1, the branch the fixture leaves without
 * one (its secretary 黄磊 has none), for a unit that becomes reachable while its deadline runs;
 * or with a branch founded and one dissolved, for a campaign that follows its organisation.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DateTime } from 'luxon';
import { parseOrg } from '../../domain/org-loader';
import type { Org } from '../../domain/org-schema';
import { reimportOrg } from '../../client/org-reimport';
import type { MiniCampaign } from './mini-campaign';

export const UNREACHABLE = 'b-info-s1';
export const UNREACHABLE_NEW_ADDRESS = 'huang.lei@example.org';

const miniOrgText = (): string => readFileSync(path.join(__dirname, '..', 'fixtures', 'mini-org.yaml'), 'utf8');

/** Re-imports the mini organisation with 黄磊's address, at plan instant `at` (epoch ms). */
export async function giveUnreachableAnAddress(mini: MiniCampaign, at: number): Promise<void> {
  const text = miniOrgText();
  const withAddress = text.replace(
    'secretary: { name: 黄磊 }',
    `secretary: { name: 黄磊, email: ${UNREACHABLE_NEW_ADDRESS} }`,
  );
  if (withAddress === text) throw new Error(`mini-org.yaml no longer leaves ${UNREACHABLE} without an address`);
  await reimportMini(mini, parseOrg(withAddress, 'mini-org-reimported.yaml'), at);
}

/** A student branch the mini organisation does not have, founded in the information college. */
export const FOUNDED = 'b-info-s2';
/** The mechanical college's student branch, dissolved (merged into another). */
export const DISSOLVED = 'b-mech-s1';

/** The mini organisation with FOUNDED added and DISSOLVED gone, as a roster the office exports. */
export function miniOrgFoundedAndDissolved(): Org {
  return parseOrg(miniOrgFoundedAndDissolvedText(), 'mini-org-founded.yaml');
}

/** The same roster as YAML text, as the office uploads it. */
export function miniOrgFoundedAndDissolvedText(): string {
  const text = miniOrgText();
  const start = text.indexOf(`  - id: ${DISSOLVED}\n`);
  const end = text.indexOf('  - id: ', start + 1);
  if (start < 0 || end < 0) throw new Error(`mini-org.yaml no longer lists ${DISSOLVED} before another branch`);
  const founded = [
    `  - id: ${FOUNDED}`,
    '    name: 信息学院本科生党支部',
    '    kind: 学生',
    '    parent: c-info',
    '    secretary: { name: 孙悦, email: sun.yue@example.org }',
    '',
  ].join('\n');
  return `${text.slice(0, start)}${text.slice(end).trimEnd()}\n${founded}`;
}

/** Re-imports `org` into the mini campaign, by 组织部 at plan instant `at` (epoch ms); joining the cycles open now if asked. */
export function reimportMini(
  mini: MiniCampaign,
  org: Org,
  at: number,
  opts: Pick<Parameters<typeof reimportOrg>[4], 'joinOpenCycles'> = {},
): ReturnType<typeof reimportOrg> {
  return reimportOrg(mini.cc, mini.ledger, 'mini', org, {
    by: '组织部',
    at: DateTime.fromMillis(at).toUTC().toISO()!,
    ...opts,
  });
}
