/**
 * The sweep of files nobody names. The attachment store keeps a file as it is uploaded, before
 * the engine takes the report that names it; a report refused after its files were kept (one that
 * lost to a submission made at the same moment elsewhere: the API, the command line, a second web
 * service) leaves them named by nothing. The sweep removes a file that no event of the ledger
 * names once it is older than a grace period, with its description, and the leftovers of writes
 * that never finished. The grace period (a week by default) is longer than any wait between an
 * upload and the ledger's record of its report, a worker down over a weekend included.
 *
 * Rosters go the same way: one the office uploaded to the console and previewed but never took
 * stays in the ledger (ledger/org-versions.ts `stage`), with every secretary's name and address,
 * and goes once its preview is older than the grace period.
 *
 * Safe beside uploads in any process that shares the store: an upload touches a file it finds
 * kept (AttachmentStore.put), and the sweep moves a file aside before it looks at its age a last
 * time, and puts it back if an upload touched it meanwhile; an upload after the move finds no file
 * and writes it again, with its description.
 */
import { randomBytes } from 'node:crypto';
import { link, readdir, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { LedgerStore } from '../ledger/types';
import { UPLOADS_DIR, type AttachmentMeta, type AttachmentStore } from './attachments';

export const DEFAULT_GRACE_MS = 7 * 24 * 3600_000;

export interface SweepOptions {
  /** How old a file named by nobody must be before it goes. */
  graceMs: number;
  /** Reports what would go, removing nothing. */
  dryRun?: boolean;
  now?: number;
}

export interface SweepResult {
  /** Files an event of the ledger names. */
  named: number;
  /** Files named by nobody, younger than the grace period: kept. */
  young: number;
  /** Files removed (in a dry run: that would be), with their size and the name they were uploaded under. */
  removed: { sha256: string; bytes: number; name?: string }[];
  /** Leftovers removed: writes that never finished, descriptions without their file. */
  leftovers: number;
  /** Marks of API uploads (AttachmentStore.markUpload) removed, past the grace period. */
  uploadMarks: number;
  /** Rosters previewed and never taken, removed from the ledger past the grace period. */
  stagedRosters: number;
}

const HASH = /^[0-9a-f]{64}$/;
const SHARD = /^[0-9a-f]{2}$/;
/** A write in progress (AttachmentStore.put), and a file this sweep (or one that stopped) moved aside. */
const LEFTOVER = /^[0-9a-f]{64}\.[0-9a-f]{12}\.(tmp|sweep)$/;

const ageOf = (file: string) =>
  stat(file).then(
    (s) => ({ mtimeMs: s.mtimeMs, size: s.size }),
    () => undefined,
  );

export async function sweepAttachments(
  store: AttachmentStore,
  ledger: Pick<LedgerStore, 'attachmentHashes' | 'sweepStagedOrgs'>,
  opts: SweepOptions,
): Promise<SweepResult> {
  // Read before the files are listed: a file put after this read is within its grace period.
  const named = await ledger.attachmentHashes();
  const cutoff = (opts.now ?? Date.now()) - opts.graceMs;
  const result: SweepResult = { named: 0, young: 0, removed: [], leftovers: 0, uploadMarks: 0, stagedRosters: 0 };
  result.stagedRosters = await ledger.sweepStagedOrgs(new Date(cutoff).toISOString(), opts.dryRun === true);
  const shards = await readdir(store.dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [] as string[];
    throw err;
  });
  for (const shard of shards.filter((n) => SHARD.test(n))) {
    const dir = path.join(store.dir, shard);
    const names = await readdir(dir);
    const files = new Set(names.filter((n) => HASH.test(n)));
    for (const n of names) {
      const file = path.join(dir, n);
      if (files.has(n)) {
        if (named.has(n)) {
          result.named++;
          continue;
        }
        const age = await ageOf(file);
        if (!age) continue; // taken by another sweep meanwhile
        if (age.mtimeMs > cutoff) {
          result.young++;
          continue;
        }
        const meta = await store.meta(n);
        if (!opts.dryRun && !(await removeUntouched(file, meta, cutoff))) {
          result.young++;
          continue;
        }
        result.removed.push({ sha256: n, bytes: age.size, ...(meta ? { name: meta.name } : {}) });
        continue;
      }
      const orphanMeta = n.endsWith('.json') && HASH.test(n.slice(0, -5)) && !files.has(n.slice(0, -5));
      if (!orphanMeta && !LEFTOVER.test(n)) continue;
      const age = await ageOf(file);
      if (!age || age.mtimeMs > cutoff) continue;
      if (!opts.dryRun) await rm(file, { force: true });
      result.leftovers++;
    }
  }
  result.uploadMarks = await sweepUploadMarks(store, cutoff, opts.dryRun === true);
  return result;
}

