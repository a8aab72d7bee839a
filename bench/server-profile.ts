/**
 * Where the dev server's CPU goes inside a fan-out's windows (`--server-profile true`): Linux
 * `perf` samples the server's process (its call stacks, 250 times a second per busy thread), and
 * each sample is put in the window it fell in and counted under the part of the server it was
 * in. The counters of `--window-events` say how many operations a window asked for; this says
 * what they cost, e.g. when the campaign's window costs the server more per start than a loop's.
 *
 * Needs `perf` (Debian's `linux-perf`) and leave to use it on another process (root, or
 * `kernel.perf_event_paranoid` at most 1); the bench says so and goes on without, if not.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { StartWindow } from './window-counts';

const HZ = 250;

/**
 * The parts a sample is counted under: the first whose pattern one of its frames matches, in
 * this order. The garbage collector's workers and the queue processors run on goroutines of
 * their own; a request's goroutine that assists the collector (`gcAssistAlloc`) is counted as
 * the collector's, which it is doing then.
 */
const PARTS: { name: string; frame: RegExp }[] = [
  { name: 'garbage collector', frame: /^runtime\.(gcBgMarkWorker|bgsweep|bgscavenge|gcAssistAlloc)/ },
  { name: 'visibility records', frame: /visibilityQueueTaskExecutor/ },
  { name: 'workflow starts', frame: /startworkflow\.\(\*Starter\)|\(\*WorkflowHandler\)\.StartWorkflowExecution/ },
  { name: 'transfer tasks', frame: /transferQueue(Active)?TaskExecutor/ },
  { name: 'timer tasks', frame: /timerQueue(Active)?TaskExecutor/ },
  { name: 'matching', frame: /server\/service\/matching/ },
  { name: 'other history', frame: /server\/service\/history/ },
  { name: 'other frontend', frame: /server\/service\/frontend/ },
];
const OTHER = 'the rest (gRPC, scheduling, …)';
/** A frame inside SQLite, whoever called it: the share of the server's CPU its one database connection took. */
const SQLITE = /^modernc\.org\/sqlite/;
/** What a part did, where a frame names it: the service handler's method, or the queue task's. */
const DETAIL = /(?:\(\*Handler\)|TaskExecutor\))\.(\w+)/;
const SERVICE_FRAME = /^go\.temporal\.io\/server\/service\//;

interface WindowTally {
  samples: number;
  inSqlite: number;
  byPart: Map<string, number>;
  /** Per part, by what it did (`DETAIL`). */
  byDetail: Map<string, Map<string, number>>;
}

/** Whether `perf` can record here; the reason if not. */
export function perfUnavailable(): string | undefined {
  const r = spawnSync('perf', ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return '`perf` is not installed (Debian: linux-perf)';
  return undefined;
}

/** Records process `pid` until `stop`, into `file`; the sample times are the wall clock's, as the windows' are. */
export function recordServer(pid: number, file: string) {
  const child: ChildProcess = spawn(
    'perf',
    ['record', '-F', String(HZ), '-g', '-k', 'CLOCK_REALTIME', '-p', String(pid), '-o', file],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let err = '';
  child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    async stop(): Promise<void> {
      if (child.exitCode === null) child.kill('SIGINT'); // perf writes its file out on SIGINT
      const code = await exited;
      if (code !== 0 && code !== null) throw new Error(`perf record exited with ${code}: ${err.trim()}`);
    },
  };
}

/** Reads the recording and gives, for each window, the server's CPU by part and the share in SQLite. */
export async function profileByWindow(file: string, windows: readonly StartWindow[]): Promise<string[]> {
  const tallies = windows.map((): WindowTally => ({ samples: 0, inSqlite: 0, byPart: new Map(), byDetail: new Map() }));
  const script = spawn('perf', ['script', '-i', file, '-F', 'time,ip,sym', '--no-inline'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let at = NaN;
  let frames: string[] = [];
  const count = (): void => {
    const i = windows.findIndex((w) => at * 1000 >= w.from && at * 1000 <= w.to);
    if (i < 0 || frames.length === 0) return;
    const t = tallies[i]!;
    t.samples++;
    if (frames.some((f) => SQLITE.test(f))) t.inSqlite++;
    const part = PARTS.find((p) => frames.some((f) => p.frame.test(f)))?.name ?? OTHER;
    t.byPart.set(part, (t.byPart.get(part) ?? 0) + 1);
    let detail: string | undefined;
    for (const f of frames) detail ??= DETAIL.exec(f)?.[1];
    // Else the goroutine's own loop: the outermost frame of the server's services.
    if (!detail) for (const f of frames) if (SERVICE_FRAME.test(f)) detail = f.replace(SERVICE_FRAME, '');
    if (detail) {
      const details = t.byDetail.get(part) ?? new Map<string, number>();
      details.set(detail, (details.get(detail) ?? 0) + 1);
      t.byDetail.set(part, details);
    }
  };
  // A sample is a line "<seconds>.<micros>:" and then one line per frame, innermost first:
  // "\t<padding><address> <symbol>".
  for await (const line of createInterface({ input: script.stdout })) {
    if (line.startsWith('\t')) {
      const frame = line.trim();
      const space = frame.indexOf(' ');
      if (space > 0) frames.push(frame.slice(space + 1));
    } else if (line.trim().endsWith(':')) {
      count();
      at = Number(line.trim().slice(0, -1));
      frames = [];
    }
  }
  count();
  return windows.map((w, i) => {
    const t = tallies[i]!;
    const seconds = (n: number): string => (n / HZ).toFixed(1);
    const share = (n: number): string => `${Math.round((100 * n) / Math.max(t.samples, 1))} %`;
    // The two things a part did most (a tenth of a second each at least), for a part of a second
    // or more; the collector's work is nobody's request.
    const did = (name: string): string => {
      const top = [...(t.byDetail.get(name) ?? [])]
        .filter(([, n]) => n >= HZ / 10)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 2);
      if (name === PARTS[0]!.name || t.byPart.get(name)! < HZ || top.length === 0) return '';
      return `: ${top.map(([d, n]) => `${d} ${seconds(n)} s`).join(', ')}`;
    };
    const parts = [...PARTS.map((p) => p.name), OTHER]
      .filter((name) => t.byPart.has(name))
      .map((name) => `${name} ${seconds(t.byPart.get(name)!)} s (${share(t.byPart.get(name)!)}${did(name)})`);
    return (
      `${w.label}: ${seconds(t.samples)} s sampled over ${((w.to - w.from) / 1000).toFixed(1)} s; ` +
      `${parts.join(', ')}; in SQLite ${seconds(t.inSqlite)} s (${share(t.inSqlite)})`
    );
  });
}
