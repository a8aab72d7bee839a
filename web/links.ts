/**
 * Signed links: `<BASE_URL>/s/<token>`, where the token names one deadline (campaign,
 * obligation, cycle, unit) and what the link is for (submit the unit's report, or review it),
 * and carries an HMAC-SHA-256 of exactly those characters under LINK_SECRET. The MAC is
 * compared as text in constant time, over the payload as sent (not as decoded): base64url
 * decoders skip stray characters and ignore the last character's spare bits, so comparing
 * decoded bytes would let some altered tokens through.
 *
 * No I/O here: the mailer signs, the web service verifies.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { reviewOfLedgerKeys } from '../domain/engine/context';

export type LinkPurpose = 'submit' | 'review';

export interface LinkTarget {
  campaignId: string;
  obligationKey: string;
  cycleKey: string;
  /** The unit whose report it is (for a review too: the reviewed unit). */
  unitId: string;
  purpose: LinkPurpose;
}

/** The link of the deadline whose ledger rows carry these keys: a review's names the report and the unit reviewed. */
export function linkTargetOfLedgerKeys(
  campaignId: string,
  obligationKey: string,
  cycleKey: string,
  unitId: string,
): LinkTarget {
  const review = reviewOfLedgerKeys(obligationKey, cycleKey);
  if (review)
    return {
      campaignId,
      obligationKey: review.obligationKey,
      cycleKey: review.cycleKey,
      unitId: review.reviewedUnitId,
      purpose: 'review',
    };
  return { campaignId, obligationKey, cycleKey, unitId, purpose: 'submit' };
}

const VERSION = 'v1';
const PURPOSE_CODE: Record<LinkPurpose, string> = { submit: 's', review: 'r' };
const TOKEN_SHAPE = /^v1\.([A-Za-z0-9_-]{1,600})\.([A-Za-z0-9_-]{43})$/;

const mac = (secret: string, signed: string): string => createHmac('sha256', secret).update(signed).digest('base64url');

export function signLink(secret: string, t: LinkTarget): string {
  const payload = Buffer.from(
    JSON.stringify([t.campaignId, t.obligationKey, t.cycleKey, t.unitId, PURPOSE_CODE[t.purpose]]),
  ).toString('base64url');
  const signed = `${VERSION}.${payload}`;
  return `${signed}.${mac(secret, signed)}`;
}

/** The target of a genuine token; undefined for anything else (altered, truncated, foreign). */
export function verifyLink(secret: string, token: string): LinkTarget | undefined {
  const m = TOKEN_SHAPE.exec(token);
  if (!m) return undefined;
  const payload = m[1]!;
  const given = Buffer.from(m[2]!, 'latin1');
  const expected = Buffer.from(mac(secret, `${VERSION}.${payload}`), 'latin1');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(parts) || parts.length !== 5 || !parts.every((p) => typeof p === 'string' && p !== ''))
    return undefined;
  const [campaignId, obligationKey, cycleKey, unitId, code] = parts as string[];
  const purpose = code === 's' ? 'submit' : code === 'r' ? 'review' : undefined;
  if (!purpose) return undefined;
  return { campaignId: campaignId!, obligationKey: obligationKey!, cycleKey: cycleKey!, unitId: unitId!, purpose };
}

export function linkUrl(baseUrl: string, secret: string, t: LinkTarget): string {
  return `${baseUrl.replace(/\/$/, '')}/s/${signLink(secret, t)}`;
}
