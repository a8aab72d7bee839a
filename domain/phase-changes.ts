/**
 * When the committee may move a phase, as the campaign workflow decides it at the request's
 * instant: an advance starts a later phase that has not started yet; an end-phase ends the
 * running phase. Pure, so that a behaviour file's actions can be checked against the same rules
 * before a rehearsal starts.
 */
import type { PhaseWindow } from './calendar-types';

export const isPhaseOpen = (w: PhaseWindow, t: number): boolean =>
  Date.parse(w.startAt) <= t && (w.endAt === undefined || t < Date.parse(w.endAt));

/** Why an advance to `target` (the next phase when absent) at `t` is refused, or undefined if it is not. */
export function advanceRefusal(windows: PhaseWindow[], target: string | undefined, t: number): string | undefined {
  const cur = windows.find((w) => isPhaseOpen(w, t))?.key;
  const curIdx = windows.findIndex((w) => w.key === cur);
  const key = target ?? windows[curIdx + 1]?.key;
  if (key === undefined) return `advance: phase ${cur ?? '(none)'} is the last; there is no next phase`;
  const idx = windows.findIndex((w) => w.key === key);
  if (idx < 0) return `advance: unknown phase "${key}" (phases: ${windows.map((w) => w.key).join(', ')})`;
  if (idx <= curIdx) return `advance: phases only move forward; "${key}" is not after "${cur}"`;
  if (Date.parse(windows[idx]!.startAt) <= t) return `advance: phase "${key}" has already started`;
  return undefined;
}

/** Why ending `phaseKey` at `t` is refused, or undefined if it is not. */
export function endPhaseRefusal(windows: PhaseWindow[], phaseKey: string, t: number): string | undefined {
  const w = windows.find((x) => x.key === phaseKey);
  if (!w) return `end phase: unknown phase "${phaseKey}"`;
  if (!isPhaseOpen(w, t)) return `end phase: phase "${phaseKey}" is not the running phase`;
  return undefined;
}
