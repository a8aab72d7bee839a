/**
 * CPU seconds another process has used so far, from /proc (Linux): the benches print what the
 * Temporal server spent beside what their own process did, since on two cores the two compete.
 */
import { readFileSync, readdirSync } from 'node:fs';

/** Clock ticks a second of /proc's utime and stime: 100 on every Linux this runs on (`getconf CLK_TCK`). */
const TICKS_A_SECOND = 100;

/** Fields after the command name of /proc/<pid>/stat (field 3 first), or undefined when it cannot be read. */
function statFields(pid: number | string): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its closing one.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** User and system CPU seconds of process `pid`, or undefined when it cannot be read (not Linux, process gone). */
export function processCpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  const fields = statFields(pid);
  return fields && (Number(fields[11]) + Number(fields[12])) / TICKS_A_SECOND; // utime, stime (fields 14 and 15)
}

/**
 * CPU seconds of processes `roots` and every descendant now alive, with what their children that
 * ended used, in one read of /proc: for a server of many processes (PostgreSQL's postmaster and
 * one backend a connection). Undefined when a root cannot be read.
 */
export function processTreeCpuSeconds(roots: (number | undefined)[]): number | undefined {
  if (roots.some((pid) => pid === undefined || !statFields(pid))) return undefined;
  const children = new Map<number, number[]>();
  const cpu = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(entry);
    if (!fields) continue;
    const parent = Number(fields[1]); // ppid, field 4
    children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
    // utime, stime, cutime, cstime (fields 14 to 17)
    cpu.set(
      Number(entry),
      (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / TICKS_A_SECOND,
    );
  }
  let total = 0;
  const todo = [...roots] as number[];
  for (let next = todo.pop(); next !== undefined; next = todo.pop()) {
    total += cpu.get(next) ?? 0;
    todo.push(...(children.get(next) ?? []));
  }
  return total;
}

/** The first process whose command line contains every one of `parts` (the test server that the SDK spawned, say). */
export function findProcess(parts: string[]): number | undefined {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return undefined;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ');
      if (parts.every((p) => cmdline.includes(p))) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

/** "12.3 s" of `pid` since `since`, or "?" when unknown. */
export function cpuSince(pid: number | undefined, since: number | undefined): string {
  const now = processCpuSeconds(pid);
  return now === undefined || since === undefined ? '?' : `${(now - since).toFixed(1)} s`;
}
