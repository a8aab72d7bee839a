/**
 * Who receives a step's mail, from the organisation: the unit's liaison (else its secretary),
 * its parent committee's secretary, the office. A unit with no usable address is reported
 * `unreachable`, and its parent's secretary is told instead, at once. A leader review (领导点评)
 * is the leader's to write: its mail goes to the reviewing unit's secretary, the liaison in copy.
 */
import type { Audience } from './plan-schema';
import type { Org, Unit } from './org-schema';

/** One person a message goes to, and in which role the organisation names them. */
export interface Recipient {
  name: string;
  email: string;
  role: 'liaison' | 'secretary' | 'parent-secretary' | 'office' | 'reviewer' | 'member';
}

/** A person of a unit to ring about its deadline: the post, the name, the number as the roster writes it. */
export interface UnitPhone {
  post: 'secretary' | 'liaison';
  name: string;
  phone: string;
}

export interface Recipients {
  to: Recipient[];
  cc: Recipient[];
  /** The unit itself could not be mailed. */
  unreachable: boolean;
  /** When unreachable: the unit told instead. */
  escalatedTo?: string;
}

function unitRecipient(u: Unit): Recipient | undefined {
  if (u.liaison?.email) return { name: u.liaison.name, email: u.liaison.email, role: 'liaison' };
  if (u.secretary?.email)
    return { name: u.secretary.name, email: u.secretary.email, role: u.level === 'member' ? 'member' : 'secretary' };
  if (u.email) return { name: u.name, email: u.email, role: u.level === 'office' ? 'office' : 'secretary' };
  return undefined;
}

/** The reviewing unit's leader (its secretary) and, in copy, its liaison; the liaison alone if the secretary has no address. */
function reviewerRecipients(u: Unit): { to?: Recipient; cc?: Recipient } {
  const secretaryEmail = u.level === 'office' ? (u.secretary?.email ?? u.email) : u.secretary?.email;
  if (!secretaryEmail) return { to: unitRecipient(u) };
  const to: Recipient = { name: u.secretary?.name ?? u.name, email: secretaryEmail, role: 'reviewer' };
  const cc: Recipient | undefined = u.liaison?.email
    ? { name: u.liaison.name, email: u.liaison.email, role: 'liaison' }
    : undefined;
  return { to, cc };
}

function parentRecipient(org: Org, u: Unit): Recipient | undefined {
  const p = org.units[u.parentId ?? ''];
  if (!p) return undefined;
  const r = p.level === 'office' ? officeRecipient(org) : unitRecipient(p);
  return r && { ...r, role: p.level === 'office' ? 'office' : 'parent-secretary' };
}

function officeRecipient(org: Org): Recipient | undefined {
  const o = org.units[org.officeId];
  const email = o?.email ?? o?.secretary?.email;
  return o && email ? { name: o.name, email, role: 'office' } : undefined;
}

/** `role`: whether the unit is told as the submitter of a report or as the reviewer of one. */
export function recipientsFor(
  org: Org,
  unitId: string,
  audiences: Audience[],
  role: 'report' | 'review' = 'report',
): Recipients {
  const unit = org.units[unitId];
  const to: Recipient[] = [];
  const cc: Recipient[] = [];
  let unreachable = false;
  let escalatedTo: string | undefined;
  const push = (list: Recipient[], r: Recipient | undefined): void => {
    if (r && !to.some((x) => x.email === r.email) && !cc.some((x) => x.email === r.email)) list.push(r);
  };
  if (!unit) return { to, cc, unreachable: true };
  if (audiences.includes('unit')) {
    const reviewer = role === 'review' ? reviewerRecipients(unit) : undefined;
    const r = reviewer ? reviewer.to : unitRecipient(unit);
    if (r) {
      push(to, r);
      push(cc, reviewer?.cc);
    } else {
      unreachable = true;
      escalatedTo = unit.parentId;
      push(to, parentRecipient(org, unit));
    }
  }
  // When the unit is told, its parent and the office are copied; otherwise they are the addressees.
  const others = to.length > 0 ? cc : to;
  if (audiences.includes('parent')) push(others, parentRecipient(org, unit));
  if (audiences.includes('office')) push(to.length > 0 ? cc : to, officeRecipient(org));
  return { to, cc, unreachable, escalatedTo };
}

/**
 * A message's recipients as the organisation names them now: each recipient replaced by whoever
 * holds the same role towards `unitId` in `org` (the unit's own contact, its reviewer, its
 * parent's secretary, the office). A re-imported organisation file (a new secretary or liaison,
 * a changed address) thus reaches every mail still to go, also those of deadlines opened before.
 * Who is told stays what the deadline decided: a role the new organisation leaves without an
 * address keeps the old recipient, and a unit it no longer has keeps them all.
 *
 * One decision is taken again: a message built while the unit had no address (`unitUnreachable`,
 * its parent told instead) goes to the unit once `org` gives it one, its reviewer's address for
 * a review's mail, and those told instead stay in copy: they were passing the deadline on, and
 * learn from the copy that the unit now hears it itself. `reachedUnit` says so, and the deadline
 * then records no escalation for want of an address.
 */
export function currentRecipients(
  org: Org,
  unitId: string,
  was: { to: Recipient[]; cc?: Recipient[]; kind?: string; unitUnreachable?: true },
): { to: Recipient[]; cc: Recipient[]; reachedUnit: boolean } {
  const unit = org.units[unitId];
  if (!unit) return { to: was.to, cc: was.cc ?? [], reachedUnit: false };
  const now = (r: Recipient): Recipient | undefined => {
    switch (r.role) {
      case 'reviewer':
        return reviewerRecipients(unit).to;
      case 'parent-secretary':
        return parentRecipient(org, unit);
      case 'office':
        return officeRecipient(org);
      default:
        // liaison, secretary, member: the unit's own contact (a review's liaison in copy is the reviewer's).
        return unitRecipient(unit);
    }
  };
  const seen = new Set<string>();
  const each = (list: Recipient[]): Recipient[] =>
    list.flatMap((r) => {
      const x = now(r) ?? r;
      if (seen.has(x.email)) return [];
      seen.add(x.email);
      return [x];
    });
  if (was.unitUnreachable) {
    const own = was.kind?.startsWith('review-') ? reviewerRecipients(unit) : { to: unitRecipient(unit) };
    if (own.to) {
      const to = each([own.to]);
      return { to, cc: each([...(own.cc ? [own.cc] : []), ...was.to, ...(was.cc ?? [])]), reachedUnit: true };
    }
  }
  const to = each(was.to);
  return { to, cc: each(was.cc ?? []), reachedUnit: false };
}
