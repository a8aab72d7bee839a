/**
 * What a re-imported roster would change, worked out before anything is recorded, so that the
 * office reads it first (the console's preview, the API's dry run): the appointments it makes
 * (engine/events.ts's secretaryChanges), every post whose person or address is another, the
 * branches only the roster has, and the units it no longer has. A roster exported from the wrong
 * college or half-filled shows here as a list of changes nobody made, not as months of mail to
 * the wrong people.
 */
import { secretaryChanges, type SecretaryChange } from './engine/events';
import type { Org, Person, Unit } from './org-schema';

/** One post of a unit whose holder or address the roster changes. */
export interface ContactChange {
  unitId: string;
  unitName: string;
  post: 'secretary' | 'liaison' | 'address';
  /** `name <email>`, a name alone, an address alone; absent when the post was empty. */
  was?: string;
  now?: string;
}

export interface RosterChanges {
  appointments: SecretaryChange[];
  contacts: ContactChange[];
  /** Branches only in the roster: not the campaign's (nothing opens for them). */
  newBranches: string[];
  /** Units of the organisation before that the roster does not have: their mail goes on as before. */
  missing: string[];
}

const personText = (p: Person | undefined): string | undefined =>
  p ? (p.email ? `${p.name} <${p.email}>` : p.name) : undefined;

/** The posts the mail goes by: the secretary and liaison of any unit, the office's own address. */
function posts(u: Unit): Record<ContactChange['post'], string | undefined> {
  return {
    secretary: personText(u.secretary),
    liaison: personText(u.liaison),
    address: u.level === 'office' ? u.email : undefined,
  };
}

export function rosterChanges(before: Org, after: Org, campaignOrg: Org = before): RosterChanges {
  const contacts: ContactChange[] = [];
  const missing: string[] = [];
  for (const id of before.order) {
    const was = before.units[id]!;
    const now = after.units[id];
    if (!now) {
      missing.push(id);
      continue;
    }
    const a = posts(was);
    const b = posts(now);
    for (const post of ['secretary', 'liaison', 'address'] as const)
      if (a[post] !== b[post])
        contacts.push({
          unitId: id,
          unitName: now.name,
          post,
          ...(a[post] !== undefined ? { was: a[post] } : {}),
          ...(b[post] !== undefined ? { now: b[post] } : {}),
        });
  }
  return {
    appointments: secretaryChanges(before, after).changes,
    contacts,
    newBranches: secretaryChanges(campaignOrg, after).newBranches,
    missing,
  };
}
