/**
 * Slices of the organisation. A child workflow's input is copied into its parent's history,
 * so each batch gets only its units and their ancestors, and each deadline only its unit and
 * the ancestors mail may climb to.
 */
import type { Obligation } from './plan-schema';
import type { Org, Unit } from './org-schema';

export function orgSlice(org: Org, unitIds: Iterable<string>): Org {
  const units: Record<string, Unit> = {};
  const add = (id: string | undefined): void => {
    while (id !== undefined && units[id] === undefined) {
      const u = org.units[id];
      if (!u) return;
      units[id] = u;
      id = u.parentId;
    }
  };
  for (const id of unitIds) add(id);
  add(org.officeId);
  return { officeId: org.officeId, units, order: org.order.filter((id) => units[id] !== undefined) };
}

/** The units that must hand in an obligation: its level, narrowed to some branch kinds if given. */
export function responsibleUnits(org: Org, obligation: Pick<Obligation, 'submitters'>): string[] {
  const { level, kinds } = obligation.submitters;
  return org.order.filter((id) => {
    const u = org.units[id];
    if (!u || u.level !== level) return false;
    if (level === 'branch' && kinds && kinds.length > 0) return kinds.includes(u.kind as never);
    return true;
  });
}

/** Whose leader reviews a unit's report (领导点评): its parent, or the office for a unit without one. */
export function reviewerOf(org: Org, unitId: string): string {
  return org.units[unitId]?.parentId ?? org.officeId;
}
