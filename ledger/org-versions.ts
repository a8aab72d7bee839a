/**
 * Organisations by reference (tables of migration 009). A campaign's workflows no longer carry
 * the organisation in their input: it is stored here once, as a version of the campaign's
 * organisation named by the SHA-256 of its canonical JSON, and the activities read it by that
 * hash. The workflows hold only the hash (and the slices their deadlines need), so no payload
 * grows with the organisation: a 20,000-unit organisation is about 6 MB of JSON, three times
 * Temporal's payload limit.
 *
 * Storing the same content again returns the version it already has; different content (a
 * re-import) becomes the next version. A version is never changed or deleted while the ledger
 * lives: a deadline opened under version 3 keeps the slice it was given, and a batch started
 * under it reads version 3 by its hash whatever was imported since. The ledger is the store
 * because every worker on every machine already shares it.
 */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Org } from '../domain/org-schema';
import type { OrgRef } from '../domain/engine/org-ref';
import type { LedgerDb } from './schema';
import type { LedgerEvent, LedgerStore, OrgVersionRow } from './types';

/** JSON with every object's keys sorted: the same organisation always gives the same text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const hashOfText = (canonical: string): string => `sha256:${createHash('sha256').update(canonical).digest('hex')}`;

/** The content hash an organisation is stored under: `sha256:<hex>` of its canonical JSON. */
export function orgHash(org: Org): string {
  return hashOfText(canonicalJson(org));
}

export class OrgVersions {
  constructor(
    private readonly db: Kysely<LedgerDb>,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Stores `org` as a version of the campaign's organisation and returns its reference: the
   * version it already has if this content was stored for the campaign before, the next
   * version otherwise. Two importers at once may race for the same version number: the
   * primary key refuses the second, which then tries again.
   */
  async store(campaignId: string, org: Org): Promise<OrgRef> {
    const body = canonicalJson(org);
    const hash = hashOfText(body);
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.db.transaction().execute(async (tx) => {
          await tx
            .insertInto('org_bodies')
            .values({ hash, body, bytes: Buffer.byteLength(body) })
            .onConflict((c) => c.column('hash').doNothing())
            .execute();
          const known = await tx
            .selectFrom('org_versions')
            .select('version')
            .where('campaign_id', '=', campaignId)
            .where('hash', '=', hash)
            .executeTakeFirst();
          if (known) return { hash, version: Number(known.version) };
          const last = await tx
            .selectFrom('org_versions')
            .select((eb) => eb.fn.max('version').as('v'))
            .where('campaign_id', '=', campaignId)
            .executeTakeFirst();
          const version = Number(last?.v ?? 0) + 1;
          await tx
            .insertInto('org_versions')
            .values({
              campaign_id: campaignId,
              version,
              hash,
              units: org.order.length,
              stored_at: new Date(this.now()).toISOString(),
            })
            .execute();
          return { hash, version };
        });
      } catch (err) {
        if (attempt >= 4) throw err;
      }
    }
  }

  /**
   * Keeps `org`'s content under its hash without making it a version of any campaign's: a roster
   * the office previews before it takes it. Taken, it becomes a version by `store`; never taken,
   * it is a body nothing names, until `sweepStaged` removes it.
   */
  async stage(org: Org): Promise<string> {
    const body = canonicalJson(org);
    const hash = hashOfText(body);
    const stagedAt = new Date(this.now()).toISOString();
    await this.db
      .insertInto('org_bodies')
      .values({ hash, body, bytes: Buffer.byteLength(body), staged_at: stagedAt })
      // Previewed again: young again, so that the sweep does not take it from under the office.
      .onConflict((c) => c.column('hash').doUpdateSet({ staged_at: stagedAt }))
      .execute();
    return hash;
  }

  /**
   * Removes the rosters previewed before `before` (ISO instant) that no campaign took as a version:
   * a roster holds the names and addresses of every secretary, and one the office looked at and
   * did not take has no business staying. Returns how many went. A confirmation racing the sweep
   * stores the body again itself (`store` inserts it), so nothing taken is ever lost; a preview
   * confirmed after its roster went is refused as unknown, and the office uploads it again.
   */
  async sweepStaged(before: string, dryRun = false): Promise<number> {
    const stale = this.db
      .selectFrom('org_bodies')
      .select('hash')
      .where('staged_at', 'is not', null)
      .where('staged_at', '<', before)
      .where('hash', 'not in', this.db.selectFrom('org_versions').select('hash'));
    if (dryRun) return (await stale.execute()).length;
    const removed = await this.db.deleteFrom('org_bodies').where('hash', 'in', stale).executeTakeFirst();
    return Number(removed.numDeletedRows);
  }

  /** The organisation stored under `hash`, or undefined when the ledger has none. */
  async get(hash: string): Promise<Org | undefined> {
    const row = await this.db.selectFrom('org_bodies').select('body').where('hash', '=', hash).executeTakeFirst();
    return row ? (JSON.parse(row.body) as Org) : undefined;
  }

  /** When this content was last stored as a version of any campaign's organisation, or undefined. */
  async lastStored(hash: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('org_versions')
      .select((eb) => eb.fn.max('stored_at').as('at'))
      .where('hash', '=', hash)
      .executeTakeFirst();
    return row?.at ?? undefined;
  }

  /** The campaign's versions, the first first. */
  async list(campaignId: string): Promise<OrgVersionRow[]> {
    const rows = await this.db
      .selectFrom('org_versions')
      .selectAll()
      .where('campaign_id', '=', campaignId)
      .orderBy('version')
      .execute();
    return rows.map((r) => ({
      campaignId: r.campaign_id,
      version: Number(r.version),
      hash: r.hash,
      units: Number(r.units),
      storedAt: r.stored_at,
    }));
  }
}

