/**
 * What in a campaign's contacts the mail cannot use, for the office to mend in the roster (the
 * console's 组织名册与通讯录 page): the units without a usable address, whose committee is told
 * in their stead, and the addresses the mail server refused for good that the contacts still
 * name. Without this the office learns of a bounced address when a branch says it never heard of
 * a deadline. A refusal stops counting once the roster no longer names the address (a re-import
 * mended it) or a later message to it was delivered (the mailbox was full, then emptied).
 */
import type { Org, Unit } from './org-schema';
import { recipientsFor } from './recipients';

/**
 * A message the mail server refused for good (`message-failed` in the ledger), or refused to some
 * of its recipients while taking it for the others (mail/refusals.ts).
 */
export interface MailFailure {
  at: string;
  recipients: readonly string[];
  error?: string;
}

/** A message the mail server took (`message-sent`): its accepted recipients. */
export interface MailDelivery {
  at: string;
  recipients: readonly string[];
}

/**
 * A recipient the mail server deferred (4xx: a full mailbox, greylisting) whose redelivery is
 * still asking (mail/refusals.ts): not a refusal yet, but one in three days if nothing changes.
 */
export interface MailDeferral {
  at: string;
  email: string;
  /** The deferred message's dedupe key (mail/index.ts `dedupeKey`), which names its redelivery. */
  messageKey: string;
  error?: string;
  /**
   * Its redelivery no longer runs (stopped by hand, or never started: the web service could not
   * reach Temporal when it sent): nothing will deliver it or give it up now.
   */
  stalled?: true;
}

export interface NoAddress {
  unitId: string;
  unitName: string;
  /** Told instead: the parent unit, when it has an address itself. */
  toldInstead?: { unitId: string; unitName: string };
}

export type Post = 'liaison' | 'secretary' | 'unit';

export interface RefusedAddress {
  email: string;
  /** Who the roster gives the address to. */
  holders: { unitId: string; unitName: string; post: Post; person?: string }[];
  /** How many messages were refused, and the latest's instant and reason. */
  times: number;
  lastAt: string;
  error?: string;
}

/** An address the mail server is deferring, its messages asked again (see MailDeferral). */
export interface DeferredAddress {
  email: string;
  holders: RefusedAddress['holders'];
  /** How many messages to it are being asked again, since when, and the server's latest answer. */
  messages: number;
  since: string;
  error?: string;
  /** Of those messages, how many no redelivery asks again any more (see MailDeferral's `stalled`). */
  stalled: number;
}

export interface ContactProblems {
  noAddress: NoAddress[];
  refused: RefusedAddress[];
  /** Addresses deferred, asked again for three days before they count as refused: a warning. */
  deferred: DeferredAddress[];
}

const lower = (s: string): string => s.toLowerCase();

function holdersOf(org: Org, email: string): RefusedAddress['holders'] {
  const e = lower(email);
  const holders: RefusedAddress['holders'] = [];
  for (const id of org.order) {
    const u: Unit | undefined = org.units[id];
    if (!u) continue;
    const hold = (post: Post, person?: string) => holders.push({ unitId: id, unitName: u.name, post, person });
    const liaison = u.liaison?.email !== undefined && lower(u.liaison.email) === e;
    const secretary = u.secretary?.email !== undefined && lower(u.secretary.email) === e;
    if (liaison) hold('liaison', u.liaison?.name);
    if (secretary) hold('secretary', u.secretary?.name);
    // The unit's own address (an office's, a committee's mailbox), when no person of it has it.
    if (!liaison && !secretary && u.email !== undefined && lower(u.email) === e) hold('unit');
  }
  return holders;
}

/**
 * For every address `org` gives someone (in lower case), the units whose messages can carry it:
 * each unit that holds it and every unit below (a committee secretary is copied on her branches'
 * escalations), or undefined for an address of the office's, which is copied on anyone's.
 */
