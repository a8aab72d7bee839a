/**
 * The office's choice of who joins which cycle open now at a re-import (since v0.24): the
 * preview lists each open cycle with the roster's units that would join it (`wouldJoin`), and
 * the office ticks the pairs it wants, or names cycles and units on the command line. What it
 * asks is checked here against what the preview offers, before anything is recorded, so that a
 * unit or cycle it cannot join is a 400 naming the field rather than a join that quietly skips it.
 */
import type { JoinChoice, OpenCycle } from './engine/requests';
import type { Org } from './org-schema';
import { responsibleUnits } from './org-slice';
import type { Obligation } from './plan-schema';

/** A cycle open now as a re-import's preview shows it: the roster's units that would join it. */
export interface OpenCycleToJoin extends OpenCycle {
  /** The roster's units responsible for the cycle that have no deadline in it; none while it is still opening. */
  wouldJoin: string[];
}

/** What the office asks of one cycle: every unit that would join it (`unitIds` absent), or these. */
export interface AskedJoin {
  obligationKey: string;
  cycleKey: string;
  unitIds?: string[];
}

/** A choice that names a cycle not open now, or a unit that would not join it; `field` says which. */
export class JoinChoiceError extends Error {
  override readonly name = 'JoinChoiceError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/** The roster's units responsible for the obligation without a deadline in the cycle (`has`). */
export function wouldJoin(file: Org, obligation: Pick<Obligation, 'submitters'>, has: ReadonlySet<string>): string[] {
  return responsibleUnits(file, obligation).filter((u) => !has.has(u));
}

const keyOf = (c: { obligationKey: string; cycleKey: string }): string => `${c.obligationKey}/${c.cycleKey}`;

/**
 * The request's `only` for what the office asked: each cycle open now and settled, at most once,
 * each unit among those that would join it. A cycle asked without units gets every one that
 * would join; one nobody would join is left out.
 */
export function resolveJoinChoice(
  asked: readonly AskedJoin[],
  open: readonly OpenCycleToJoin[],
  file: Org,
  field: string,
): JoinChoice[] {
  const byKey = new Map(open.map((c) => [keyOf(c), c]));
  const seen = new Set<string>();
  const choices: JoinChoice[] = [];
  asked.forEach((a, i) => {
    const at = `${field}[${i}]`;
    const cycle = byKey.get(keyOf(a));
    if (!cycle) {
      const now = open.map(keyOf).join(', ') || 'none';
      throw new JoinChoiceError(at, `${keyOf(a)} is not a cycle open now (open now: ${now})`);
    }
    if (cycle.stillOpening)
      throw new JoinChoiceError(
        at,
        `${keyOf(a)} opened just now and its deadlines are still being started: ask again in a minute`,
      );
    if (seen.has(keyOf(a))) throw new JoinChoiceError(at, `${keyOf(a)} is asked twice`);
    seen.add(keyOf(a));
    const offered = new Set(cycle.wouldJoin);
    a.unitIds?.forEach((u, j) => {
      if (offered.has(u)) return;
      const why = file.units[u]
        ? 'has a deadline in it already, or does not owe it'
        : 'is not in the roster being imported';
      throw new JoinChoiceError(`${at}.unitIds[${j}]`, `${u} cannot join ${keyOf(a)}: it ${why}`);
    });
    const unitIds = a.unitIds ? cycle.wouldJoin.filter((u) => a.unitIds!.includes(u)) : cycle.wouldJoin;
    if (unitIds.length > 0) choices.push({ obligationKey: a.obligationKey, cycleKey: a.cycleKey, unitIds });
  });
  return choices;
}
