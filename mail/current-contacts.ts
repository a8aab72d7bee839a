/**
 * The contacts a campaign's mail goes to now: the organisation its latest re-import stored
 * (`appoint --org`), read from the ledger at most once every `freshMs` per campaign
 * (CONTACTS_FRESH_SECONDS), so that a fan-out of thousands of mails asks the ledger a few times.
 * A re-import reaches the workers within that time; a mail sent before it went to the addresses
 * of its day, as it should.
 */
import type { OrgRef } from '../domain/engine/org-ref';
import type { Org } from '../domain/org-schema';
import { currentRecipients } from '../domain/recipients';
import { unitPhonesFor } from '../domain/engine/mail-message';
import { reimportedOrg } from '../ledger/org-versions';
import type { LedgerStore } from '../ledger/types';
import type { DeadlineMessage, Mailer, SendOptions, SendResult } from './types';

export const CONTACTS_FRESH_MS = 2_000;

export class CurrentContacts {
  private readonly read = new Map<string, { at: number; org: Promise<Org | undefined> }>();

  constructor(
    private readonly ledger: Pick<LedgerStore, 'events'>,
    private readonly storedOrg: (ref: OrgRef) => Promise<Org>,
    private readonly freshMs = CONTACTS_FRESH_MS,
  ) {}

  private orgOf(campaignId: string): Promise<Org | undefined> {
    const now = Date.now();
    const kept = this.read.get(campaignId);
    if (kept && now - kept.at < this.freshMs) return kept.org;
    const org = reimportedOrg(this.ledger, campaignId).then((ref) => (ref ? this.storedOrg(ref) : undefined));
    // A failed read is not kept: the next mail asks again.
    org.catch(() => this.read.delete(campaignId));
    this.read.set(campaignId, { at: now, org });
    return org;
  }

  /**
   * The message addressed to whoever holds each recipient's role now (domain/recipients.ts). A
   * message built for a unit without an address that now reaches the unit loses `unitUnreachable`.
   */
  async readdress(message: DeadlineMessage): Promise<DeadlineMessage> {
    const org = await this.orgOf(message.campaignId);
    if (!org) return message;
    const { to, cc, reachedUnit } = currentRecipients(org, message.unitId, message);
    // The telephones too are the roster's of the moment: a number changed reaches the next escalation.
    const phones = unitPhonesFor(org, message.unitId, { kind: message.kind, to, cc });
    const { unitUnreachable, unitPhones: _then, ...rest } = message;
    return {
      ...rest,
      to,
      ...(message.cc || cc.length > 0 ? { cc } : {}),
      ...(unitUnreachable && !reachedUnit ? { unitUnreachable } : {}),
      ...(phones.length > 0 ? { unitPhones: phones } : {}),
    };
  }

  /** Sends `built` to the current contacts; the result says whether a unit built unreachable was reached. */
  async send(mailer: Mailer, built: DeadlineMessage, opts?: SendOptions): Promise<SendResult> {
    const message = await this.readdress(built);
    const result = await mailer.send(message, opts);
    return built.unitUnreachable && !message.unitUnreachable ? { ...result, reachedUnit: true } : result;
  }
}

/**
 * A mailer that sends each message to the campaign's current contacts: the web service's (a
 * receipt, a correction, a notice sent again from the console) and the command line's, as the
 * worker's activities do (activities/index.ts).
 */
export function readdressing(
  mailer: Mailer,
  ledger: Pick<LedgerStore, 'events' | 'orgVersion'>,
  freshMs = CONTACTS_FRESH_MS,
): Mailer {
  const contacts = new CurrentContacts(
    ledger,
    async (ref) => {
      const org = await ledger.orgVersion(ref.hash);
      if (!org) throw new Error(`organisation version ${ref.version} (${ref.hash}) is not in the ledger`);
      return org;
    },
    freshMs,
  );
  return {
    send: (message, opts) => contacts.send(mailer, message, opts),
    redeliver: (message, recipients, opts) => mailer.redeliver(message, recipients, opts),
    abandon: (message, recipients, error) => mailer.abandon(message, recipients, error),
    close: () => mailer.close(),
  };
}
