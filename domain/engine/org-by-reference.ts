/**
 * What the engine needs from an organisation it holds by reference (since v0.13): the
 * campaign's workflow never sees the organisation, only its hash, so the activities work these
 * out from the stored version, and the campaign of an organisation in its input works them out
 * itself from the same functions. Deterministic: the same organisation always gives the same
 * units, targets and batches, so an activity retried after a crash starts and mails nothing new.
 */
import type { Obligation } from '../plan-schema';
import type { Org } from '../org-schema';
import type { Recipient } from '../recipients';
import { recipientsFor } from '../recipients';
import { responsibleUnits } from '../org-slice';
import type { LedgerUnit } from '../../ledger/types';
import type { CampaignDirectory } from './requests';

/** One unit a phase is announced to. */
export interface AnnouncementTarget {
  unitId: string;
  unitName: string;
  to: Recipient[];
}

/** What the campaign learns of its organisation, in a few bytes whatever its size. */
export interface OrgFacts {
  /** Units in the organisation. */
  units: number;
  /** Responsible units of each obligation, by key: how many batches each cycle has. */
  responsible: Record<string, number>;
}

/** Every unit of the organisation, as the ledger keeps it. */
export function ledgerUnitsOf(campaignId: string, org: Org): LedgerUnit[] {
  return org.order.map((id) => {
    const u = org.units[id]!;
    return {
      campaignId,
      unitId: u.id,
      name: u.name,
      level: u.level,
      kind: u.kind,
      parentId: u.parentId,
      committeeId: u.committeeId,
    };
  });
}

/** The units as a campaign's directory lists them. */
export function directoryUnits(org: Org): CampaignDirectory['units'] {
  return org.order.map((id) => {
    const u = org.units[id]!;
    return { id, name: u.name, level: u.level, committeeId: u.committeeId };
  });
}

/** The units a phase is announced to: every unit but the office and the members. */
export function announcementTargets(org: Org): AnnouncementTarget[] {
  return org.order
    .filter((id) => id !== org.officeId && org.units[id]?.level !== 'member')
    .map((id) => ({ unitId: id, unitName: org.units[id]!.name, to: recipientsFor(org, id, ['unit']).to }));
}

export function orgFactsOf(org: Org, obligations: Pick<Obligation, 'key' | 'submitters'>[]): OrgFacts {
  return {
    units: org.order.length,
    responsible: Object.fromEntries(obligations.map((o) => [o.key, responsibleUnits(org, o).length])),
  };
}

/** The units of the `index`th batch of `size` of an obligation's cycle. */
export function batchUnitIds(
  org: Org,
  obligation: Pick<Obligation, 'submitters'>,
  index: number,
  size: number,
): string[] {
  return responsibleUnits(org, obligation).slice(index * size, (index + 1) * size);
}
