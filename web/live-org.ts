/**
 * The organisation the web service signs people in by and scopes them with, kept current while
 * the service runs. A secretary replaced in the organisation file must lose her access when the
 * office says so, not when someone restarts the service, and her successor must be able to sign
 * in the same day. So the organisation is the newer of two sources:
 * - the `ORG` file, read again whenever its modification time changes (a file that no longer
 *   parses is said in the log and the organisation before it kept);
 * - the latest re-import of any campaign (`appoint --org`, `POST …/org`: `org-reimported` in
 *   the ledger) of the same organisation, that is, with the same office.
 * Both are looked at no more often than every `freshMs` (CONTACTS_FRESH_SECONDS, the freshness
 * the mail's contacts have too), from the request hook, so each request reads one organisation.
 */
import { stat } from 'node:fs/promises';
import type { Org } from '../domain/org-schema';
import { recordedAtOf, reimports } from '../ledger/org-versions';
import type { LedgerStore } from '../ledger/types';
import { loadOrgFile } from '../plans/load';

/** Where the routes read the organisation of the moment. */
export interface OrgSource {
  /** The organisation as of the last refresh. */
  readonly current: Org;
  /** Looks for a newer organisation, unless it looked within the freshness; never throws. */
  refresh(): Promise<void>;
  /** Makes the next refresh look again (after the service itself recorded a re-import). */
  stale(): void;
}

/** One organisation for the service's life: the tests' and benchmarks' harness when nothing changes. */
export const fixedOrg = (org: Org): OrgSource => ({ current: org, refresh: async () => {}, stale: () => {} });

interface Dated {
  org: Org;
  /** Since when it is the organisation (epoch ms): the file's modification, the re-import's instant. */
  since: number;
  /** What it came from, for the log. */
  from: string;
  /** A re-import's stored version. */
  hash?: string;
}

export interface LiveOrgOptions {
  freshMs: number;
  /** Said once per change of source, and for a file that no longer parses. */
  log: (message: string, err?: unknown) => void;
  now?: () => number;
}

export class LiveOrg implements OrgSource {
  private file: Dated;
  private fileMtime: number;
  private reimported: Dated | undefined;
  private checkedAt = Number.NEGATIVE_INFINITY;
  private pending: Promise<void> | undefined;
  /** The office of each stored version read so far: a hash names the same content forever. */
  private readonly officeOf = new Map<string, string | undefined>();
  private badFileMtime: number | undefined;

  private constructor(
    private readonly path: string,
    initial: Dated,
    private readonly ledger: Pick<LedgerStore, 'campaigns' | 'events' | 'orgVersion'>,
    private readonly opts: LiveOrgOptions,
  ) {
    this.file = initial;
    this.fileMtime = initial.since;
  }

  /** Reads the file (a missing or bad one throws: the service does not start without it). */
  static async open(
    file: string,
    ledger: Pick<LedgerStore, 'campaigns' | 'events' | 'orgVersion'>,
    opts: LiveOrgOptions,
  ): Promise<LiveOrg> {
    const org = await loadOrgFile(file);
    const since = (await stat(file)).mtimeMs;
    // The first request's refresh looks at the ledger.
    return new LiveOrg(file, { org, since, from: `the file ${file}` }, ledger, opts);
  }

  get current(): Org {
    return this.newest().org;
  }

  private newest(): Dated {
    const r = this.reimported;
    return r && r.since > this.file.since ? r : this.file;
  }

  stale(): void {
    this.checkedAt = Number.NEGATIVE_INFINITY;
  }

  refresh(): Promise<void> {
    const now = (this.opts.now ?? Date.now)();
    if (now - this.checkedAt < this.opts.freshMs) return this.pending ?? Promise.resolve();
    this.checkedAt = now;
    // One look at a time: requests arriving meanwhile wait for it rather than start their own.
    this.pending ??= this.look().finally(() => (this.pending = undefined));
    return this.pending;
  }

  private async look(): Promise<void> {
    const before = this.newest();
    try {
      await this.lookAtFile();
    } catch (err) {
      this.opts.log(`organisation file ${this.path} not read again; the organisation before it stays`, err);
    }
    try {
      await this.lookAtLedger();
    } catch (err) {
      // The ledger will be asked again at the next refresh; until then the organisation stays.
      this.checkedAt = Number.NEGATIVE_INFINITY;
      this.opts.log('re-imports of the organisation not read from the ledger', err);
    }
    const after = this.newest();
    if (after !== before) this.opts.log(`the organisation is now ${after.from} (${after.org.order.length} units)`);
  }

  private async lookAtFile(): Promise<void> {
    const mtime = (await stat(this.path)).mtimeMs;
    if (mtime === this.fileMtime || mtime === this.badFileMtime) return;
    try {
      this.file = { org: await loadOrgFile(this.path), since: mtime, from: `the file ${this.path}` };
      this.fileMtime = mtime;
      this.badFileMtime = undefined;
    } catch (err) {
      // Said once per bad version of the file, not at every refresh.
      this.badFileMtime = mtime;
      throw err;
    }
  }

  private async lookAtLedger(): Promise<void> {
    const officeId = this.file.org.officeId;
    let latest: { hash: string; since: number; from: string } | undefined;
    for (const campaignId of await this.ledger.campaigns()) {
      const last = (await reimports(this.ledger, campaignId)).at(-1);
      const hash = last?.data?.hash;
      if (!last || typeof hash !== 'string') continue;
      const since = recordedAtOf(last);
      if (latest && latest.since >= since) continue;
      // Another organisation's campaign (a rehearsal's generated one) is not this service's.
      if ((await this.officeOfVersion(hash)) !== officeId) continue;
      const from = `the re-import of campaign ${campaignId} (version ${String(last.data?.version)})`;
      latest = { hash, since, from };
    }
    if (!latest) {
      this.reimported = undefined;
      return;
    }
    if (this.reimported?.hash === latest.hash && this.reimported.since === latest.since) return;
    const org = await this.ledger.orgVersion(latest.hash);
    if (org) this.reimported = { org, ...latest };
  }

  private async officeOfVersion(hash: string): Promise<string | undefined> {
    if (!this.officeOf.has(hash)) this.officeOf.set(hash, (await this.ledger.orgVersion(hash))?.officeId);
    return this.officeOf.get(hash);
  }
}
