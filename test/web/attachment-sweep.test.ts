/**
 * The sweep of files nobody names (web/attachment-sweep.ts), against a real attachment store on
 * disk and the ledger on SQLite and PostgreSQL: a file that no report, correction or request
 * names goes once older than the grace period, with its description; one that is named, or
 * young, or touched by an upload of the same bytes, stays; leftovers of writes go, and the marks
 * that tie an API upload to its deadline once past the grace period, and the rosters the office
 * previewed and never took; a dry run removes nothing.
 * And through the command line, with the scheduler the web service runs.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { openSqlLedger, type SqlLedger } from '../../ledger/store';
import type { LedgerEvent } from '../../ledger/types';
import { AttachmentStore, UPLOADS_DIR } from '../../web/attachments';
import { parseWebConfig } from '../../web/config';
import { removeUntouched, scheduleSweeps, sweepAttachments, type SweepResult } from '../../web/attachment-sweep';
import { ledgerBackends } from '../helpers/postgres';
import { parseOrg } from '../../domain/org-loader';
import { tinyPdf } from '../helpers/web';

const backends = ledgerBackends('attachment-sweep');
const DAY = 86_400_000;
const GRACE = 7 * DAY;
const run = promisify(execFile);
const MINI_ORG = path.join(__dirname, '..', 'fixtures', 'mini-org.yaml');

const event = (id: string, kind: LedgerEvent['kind'], refs: string[]): LedgerEvent => ({
  id,
  campaignId: id.split('/')[0]!,
  kind,
  at: '2010-09-20T02:00:00.000Z',
  obligationKey: 'quarterly-report',
  cycleKey: '2010-Q3',
  unitId: 'b-mech-t1',
  data: { text: '汇报', attachments: refs },
});

describe.each(backends)('sweeping the attachment store on %s', (_name, urlFor) => {
  let ledger: SqlLedger;
  let url: string;
  let store: AttachmentStore;
  beforeEach(async () => {
    url = await urlFor();
    ledger = await openSqlLedger(url);
    store = new AttachmentStore(await mkdtemp(path.join(os.tmpdir(), 'sweep-')));
  });
  afterEach(async () => {
    await ledger.close();
  });

  /** Keeps a file and dates it (and its description) `daysAgo`. */
  const kept = async (label: string, daysAgo: number) => {
    const meta = await store.put(`${label}.pdf`, 'application/pdf', tinyPdf(label));
    const when = new Date(Date.now() - daysAgo * DAY);
    await utimes(store.file(meta.sha256), when, when);
    await utimes(`${store.file(meta.sha256)}.json`, when, when);
    return meta.sha256;
  };
  const present = (sha: string) => existsSync(store.file(sha));

  it('removes what nobody names once past the grace period, and nothing else', async () => {
    const reported = await kept('reported', 30);
    const corrected = await kept('corrected', 30);
    const requested = await kept('requested', 30);
    const refused = await kept('refused', 8);
    const fresh = await kept('fresh', 1);
    // Named by a report of another campaign, and by a page of many reports (the read goes by pages).
    await ledger.recordMany([
      event('mini/quarterly-report/2010-Q3/b-mech-t1:submission', 'submission', [`sha256:${reported}`]),
      event('mini/quarterly-report/2010-Q3/b-mech-t1:correction:1', 'submission-corrected', [`sha256:${corrected}`]),
      event('other/quarterly-report/2010-Q3/b-mech-t1:correction-request:1', 'correction-requested', [
        `sha256:${requested}`,
      ]),
      ...Array.from({ length: 2100 }, (_, i) =>
        event(`bulk/quarterly-report/2010-Q3/b-${String(i).padStart(4, '0')}:submission`, 'submission', []),
      ),
    ]);
    // A write that never finished, long ago, and one going on now.
    const shard = path.dirname(store.file(refused));
    const staleTmp = path.join(shard, `${refused}.0123456789ab.tmp`);
    const liveTmp = path.join(shard, `${fresh}.ba9876543210.tmp`);
    await writeFile(staleTmp, 'half');
    await writeFile(liveTmp, 'half');
    const old = new Date(Date.now() - 10 * DAY);
    await utimes(staleTmp, old, old);

    const dry = await sweepAttachments(store, ledger, { graceMs: GRACE, dryRun: true });
    expect(dry).toEqual<SweepResult>({
      named: 3,
      young: 1,
      removed: [{ sha256: refused, bytes: tinyPdf('refused').length, name: 'refused.pdf' }],
      leftovers: 1,
      uploadMarks: 0,
      stagedRosters: 0,
    });
    expect(present(refused)).toBe(true);
    expect(existsSync(staleTmp)).toBe(true);

    const done = await sweepAttachments(store, ledger, { graceMs: GRACE });
    expect(done).toEqual(dry);
    expect(present(refused)).toBe(false);
    expect(existsSync(`${store.file(refused)}.json`)).toBe(false);
    expect(existsSync(staleTmp)).toBe(false);
    for (const sha of [reported, corrected, requested, fresh]) expect([sha, present(sha)]).toEqual([sha, true]);
    expect(existsSync(liveTmp)).toBe(true);
    expect(await store.read(reported)).toEqual(tinyPdf('reported'));
    // Nothing left to do.
    expect((await sweepAttachments(store, ledger, { graceMs: GRACE })).removed).toEqual([]);
  });

  it('spares a file an upload of the same bytes touched, and writes one a sweep took anew', async () => {
    const again = await kept('again', 30);
    // The same bytes uploaded now, for a report about to be recorded: young again.
    await store.put('again (2).pdf', 'application/pdf', tinyPdf('again'));
    const r = await sweepAttachments(store, ledger, { graceMs: GRACE });
    expect(r.removed).toEqual([]);
    expect(r.young).toBe(1);
    expect((await store.meta(again))?.name).toBe('again.pdf');

    // Taken by a sweep, then uploaded again: written anew, with a description.
    const old = new Date(Date.now() - 30 * DAY);
    await utimes(store.file(again), old, old);
    expect((await sweepAttachments(store, ledger, { graceMs: GRACE })).removed).toHaveLength(1);
    await store.put('again (3).pdf', 'application/pdf', tinyPdf('again'));
    expect(await store.read(again)).toEqual(tinyPdf('again'));
    expect((await store.meta(again))?.name).toBe('again (3).pdf');
    // Touched by an upload between the sweep's look and its move: put back, with its description.
    const touched = await kept('touched', 1);
    const meta = await store.meta(touched);
    expect(await removeUntouched(store.file(touched), meta, Date.now() - GRACE)).toBe(false);
    expect(await store.read(touched)).toEqual(tinyPdf('touched'));
    expect(await store.meta(touched)).toEqual(meta);
    expect((await readdir(path.dirname(store.file(touched)))).filter((n) => n.endsWith('.sweep'))).toEqual([]);
    // A description whose file is gone (a sweep stopped half-way) is a leftover once old.
    const lone = path.join(path.dirname(store.file(again)), `${'cd'.repeat(32)}.json`);
    await writeFile(lone, '{}');
    await utimes(lone, old, old);
    expect((await sweepAttachments(store, ledger, { graceMs: GRACE })).leftovers).toBe(1);
    expect(existsSync(lone)).toBe(false);
  });

  it('forgets the marks of API uploads past the grace period, and keeps the young ones', async () => {
    const deadline = 'mini/quarterly-report/2010-Q3/b-mech-t1';
    const stale = await kept('stale upload', 9);
    const recent = await kept('recent upload', 1);
    await store.markUpload(deadline, stale);
    await store.markUpload(deadline, recent);
    await store.markUpload('mini/quarterly-report/2010-Q3/b-mech-s1', stale);
    const marks = path.join(store.dir, UPLOADS_DIR);
    const old = new Date(Date.now() - 9 * DAY);
    for (const d of await readdir(marks)) await utimes(path.join(marks, d, stale), old, old);
    expect(await store.uploadsFor(deadline)).toBe(2);

    expect((await sweepAttachments(store, ledger, { graceMs: GRACE, dryRun: true })).uploadMarks).toBe(2);
    expect(await store.uploadedFor(deadline, stale)).toBe(true);
    const done = await sweepAttachments(store, ledger, { graceMs: GRACE });
    expect(done).toMatchObject({ uploadMarks: 2, removed: [{ sha256: stale }], young: 1 });
    expect(await store.uploadedFor(deadline, stale)).toBe(false);
    expect(await store.uploadedFor(deadline, recent)).toBe(true);
    expect(await store.uploadsFor(deadline)).toBe(1);
    // The other deadline's folder, empty now, went with its mark.
    expect(await readdir(marks)).toHaveLength(1);
    // Uploaded again: marked anew, and the sweep leaves it.
    await store.markUpload(deadline, stale);
    expect((await sweepAttachments(store, ledger, { graceMs: GRACE })).uploadMarks).toBe(0);
    expect(await store.uploadsFor(deadline)).toBe(2);
  });

  it('removes the rosters previewed and never taken once past the grace period; a roster taken stays', async () => {
    const text = await readFile(MINI_ORG, 'utf8');
    const org = parseOrg(text, 'mini-org.yaml');
    const declined = parseOrg(text.replace('刘洋', '孙丽'), 'declined.yaml');
    const previewed = await ledger.stageOrg(declined);
    const taken = await ledger.stageOrg(org);
    expect((await ledger.storeOrg('mini', org)).hash).toBe(taken);
    // Within the grace period, nothing goes.
    expect((await sweepAttachments(store, ledger, { graceMs: GRACE })).stagedRosters).toBe(0);
    // Eight days on: the roster never taken goes (a dry run only counts it).
    const later = Date.now() + 8 * DAY;
    expect((await sweepAttachments(store, ledger, { graceMs: GRACE, now: later, dryRun: true })).stagedRosters).toBe(1);
    expect(await ledger.orgVersion(previewed)).toEqual(declined);
    expect((await sweepAttachments(store, ledger, { graceMs: GRACE, now: later })).stagedRosters).toBe(1);
    expect(await ledger.orgVersion(previewed)).toBeUndefined();
    expect(await ledger.orgVersion(taken)).toEqual(org);
    expect((await sweepAttachments(store, ledger, { graceMs: GRACE, now: later })).stagedRosters).toBe(0);
    // Previewed again, it is kept for the grace period again (here a second long).
    const second = 1_000;
    const pause = () => new Promise((r) => setTimeout(r, 1_100));
    expect(await ledger.stageOrg(declined)).toBe(previewed);
    await pause();
    expect(await ledger.stageOrg(declined)).toBe(previewed);
    expect((await sweepAttachments(store, ledger, { graceMs: second })).stagedRosters).toBe(0);
    expect(await ledger.orgVersion(previewed)).toEqual(declined);
    await pause();
    expect((await sweepAttachments(store, ledger, { graceMs: second })).stagedRosters).toBe(1);
  });
});

