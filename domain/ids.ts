/**
 * The grammar of every id a person writes: plan and obligation keys (`branch-plan`), unit ids
 * (`c-mech`, `b.mech_01`) and cycle keys (`2010-Q3`, `2011`, `once`). Ids travel into workflow
 * ids and into the visibility queries of `list`, so a character outside the grammar (a quote, a
 * backslash, a slash, a space) is refused where the id comes in, and every query is built from
 * ids that passed here: nothing needs escaping.
 */
export const MAX_ID_LENGTH = 64;

/** Plan, phase and obligation keys: lower-case letters, digits and dashes. */
export const KEY = /^[a-z0-9][a-z0-9-]*$/;
/** Unit ids of an organisation: letters, digits, dot, dash, underscore. */
export const UNIT_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
/** Cycle keys the calendar makes: 2010-Q3, 2010-H2, 2011, once; and an appointment's day, 2012-05-14 (domain/engine/events.ts). */
export const CYCLE_KEY = /^(\d{4}(-[QH]\d|-\d{2}-\d{2})?|once)$/;
/** A review's obligation key is its report's key with `.review`. */
export const OBLIGATION_REF = /^[a-z0-9][a-z0-9-]*(\.review)?$/;

export type IdKind = 'key' | 'unit' | 'cycle' | 'obligation';

const GRAMMAR: Record<IdKind, { pattern: RegExp; says: string }> = {
  key: { pattern: KEY, says: 'lower-case letters, digits and dashes' },
  unit: { pattern: UNIT_ID, says: 'letters, digits, dot, dash and underscore' },
  cycle: { pattern: CYCLE_KEY, says: 'a cycle such as 2010-Q3, 2010-H2, 2011, once or 2012-05-14' },
  obligation: { pattern: OBLIGATION_REF, says: 'an obligation key, or one ending in .review' },
};

/** True when `value` is an id of this kind. */
export function isId(kind: IdKind, value: string): boolean {
  return value.length <= MAX_ID_LENGTH && GRAMMAR[kind].pattern.test(value);
}

/** Why `value` is not an id of this kind, or undefined. */
export function idProblem(kind: IdKind, value: string): string | undefined {
  if (value.length > MAX_ID_LENGTH) return `an id of at most ${MAX_ID_LENGTH} characters`;
  return GRAMMAR[kind].pattern.test(value) ? undefined : `an id of ${GRAMMAR[kind].says}`;
}

/** Thrown when a request names an id outside the grammar (`list --committee "c-mech\"`). */
export class IdInputError extends Error {
  override readonly name = 'IdInputError';
  readonly code = 'ID_INVALID';
  constructor(
    readonly field: string,
    readonly value: string,
    problem: string,
  ) {
    super(`${field}: ${JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value)} is not ${problem}`);
  }
}

/** `value` itself when it is an id of this kind; otherwise an `IdInputError` naming `field`. */
export function checkId(kind: IdKind, value: string, field: string): string {
  const problem = idProblem(kind, value);
  if (problem) throw new IdInputError(field, value, problem);
  return value;
}
