/**
 * The web service's organisation of the moment (web/live-org.ts), on a SQLite ledger and a real
 * file: the ORG file until a campaign of the same office is re-imported; the newer of the two
 * after that, by the file's modification and the import's wall-clock record (not the campaign's
 * own time, which a rehearsal sets years back); another office's re-import never; a file that no
 * longer parses, or a ledger that does not answer, leaves the organisation as it was. Who may
 * sign in is what the tests look at (web/access.ts's principalFor on `current`).
 */
import os from 'node:os';
import path from 'node:path';
import { mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { openLedger } from '../../ledger';
import { reimportEvent } from '../../ledger/org-versions';
import type { LedgerStore } from '../../ledger/types';
import { parseOrg } from '../../domain/org-loader';
import type { Org } from '../../domain/org-schema';
import { principalFor } from '../../web/access';
import { LiveOrg } from '../../web/live-org';
import { ORG } from '../helpers/web';

const T0 = Date.parse('2026-03-01T08:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000);

describe('the organisation the web service signs people in by', () => {
  let dir: string;
  let file: string;
  let text: string;
  let ledger: LedgerStore;
  let logged: string[];
  let now: number;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'live-org-'));
    file = path.join(dir, 'org.yaml');
    text = await readFile(ORG, 'utf8');
    await writeFile(file, text);
    await utimes(file, at(0), at(0));
    ledger = await openLedger('sqlite::memory:');
    logged = [];
    now = T0;
  });
  afterEach(async () => {
    await ledger.close();
    await rm(dir, { recursive: true, force: true });
  });

  const open = (
    freshMs = 0,
    store: Pick<LedgerStore, 'campaigns' | 'events' | 'orgVersion' | 'orgStoredAt'> = ledger,
  ) => LiveOrg.open(file, store, { freshMs, now: () => now, log: (msg) => logged.push(msg) });
  /** The mini organisation with b-info-t1's secretary 杨帆 replaced by `name` <`email`>. */
  const withInfoSecretary = (name: string, email: string, base = text) =>
    base.replace(
      'secretary: { name: 杨帆, email: yang.fan@example.org }',
      `secretary: { name: ${name}, email: ${email} }`,
    );
  /** Records `org` as re-imported for `campaignId` (its units registered, as a started campaign's are). */
  async function reimport(campaignId: string, org: Org, recordedAt: Date, planAt = '2010-09-20T02:00:00.000Z') {
    await ledger.upsertUnits(
      org.order.map((unitId) => ({
        campaignId,
        unitId,
        name: org.units[unitId]!.name,
        level: org.units[unitId]!.level,
      })),
    );
    const ref = await ledger.storeOrg(campaignId, org);
    await ledger.record(reimportEvent(campaignId, ref, org.order.length, planAt, '组织部', recordedAt.toISOString()));
  }
  const signsIn = (live: LiveOrg, email: string) => principalFor(live.current, email) !== undefined;

  it('follows a re-import recorded after the file, though the campaign’s own time is years back', async () => {
    const live = await open();
    await live.refresh();
    expect([signsIn(live, 'yang.fan@example.org'), signsIn(live, 'qian.jin@example.org')]).toEqual([true, false]);

    await reimport('mini', parseOrg(withInfoSecretary('钱进', 'qian.jin@example.org'), 'org-2.yaml'), at(5));
    await live.refresh();
    // The secretary replaced loses her access; her successor has it, over the branch she took on.
    expect(signsIn(live, 'yang.fan@example.org')).toBe(false);
    expect(principalFor(live.current, 'qian.jin@example.org')).toMatchObject({
      role: 'branch',
      posts: ['b-info-t1'],
    });
    expect(logged).toEqual(['the organisation is now the re-import of campaign mini (version 1) (7 units)']);
  });

  it('takes the newer of the file and the re-import, each time either changes', async () => {
    const live = await open();
    await reimport('mini', parseOrg(withInfoSecretary('钱进', 'qian.jin@example.org'), 'org-2.yaml'), at(5));
    // The file was edited after the import: it is the organisation.
    await writeFile(file, withInfoSecretary('孙丽', 'sun.li@example.org'));
    await utimes(file, at(10), at(10));
    await live.refresh();
    expect(['qian.jin', 'sun.li'].map((n) => signsIn(live, `${n}@example.org`))).toEqual([false, true]);

    // Another campaign of the same office is re-imported later still: that one now.
    await reimport('mini-2027', parseOrg(withInfoSecretary('周敏', 'zhou.min@example.org'), 'org-3.yaml'), at(15));
    await live.refresh();
    expect(['sun.li', 'zhou.min'].map((n) => signsIn(live, `${n}@example.org`))).toEqual([false, true]);
  });

  it('never takes the re-import of another office’s organisation', async () => {
    const live = await open();
    const other = parseOrg(
      withInfoSecretary('钱进', 'qian.jin@example.org').replace(/\bid: office\b/, 'id: other-office'),
      'other.yaml',
    );
    expect(other.officeId).toBe('other-office');
    await reimport('rehearsal', other, at(5));
    await live.refresh();
    expect([signsIn(live, 'yang.fan@example.org'), signsIn(live, 'qian.jin@example.org')]).toEqual([true, false]);
    expect(logged).toEqual([]);
  });

  it('keeps the organisation it has when the file no longer parses, and says so once', async () => {
    const live = await open();
    await writeFile(file, text.replace('parent: c-info', 'parent: c-nowhere'));
    await utimes(file, at(3), at(3));
    await live.refresh();
    await live.refresh();
    expect(signsIn(live, 'yang.fan@example.org')).toBe(true);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain('not read again');

    // Mended: read.
    await writeFile(file, withInfoSecretary('钱进', 'qian.jin@example.org'));
    await utimes(file, at(4), at(4));
    await live.refresh();
    expect(signsIn(live, 'qian.jin@example.org')).toBe(true);
  });

  it('asks the ledger at most once within its freshness, at once after `stale`; a failure is said once and asked again a freshness later', async () => {
    let reads = 0;
    let failing = false;
    const counting: Pick<LedgerStore, 'campaigns' | 'events' | 'orgVersion' | 'orgStoredAt'> = {
      campaigns: () => {
        reads++;
        return failing ? Promise.reject(new Error('ledger down')) : ledger.campaigns();
      },
      events: (f) => ledger.events(f),
      orgVersion: (h) => ledger.orgVersion(h),
      orgStoredAt: (h) => ledger.orgStoredAt(h),
    };
    const live = await open(5_000, counting);
    await Promise.all([live.refresh(), live.refresh(), live.refresh()]);
    expect(reads).toBe(1);
    await reimport('mini', parseOrg(withInfoSecretary('钱进', 'qian.jin@example.org'), 'org-2.yaml'), at(1));
    now += 4_000;
    await live.refresh();
    expect([reads, signsIn(live, 'qian.jin@example.org')]).toEqual([1, false]);
    live.stale();
    await live.refresh();
    expect([reads, signsIn(live, 'qian.jin@example.org')]).toEqual([2, true]);

    failing = true;
    now += 5_000;
    await live.refresh();
    expect([reads, signsIn(live, 'qian.jin@example.org')]).toEqual([3, true]);
    expect(logged.at(-1)).toContain('not read from the ledger');
    // Not asked again at every request while it is down, and said once while it stays down.
    await live.refresh();
    expect(reads).toBe(3);
    const said = logged.length;
    now += 5_000;
    await live.refresh();
    expect([reads, logged.length]).toEqual([4, said]);
    failing = false;
    now += 5_000;
    await live.refresh();
    expect([reads, signsIn(live, 'qian.jin@example.org')]).toEqual([5, true]);
  });

  it('a service deployed afresh with the organisation its campaign started on keeps the re-imports since', async () => {
    // The campaign started on the file's content (stored now), re-imported five minutes later;
    // the service is then deployed again, the file's modification time ten minutes after.
    const started = Date.now();
    await ledger.storeOrg('mini', parseOrg(text, 'org.yaml'));
    await reimport(
      'mini',
      parseOrg(withInfoSecretary('钱进', 'qian.jin@example.org'), 'org-2.yaml'),
      new Date(started + 5 * 60_000),
    );
    await utimes(file, new Date(started + 10 * 60_000), new Date(started + 10 * 60_000));
    const live = await open();
    await live.refresh();
    expect([signsIn(live, 'yang.fan@example.org'), signsIn(live, 'qian.jin@example.org')]).toEqual([false, true]);

    // An edit by hand (content the ledger has never seen) is newer than the re-import.
    await writeFile(file, withInfoSecretary('孙丽', 'sun.li@example.org'));
    await utimes(file, new Date(started + 11 * 60_000), new Date(started + 11 * 60_000));
    await live.refresh();
    expect([signsIn(live, 'qian.jin@example.org'), signsIn(live, 'sun.li@example.org')]).toEqual([false, true]);
  });
});
