/**
 * Generators for the property tests: values that look like what people write in plans,
 * organisations, behaviour files and on the command line (dates of every month and day, some
 * real, some not; offsets large and small; ids with and without quotes and backslashes), and
 * mutations of a valid document (a field set to such a value, or removed).
 *
 * The seed and the number of runs come from FUZZ_SEED and FUZZ_RUNS, fixed by default so that
 * CI runs the same cases on every change; see README ("Tests") for a longer run.
 */
import fc from 'fast-check';

export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 15);
export const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 150);
export const fuzzParameters = { seed: FUZZ_SEED, numRuns: FUZZ_RUNS };

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** YYYY-MM-DD with months 0-13 and days 0-32 around the years the calendar knows. */
export const dateLike = fc
  .tuple(fc.integer({ min: 1960, max: 2110 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }))
  .map(([y, m, d]) => `${pad(y, 4)}-${pad(m)}-${pad(d)}`);

/** YYYY-MM-DDTHH:mm with hours 0-25 and minutes 0-61. */
export const dateTimeLike = fc
  .tuple(dateLike, fc.integer({ min: 0, max: 25 }), fc.integer({ min: 0, max: 61 }))
  .map(([d, h, m]) => `${d}T${pad(h)}:${pad(m)}`);

/** Offsets such as +3d, -2wd, +99999y-1m. */
export const offsetLike = fc
  .array(
    fc.tuple(
      fc.constantFrom('+', '-'),
      fc.oneof(fc.nat({ max: 40 }), fc.nat({ max: 100_000_000 })),
      fc.constantFrom('y', 'M', 'w', 'd', 'h', 'm', 'wd'),
    ),
    { minLength: 1, maxLength: 3 },
  )
  .map((terms) => terms.map(([s, n, u]) => `${s}${n}${u}`).join(''));

/** Ids as people type them, and as an attacker would: quotes, backslashes, slashes, spaces, very long. */
export const idLike = fc.oneof(
  fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,20}$/),
  fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,20}$/),
  fc.string({ maxLength: 30 }),
  fc.constantFrom(
    "c-mech'",
    'c-mech\\',
    "' OR 1=1 --",
    '../../etc/passwd',
    'c mech',
    '2010-Q3',
    'once',
    'x'.repeat(200),
  ),
);

const ZONES = ['Asia/Shanghai', 'America/New_York', 'Europe/London', 'UTC', 'Asia/Beijing', '', 'Mars/Olympus'];

/** Any value a YAML field could hold, weighted towards the shapes the schemas care about. */
export const fieldValue: fc.Arbitrary<unknown> = fc.oneof(
  dateLike,
  dateTimeLike,
  offsetLike,
  idLike,
  fc.constantFrom(...ZONES),
  fc.constantFrom('by-committee', 'once', 'quarterly', 'yearly', 'branch', 'committee', 'end-of-day', '08:30', '24:00'),
  fc.string({ maxLength: 40 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.oneof(fc.string({ maxLength: 8 }), offsetLike), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 6 }), fc.string({ maxLength: 6 }), { maxKeys: 2 }),
);

type Path = (string | number)[];

/** Every path to a node of a JSON-plain value, the root included. */
export function pathsOf(value: unknown, prefix: Path = []): Path[] {
  const out: Path[] = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...pathsOf(v, [...prefix, i])));
  else if (value !== null && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) out.push(...pathsOf(v, [...prefix, k]));
  return out;
}

export interface Mutation {
  pick: number;
  remove: boolean;
  value: unknown;
}

export const mutations = fc.array(fc.record({ pick: fc.nat(), remove: fc.boolean(), value: fieldValue }), {
  minLength: 1,
  maxLength: 3,
});

/** A copy of `base` with each mutation applied to the node it picks (set to a value, or removed). */
export function mutate<T>(base: T, muts: Mutation[]): unknown {
  let doc: unknown = structuredClone(base);
  for (const m of muts) {
    const paths = pathsOf(doc);
    const path = paths[m.pick % paths.length]!;
    if (path.length === 0) {
      doc = m.remove ? undefined : m.value;
      continue;
    }
    const parent = path.slice(0, -1).reduce<unknown>((node, k) => (node as Record<string, unknown>)[k], doc) as
      Record<string, unknown> | unknown[];
    const key = path.at(-1)!;
    if (m.remove && Array.isArray(parent)) parent.splice(Number(key), 1);
    else if (m.remove) delete (parent as Record<string, unknown>)[key];
    else (parent as Record<string | number, unknown>)[key] = m.value;
  }
  return doc;
}

/**
 * Runs `fn` and returns what it threw, or undefined. Anything thrown must be one of the typed
 * errors named (by `name`, as instanceof breaks across realms) with a `code`: a TypeError or a
 * RangeError means bad input reached code that trusted it.
 */
export function typedErrorOf(fn: () => unknown, allowed: readonly string[]): Error | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    const e = err as Error & { code?: unknown };
    if (!allowed.includes(e.name) || typeof e.code !== 'string') {
      throw new Error(`untyped failure ${e.name}: ${e.message}\n${e.stack ?? ''}`);
    }
    return e;
  }
}
