/**
 * What the ledger says the mail server refused, for the roster's list of what to mend
 * (domain/contact-problems.ts): every message refused as a whole, and every recipient refused
 * from a message that reached the others (a committee secretary's address in copy of a branch's
 * reminder, say), each with the server's reason for that address when it gave one. A refused
 * address is answered by its latest delivery, in whichever unit's message it came.
 */
import type { MailDelivery, MailFailure } from '../domain/contact-problems';
import type { LedgerEvent, LedgerStore } from '../ledger/types';

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

/** A campaign's refusals, and the latest delivery to each address refused. */
export async function mailRefusals(
  ledger: Pick<LedgerStore, 'events' | 'lastDelivery'>,
  campaignId: string,
): Promise<{ failures: MailFailure[]; deliveries: MailDelivery[] }> {
  const failures = refusals(
    await ledger.events({ campaignId, kinds: ['message-failed', 'message-sent'], withError: true }),
  );
  const emails = [...new Set(failures.flatMap((f) => f.recipients.map((r) => r.toLowerCase())))];
  const deliveries = (
    await Promise.all(emails.map(async (email) => ({ email, at: await ledger.lastDelivery(campaignId, email) })))
  ).flatMap(({ email, at }) => (at ? [{ at, recipients: [email] }] : []));
  return { failures, deliveries };
}