describe('the sweep from the command line and on a schedule', () => {
  let dir: string;
  let ledgerUrl: string;
  let store: AttachmentStore;
  let orphan: string;
  beforeAll(async () => {
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'sweep-cli-'));
    dir = path.join(tmp, 'attachments');
    ledgerUrl = `sqlite:${path.join(tmp, 'ledger.sqlite')}`;
    const ledger = await openSqlLedger(ledgerUrl);
    await ledger.close();
    store = new AttachmentStore(dir);
    orphan = (await store.put('误传.pdf', 'application/pdf', tinyPdf('orphan'))).sha256;
    const old = new Date(Date.now() - 9 * DAY);
    await utimes(store.file(orphan), old, old);
  });

  const cli = (args: string[]) =>
    run('npx', ['tsx', 'client/cli/main.ts', 'attachments', 'sweep', '--dir', dir, '--ledger', ledgerUrl, ...args], {
      cwd: path.resolve(__dirname, '..', '..'),
      env: { ...process.env, LANG: 'zh_CN.UTF-8', LC_ALL: '' },
    });

  it('lists first with --dry-run, then sweeps; a bad grace period is refused by name', async () => {
    await expect(cli(['--grace-days', 'soon'])).rejects.toMatchObject({
      stderr: expect.stringContaining('--grace-days：“soon”不是不小于 1 的天数'),
    });
    const dry = await cli(['--dry-run']);
    expect(dry.stdout).toContain(`${orphan}  ${tinyPdf('orphan').length}  误传.pdf`);
    expect(dry.stdout).toContain('将删除 1 个无人引用的文件');
    expect(existsSync(store.file(orphan))).toBe(true);
    // Ten days' grace: nine days old is young.
    expect((await cli(['--grace-days', '10'])).stdout).toContain('已删除 0 个无人引用的文件');
    const swept = await cli(['--json']);
    expect(JSON.parse(swept.stdout)).toMatchObject({ dryRun: false, removed: [{ sha256: orphan }] });
    expect(existsSync(store.file(orphan))).toBe(false);
  }, 60_000);

  it("is configured in the web service: daily, a week's grace, or never; a bad value named", () => {
    const secret = { LINK_SECRET: 'x'.repeat(43) };
    expect(parseWebConfig(secret)).toMatchObject({ ATTACHMENT_SWEEP_HOURS: 24, ATTACHMENT_GRACE_DAYS: 7 });
    expect(parseWebConfig({ ...secret, ATTACHMENT_SWEEP_HOURS: '0' }).ATTACHMENT_SWEEP_HOURS).toBe(0);
    expect(() => parseWebConfig({ ...secret, ATTACHMENT_SWEEP_HOURS: '-1' })).toThrow(/ATTACHMENT_SWEEP_HOURS/);
    expect(() => parseWebConfig({ ...secret, ATTACHMENT_GRACE_DAYS: '0.5' })).toThrow(/ATTACHMENT_GRACE_DAYS/);
  });

  it('runs again and again in the web service, logging each sweep, until stopped', async () => {
    const lines: string[] = [];
    let runs = 0;
    const sweeps = scheduleSweeps(
      () => {
        runs++;
        if (runs === 2) return Promise.reject(new Error('disk gone'));
        return Promise.resolve({
          named: 2,
          young: 1,
          removed: [{ sha256: 'ab'.repeat(32), bytes: 10 }],
          leftovers: 0,
          uploadMarks: 3,
          stagedRosters: 1,
        });
      },
      {
        everyMs: 20,
        firstAfterMs: 5,
        log: (msg, err) => lines.push(err instanceof Error ? `${msg}: ${err.message}` : msg),
      },
    );
    while (runs < 3) await new Promise((r) => setTimeout(r, 10));
    sweeps.stop();
    const after = runs;
    await new Promise((r) => setTimeout(r, 80));
    expect(runs).toBe(after);
    expect(lines[0]).toBe(
      'attachments sweep: removed 1 file(s) named by nobody (10 bytes), 0 leftover(s), 3 upload mark(s) and ' +
        '1 roster(s) previewed and never taken; 2 named, 1 within the grace period',
    );
    // A failed sweep is logged, and the next one still comes.
    expect(lines[1]).toBe('attachments sweep failed: disk gone');
    expect(lines.length).toBeGreaterThanOrEqual(3);
  });
});
