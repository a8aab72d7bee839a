/**
 * The mini organisation re-imported with an address for b-info-s1, the branch the fixture leaves
 * without one (its secretary 黄磊 has none), as the office would import it: the engine tests and
 * the recording of histories use it for a unit that becomes reachable while its deadline runs.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DateTime } from 'luxon';
import { parseOrg } from '../../domain/org-loader';
import { reimportOrg } from '../../client/org-reimport';
import type { MiniCampaign } from './mini-campaign';

export const UNREACHABLE = 'b-info-s1';
export const UNREACHABLE_NEW_ADDRESS = 'huang.lei@example.org';

/** Re-imports the mini organisation with 黄磊's address, at plan instant `at` (epoch ms). */
export async function giveUnreachableAnAddress(mini: MiniCampaign, at: number): Promise<void> {
  const text = readFileSync(path.join(__dirname, '..', 'fixtures', 'mini-org.yaml'), 'utf8');
  const withAddress = text.replace(
    'secretary: { name: 黄磊 }',
    `secretary: { name: 黄磊, email: ${UNREACHABLE_NEW_ADDRESS} }`,
  );
  if (withAddress === text) throw new Error(`mini-org.yaml no longer leaves ${UNREACHABLE} without an address`);
  await reimportOrg(mini.cc, mini.ledger, 'mini', parseOrg(withAddress, 'mini-org-reimported.yaml'), {
    by: '组织部',
    at: DateTime.fromMillis(at).toUTC().toISO()!,
  });
}
