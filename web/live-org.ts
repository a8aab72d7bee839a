/**
 * The organisation the web service signs people in by and scopes them with, kept current while
 * the service runs. A secretary replaced in the organisation file must lose her access when the
 * office says so, not when someone restarts the service, and her successor must be able to sign
 * in the same day. So the organisation is the newer of two sources:
 * - the `ORG` file, read again whenever its modification time changes (a file that no longer
 *   parses is said in the log and the organisation before it kept);
 * - the latest re-import of any campaign (`appoint --org`, `POST …/org`, the console: an
 *   `org-reimported` in the ledger) of the same organisation, that is, with the same office.
 * A re-import is as new as its wall-clock record. The file is as new as the last time the ledger
 * took the same content (a campaign started on it, a re-import of it), or, when the ledger has
 * never seen it (an edit by hand), its modification time: a service deployed afresh with the
 * organisation its campaign started on does not undo the re-imports since.
 * Both are looked at no more often than every `freshMs` (CONTACTS_FRESH_SECONDS, the freshness
 * the mail's contacts have too), from the request hook, so each request reads one organisation.
 */
import { stat } from 'node:fs/promises';
import type { Org } from '../domain/org-schema';
import { orgHash, recordedAtOf, reimports } from '../ledger/org-versions';
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

type LiveOrgLedger = Pick<LedgerStore, 'campaigns' | 'events' | 'orgVersion' | 'orgStoredAt'>;

interface Dated {
  org: Org;
  /** Its content hash (ledger/org-versions.ts): the same content always has the same. */
  hash: string;
  /** Since when it is the organisation (epoch ms); see the module's comment. */
  since: number;
  /** What it came from, for the log. */
  from: string;
}

export interface LiveOrgOptions {
  freshMs: number;
  /** Said when the organisation changes source, and once per problem in reading either. */
  log: (message: string, err?: unknown) => void;
  now?: () => number;
}

export class LiveOrg implements OrgSource {
  /** The file as last read; `since` is its modification time. */
  private file: Dated;
  /** When the ledger last took the file's content, if it ever did. */
  private fileKnownSince: number | undefined;
  private reimported: Dated | undefined;
  private checkedAt = Number.NEGATIVE_INFINITY;
  private pending: Promise<void> | undefined;
  /** The office of each stored version read so far: a hash names the same content forever. */
  private readonly officeOf = new Map<string, string | undefined>();
  /** The modification time of a file that did not parse: not read again until it changes. */
  private badFileMtime: number | undefined;
  /** The problems last said, so that one lasting problem is said once, not at every look. */
  private readonly said = { file: '', ledger: '' };

  private constructor(
    private readonly path: string,
    initial: Dated,
    private readonly ledger: LiveOrgLedger,
    private readonly opts: LiveOrgOptions,
  ) {
    this.file = initial;
  }

  /** Reads the file (a missing or bad one throws: the service does not start without it). */
  static async open(file: string, ledger: LiveOrgLedger, opts: LiveOrgOptions): Promise<LiveOrg> {
    const org = await loadOrgFile(file);
    const since = (await stat(file)).mtimeMs;
    // The first request's refresh looks at the ledger.
    return new LiveOrg(file, { org, hash: orgHash(org), since, from: `the file ${file}` }, ledger, opts);
  }

  get current(): Org {
    return this.newest().org;
  }

  private newest(): Dated {
    const r = this.reimported;
    const fileSince = this.fileKnownSince ?? this.file.since;
    return r && r.since > fileSince ? r : this.file;
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
    // A problem is looked at again after the freshness, like everything else: a ledger that
    // does not answer is not asked at every request.
    await this.lookAtFile().then(
      () => (this.said.file = ''),
      (err: unknown) =>
        this.sayOnce('file', err, `organisation file ${this.path} not read again; the organisation before it stays`),
    );
    await this.lookAtLedger().then(
      () => (this.said.ledger = ''),
      (err: unknown) =>
        this.sayOnce('ledger', err, 're-imports of the organisation not read from the ledger; it stays as it was'),
    );
    const after = this.newest();
    if (after !== before) this.opts.log(`the organisation is now ${after.from} (${after.org.order.length} units)`);
  }

  private sayOnce(what: 'file' | 'ledger', err: unknown, message: string): void {
    const key = err instanceof Error ? err.message : String(err);
    if (this.said[what] === key) return;
    this.said[what] = key;
    this.opts.log(message, err);
  }

  private async lookAtFile(): Promise<void> {
    const mtime = (await stat(this.path)).mtimeMs;
    if (mtime === this.file.since || mtime === this.badFileMtime) return;
    try {
      const org = await loadOrgFile(this.path);
      this.file = { org, hash: orgHash(org), since: mtime, from: `the file ${this.path}` };
      this.badFileMtime = undefined;
    } catch (err) {
      this.badFileMtime = mtime;
      throw err;
    }
  }

  private async lookAtLedger(): Promise<void> {
    const { officeId } = this.file.org;
    const stored = await this.ledger.orgStoredAt(this.file.hash);
    let fileKnownSince = stored === undefined ? undefined : Date.parse(stored);
    let latest: Omit<Dated, 'org'> | undefined;
    for (const campaignId of await this.ledger.campaigns()) {
      const all = await reimports(this.ledger, campaignId);
      // The file's content imported again later (after another) is as new as that import.
      for (const e of all)
        if (e.data?.hash === this.file.hash) fileKnownSince = Math.max(fileKnownSince ?? 0, recordedAtOf(e));
      const last = all.at(-1);
      const hash = last?.data?.hash;
      if (!last || typeof hash !== 'string') continue;
      const since = recordedAtOf(last);
      if (latest && latest.since >= since) continue;
      // Another organisation's campaign (a rehearsal's generated one) is not this service's.
      if ((await this.officeOfVersion(hash)) !== officeId) continue;
      const from = `the re-import of campaign ${campaignId} (version ${String(last.data?.version)})`;
      latest = { hash, since, from };
    }
    this.fileKnownSince = fileKnownSince;
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
