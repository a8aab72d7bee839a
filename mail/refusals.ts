/**
 * What the ledger says the mail server refused, for the roster's list of what to mend
 * (domain/contact-problems.ts): every message refused as a whole, and every recipient refused
 * from a message that reached the others (a committee secretary's address in copy of a branch's
 * reminder, say), each with the server's reason for that address when it gave one. A refused
 * address is answered by its latest delivery, in whichever unit's message it came.
 */
import type { MailDeferral, MailDelivery, MailFailure } from '../domain/contact-problems';
import type { DeliveryAsk, LedgerEvent, LedgerStore } from '../ledger/types';
import { stillOwed } from './index';

export function refusals(events: readonly LedgerEvent[]): MailFailure[] {
  return events.flatMap((e): MailFailure[] => {
    const reasons = (e.data?.reasons ?? {}) as Record<string, string>;
    let refused: string[] = [];
    if (e.kind === 'message-failed') refused = e.recipients ?? [];
    else if (Array.isArray(e.data?.rejected)) refused = e.data.rejected as string[];
    // Refused as a whole with no answer per address (the transport failed): one reason for all.
    if (e.kind === 'message-failed' && Object.keys(reasons).length === 0)
      return [{ at: e.at, recipients: refused, ...(e.error !== undefined ? { error: e.error } : {}) }];
    return refused.map((email) => ({ at: e.at, recipients: [email], error: reasons[email] ?? e.error ?? 'rejected' }));
  });
}

/**
 * The recipients deferred (`data.deferred` of a message sent) whose redelivery has neither
 * reached them nor given them up yet (`Mailer.redeliver`, `abandon`): one ledger read for each
 * deferral, and deferrals are few (a refusal for now, not for every message).
 */
export async function pendingDeferrals(
  ledger: Pick<LedgerStore, 'get'>,
  events: readonly LedgerEvent[],
): Promise<MailDeferral[]> {
  const asked = events.flatMap((e) => {
    const deferred = e.kind === 'message-sent' && Array.isArray(e.data?.deferred) ? (e.data.deferred as string[]) : [];
    const key = /^msg:(.*):sent$/.exec(e.id)?.[1];
    const reasons = (e.data?.reasons ?? {}) as Record<string, string>;
    return key === undefined
      ? []
      : deferred.map((email) => ({
          at: e.at,
          email,
          messageKey: key,
          ...(reasons[email] ? { error: reasons[email] } : {}),
        }));
  });
  const owed = await Promise.all(asked.map(({ messageKey, email }) => stillOwed(ledger, messageKey, [email])));
  return asked.filter((_, i) => owed[i]!.length > 0);
}

/**
 * A campaign's refusals, and for each address refused the first delivery after its latest
 * refusal, if any. `reach` gives, for each address the roster in force names, the units whose
 * messages can carry it (undefined: any unit's); an address it does not name is not asked about
 * (it is not listed whatever the answer). Without `reach`, every address among every message.
 */
export async function mailRefusals(
  ledger: Pick<LedgerStore, 'events' | 'firstDeliveriesAfter' | 'get'>,
  campaignId: string,
  reach?: ReadonlyMap<string, readonly string[] | undefined>,
): Promise<{ failures: MailFailure[]; deliveries: MailDelivery[]; deferrals: MailDeferral[] }> {
  // A deferred recipient puts its message's error (`deferred: …`) in the ledger too.
  const withError = await ledger.events({ campaignId, kinds: ['message-failed', 'message-sent'], withError: true });
  const failures = refusals(withError);
  const deferrals = (await pendingDeferrals(ledger, withError)).filter(
    (d) => !reach || reach.has(d.email.toLowerCase()),
  );
  const latest = new Map<string, string>();
  for (const f of failures)
    for (const r of f.recipients) {
      const email = r.toLowerCase();
      if (f.at > (latest.get(email) ?? '')) latest.set(email, f.at);
    }
  const asks: DeliveryAsk[] = [];
  for (const [email, after] of latest) {
    if (reach && !reach.has(email)) continue;
    const unitIds = reach?.get(email);
    asks.push({ email, after, ...(unitIds ? { unitIds } : {}) });
  }
  const first = await ledger.firstDeliveriesAfter(campaignId, asks);
  return { failures, deliveries: [...first].map(([email, at]) => ({ at, recipients: [email] })), deferrals };
}