/**
 * Removes the marks of API uploads dated before `cutoff`, and a deadline's folder once empty. A
 * mark only lets a submission name a file; past the grace period its file may be gone anyway.
 */
async function sweepUploadMarks(store: AttachmentStore, cutoff: number, dryRun: boolean): Promise<number> {
  const root = path.join(store.dir, UPLOADS_DIR);
  const readNames = (dir: string) => readdir(dir).catch(() => [] as string[]);
  let removed = 0;
  for (const deadline of (await readNames(root)).filter((n) => HASH.test(n))) {
    const dir = path.join(root, deadline);
    const marks = (await readNames(dir)).filter((n) => HASH.test(n));
    for (const n of marks) {
      const age = await ageOf(path.join(dir, n));
      if (!age || age.mtimeMs > cutoff) continue;
      if (!dryRun) await rm(path.join(dir, n), { force: true });
      removed++;
    }
    // Fails while a mark is left, or one was written meanwhile: the folder stays.
    if (!dryRun) await rmdir(dir).catch(() => undefined);
  }
  return removed;
}

/**
 * Removes a file and its description unless an upload touched it since `cutoff`. The description
 * goes first: an upload that finds the file still there writes a missing description, and one
 * that comes after the move writes both. A file touched before the move is put back (unless an
 * upload wrote it anew meanwhile), with its description.
 */
export async function removeUntouched(
  file: string,
  meta: AttachmentMeta | undefined,
  cutoff: number,
): Promise<boolean> {
  await rm(`${file}.json`, { force: true });
  const aside = `${file}.${randomBytes(6).toString('hex')}.sweep`;
  const moved = await rename(file, aside).then(
    () => true,
    () => false,
  );
  if (!moved) return false;
  const age = await ageOf(aside);
  if (age && age.mtimeMs > cutoff) {
    await link(aside, file).catch(() => undefined);
    await rm(aside, { force: true });
    if (meta) await writeFile(`${file}.json`, JSON.stringify(meta), { flag: 'wx' }).catch(() => undefined);
    return false;
  }
  await rm(aside, { force: true });
  return true;
}

/** The sweep again and again, in the web service: every `everyMs`, the first after `firstAfterMs`. */
export function scheduleSweeps(
  run: () => Promise<SweepResult>,
  opts: { everyMs: number; firstAfterMs: number; log: (msg: string, err?: unknown) => void },
): { stop: () => void } {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const next = (ms: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      run()
        .then((r) => {
          const bytes = r.removed.reduce((n, f) => n + f.bytes, 0);
          opts.log(
            `attachments sweep: removed ${r.removed.length} file(s) named by nobody (${bytes} bytes), ` +
              `${r.leftovers} leftover(s), ${r.uploadMarks} upload mark(s) and ${r.stagedRosters} roster(s) ` +
              `previewed and never taken; ${r.named} named, ` +
              `${r.young} within the grace period`,
          );
        })
        .catch((err: unknown) => opts.log('attachments sweep failed', err))
        .finally(() => next(opts.everyMs));
    }, ms);
    timer.unref();
  };
  next(opts.firstAfterMs);
  return {
    stop: () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
