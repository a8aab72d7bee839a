/**
 * What the ledger says the mail server refused, for the roster's list of what to mend
 * (domain/contact-problems.ts): every message refused as a whole, and every recipient refused
 * from a message that reached the others (a committee secretary's address in copy of a branch's
 * reminder, say), each with the server's reason for that address when it gave one. A refused
 * address is answered by its latest delivery, in whichever unit's message it came.
 */
import type { MailDelivery, MailFailure } from '../domain/contact-problems';
import type { DeliveryAsk, LedgerEvent, LedgerStore } from '../ledger/types';

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
 * A campaign's refusals, and for each address refused the first delivery after its latest
 * refusal, if any. `reach` gives, for each address the roster in force names, the units whose
 * messages can carry it (undefined: any unit's); an address it does not name is not asked about
 * (it is not listed whatever the answer). Without `reach`, every address among every message.
 */
export async function mailRefusals(
  ledger: Pick<LedgerStore, 'events' | 'firstDeliveriesAfter'>,
  campaignId: string,
  reach?: ReadonlyMap<string, readonly string[] | undefined>,
): Promise<{ failures: MailFailure[]; deliveries: MailDelivery[] }> {
  const failures = refusals(
    await ledger.events({ campaignId, kinds: ['message-failed', 'message-sent'], withError: true }),
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
  return { failures, deliveries: [...first].map(([email, at]) => ({ at, recipients: [email] })) };
}
