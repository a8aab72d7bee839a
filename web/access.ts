/**
 * Who sees what, from the organisation file: the office (its address or its secretary) sees
 * everything; a committee's secretary or liaison sees that committee, the committees under it
 * and their branches; a branch's secretary or liaison sees only that branch. Resources belong
 * to a unit; every route asks `canSee` before it reads or changes anything.
 */
import type { Org } from '../domain/org-schema';

export type Role = 'office' | 'committee' | 'branch';

export interface Principal {
  email: string;
  /** The broadest role this person holds. */
  role: Role;
  /** The units they hold a post in (for "my open deadlines"). */
  posts: string[];
  /** Every unit they may see; empty for the office, which sees all. */
  scope: Set<string>;
  /** Set when the request came with one of the person's API tokens (ledger/api-tokens.ts). */
  token?: { id: string; access: 'read' | 'write' };
}

const same = (a: string | undefined, b: string): boolean => !!a && a.toLowerCase() === b.toLowerCase();

/** The principal an address signs in as, or undefined for an address the organisation does not know. */
export function principalFor(org: Org, email: string): Principal | undefined {
  const posts = org.order.filter((id) => {
    const u = org.units[id]!;
    if (u.level === 'member') return false;
    return (
      same(u.secretary?.email, email) || same(u.liaison?.email, email) || (u.level === 'office' && same(u.email, email))
    );
  });
  if (posts.length === 0) return undefined;
  const levels = posts.map((id) => org.units[id]!.level);
  if (levels.includes('office')) return { email, role: 'office', posts, scope: new Set() };
  const scope = new Set<string>();
  for (const id of org.order) {
    // A unit is in scope when one of the posts is the unit itself or one of its ancestors.
    for (let cur: string | undefined = id; cur !== undefined; cur = org.units[cur]?.parentId) {
      if (posts.includes(cur)) {
        scope.add(id);
        break;
      }
    }
  }
  return { email, role: levels.includes('committee') ? 'committee' : 'branch', posts, scope };
}

export function canSee(p: Principal, unitId: string): boolean {
  return p.role === 'office' || p.scope.has(unitId);
}

/** The reviewer of a unit's report: its parent (a committee), or the office for a committee's own report. */
export function reviewerOf(org: Org, unitId: string): string {
  return org.units[unitId]?.parentId ?? org.officeId;
}