export function unitsReaching(org: Org): Map<string, readonly string[] | undefined> {
  const children = new Map<string, string[]>();
  for (const id of org.order) {
    const p = org.units[id]?.parentId;
    if (p) children.set(p, [...(children.get(p) ?? []), id]);
  }
  const below = (id: string): string[] => [id, ...(children.get(id) ?? []).flatMap(below)];
  const reach = new Map<string, readonly string[] | undefined>();
  for (const id of org.order) {
    const u = org.units[id];
    if (!u) continue;
    for (const email of [u.liaison?.email, u.secretary?.email, u.email]) {
      if (!email) continue;
      const e = lower(email);
      if (u.level === 'office' || (reach.has(e) && reach.get(e) === undefined)) reach.set(e, undefined);
      else reach.set(e, [...new Set([...(reach.get(e) ?? []), ...below(id)])]);
    }
  }
  return reach;
}

/**
 * The problems of `org` (the campaign's contacts now) for the units `unitIds` (the campaign's),
 * and of the refusals and deliveries the ledger recorded, in any order.
 */
export function contactProblems(
  org: Org,
  unitIds: readonly string[],
  failures: readonly MailFailure[],
  deliveries: readonly MailDelivery[],
  deferrals: readonly MailDeferral[] = [],
): ContactProblems {
  const noAddress: NoAddress[] = [];
  for (const unitId of unitIds) {
    const unit = org.units[unitId];
    if (!unit || unit.level === 'member' || unit.level === 'office') continue;
    const r = recipientsFor(org, unitId, ['unit']);
    if (!r.unreachable) continue;
    const parent = r.to.length > 0 && unit.parentId ? org.units[unit.parentId] : undefined;
    noAddress.push({
      unitId,
      unitName: unit.name,
      ...(parent ? { toldInstead: { unitId: parent.id, unitName: parent.name } } : {}),
    });
  }

  const byAddress = new Map<string, { email: string; times: number; lastAt: string; error?: string }>();
  for (const f of failures)
    for (const email of f.recipients) {
      const seen = byAddress.get(lower(email));
      if (!seen) byAddress.set(lower(email), { email, times: 1, lastAt: f.at, error: f.error });
      else {
        seen.times += 1;
        if (Date.parse(f.at) >= Date.parse(seen.lastAt)) Object.assign(seen, { lastAt: f.at, error: f.error });
      }
    }
  const deliveredAfter = (email: string, at: string): boolean =>
    deliveries.some((d) => Date.parse(d.at) > Date.parse(at) && d.recipients.some((r) => lower(r) === lower(email)));
  const refused: RefusedAddress[] = [];
  for (const a of byAddress.values()) {
    if (deliveredAfter(a.email, a.lastAt)) continue;
    const holders = holdersOf(org, a.email);
    if (holders.length === 0) continue;
    refused.push({ ...a, holders });
  }
  refused.sort((x, y) => Date.parse(y.lastAt) - Date.parse(x.lastAt) || x.email.localeCompare(y.email));

  const pending = new Map<string, DeferredAddress>();
  for (const d of [...deferrals].sort((a, b) => Date.parse(a.at) - Date.parse(b.at))) {
    const seen = pending.get(lower(d.email));
    if (seen) {
      seen.messages += 1;
      if (d.stalled) seen.stalled += 1;
      if (d.error !== undefined) seen.error = d.error;
      continue;
    }
    const holders = holdersOf(org, d.email);
    if (holders.length > 0)
      pending.set(lower(d.email), {
        email: d.email,
        holders,
        messages: 1,
        since: d.at,
        ...(d.error !== undefined ? { error: d.error } : {}),
        stalled: d.stalled ? 1 : 0,
      });
  }
  const deferred = [...pending.values()].sort(
    (x, y) => Date.parse(x.since) - Date.parse(y.since) || x.email.localeCompare(y.email),
  );
  return { noAddress, refused, deferred };
}

/**
 * The problems a person may see (`visible`: her scope): the units in it without an address, and
 * each refused address held in it, with only its holders in it. The office sees them all.
 */
export function problemsWithin(problems: ContactProblems, visible: (unitId: string) => boolean): ContactProblems {
  return {
    noAddress: problems.noAddress.filter((u) => visible(u.unitId)),
    refused: problems.refused.flatMap((r) => {
      const holders = r.holders.filter((h) => visible(h.unitId));
      return holders.length > 0 ? [{ ...r, holders }] : [];
    }),
    deferred: problems.deferred.flatMap((d) => {
      const holders = d.holders.filter((h) => visible(h.unitId));
      return holders.length > 0 ? [{ ...d, holders }] : [];
    }),
  };
}