/**
 * The organisation version whose contacts a campaign's mail goes to: the one its latest
 * re-import recorded (`org-reimported`), or undefined when it was never re-imported (its mail
 * then goes as its deadlines' own versions say). The structure stays each deadline's own: who
 * is responsible, who reviews, where an escalation goes; only the addresses are the newest.
 */
export async function reimportedOrg(
  ledger: Pick<LedgerStore, 'events'>,
  campaignId: string,
): Promise<OrgRef | undefined> {
  const last = (await reimports(ledger, campaignId)).at(-1);
  const hash = last?.data?.hash;
  const version = last?.data?.version;
  return typeof hash === 'string' && typeof version === 'number' ? { hash, version } : undefined;
}

/** A campaign's re-imports of its organisation (`org-reimported`), the first first. */
export async function reimports(ledger: Pick<LedgerStore, 'events'>, campaignId: string): Promise<LedgerEvent[]> {
  const events = await ledger.events({ campaignId, kinds: ['org-reimported'] });
  return events.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : 1));
}

/**
 * The event that makes `ref` the campaign's contacts from `at` (the campaign's own time),
 * recorded by `by` at `recordedAt` (the wall clock's: what the web service weighs against its
 * organisation file's modification, web/live-org.ts; a rehearsal's `at` may be years back).
 */
export function reimportEvent(
  campaignId: string,
  ref: OrgRef,
  units: number,
  at: string,
  by: string,
  recordedAt: string = new Date().toISOString(),
): LedgerEvent {
  return {
    // One per re-import, also when it brings back an earlier version's content.
    id: `${campaignId}:org-reimported:${at}:${ref.version}`,
    campaignId,
    kind: 'org-reimported',
    at,
    actor: by,
    data: { hash: ref.hash, version: ref.version, units, recordedAt },
  };
}

/** When a re-import was recorded by the wall clock: its `recordedAt`, or its `at` if older than that field. */
export function recordedAtOf(e: LedgerEvent): number {
  const r = e.data?.recordedAt;
  return Date.parse(typeof r === 'string' ? r : e.at);
}

/**
 * `read` (a ledger's `orgVersion`) remembering the last `kept` versions it found, the most
 * recently used last. A version never changes, and one of 20,000 units is megabytes of JSON to
 * parse: the console reads the contacts in force on each page that lists them. What is not found
 * is asked again (it may be stored later); a failed read is forgotten.
 */
export function rememberingOrgVersions(
  read: (hash: string) => Promise<Org | undefined>,
  kept = 4,
): (hash: string) => Promise<Org | undefined> {
  const found = new Map<string, Promise<Org | undefined>>();
  return (hash) => {
    let org = found.get(hash);
    if (org) found.delete(hash);
    else {
      const reading = read(hash);
      const forget = () => found.get(hash) === reading && found.delete(hash);
      void reading.then((o) => o === undefined && forget(), forget);
      org = reading;
    }
    found.set(hash, org);
    if (found.size > kept) found.delete(found.keys().next().value!);
    return org;
  };
}

const readers = new WeakMap<object, (hash: string) => Promise<Org | undefined>>();

/**
 * `ledger.orgVersion`, remembering (`rememberingOrgVersions`) for as long as the ledger is open:
 * the worker's activities, the campaign client and the console all read versions through it.
 */
export function parsedOrgVersions(ledger: Pick<LedgerStore, 'orgVersion'>): (hash: string) => Promise<Org | undefined> {
  let read = readers.get(ledger);
  if (!read) readers.set(ledger, (read = rememberingOrgVersions((hash) => ledger.orgVersion(hash))));
  return read;
}
