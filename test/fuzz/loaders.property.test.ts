/**
 * Property tests of the edge: generated plans, organisations, behaviour files and command-line
 * values go to the loaders and validators, which must answer with a valid result or a typed
 * validation error, never a TypeError, a hang or a crash. What they accept must then be usable:
 * the calendar of an accepted plan is computed (what `preview` and the campaign do), and a
 * rehearsal is planned from an accepted behaviour.
 *
 * Fixed seed and bounded runs (arbitraries.ts); `FUZZ_RUNS=20000 FUZZ_SEED=<n> npx jest test/fuzz`
 * runs longer (README, "Tests").
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import { parsePlan } from '../../domain/plan-loader';
import { parseOrg } from '../../domain/org-loader';
import { computeCalendar } from '../../domain/calendar';
import { formatInstant } from '../../domain/format';
import { checkId, type IdKind } from '../../domain/ids';
import { requestInstant } from '../../domain/dates';
import { parseOrgText } from '../../plans/load';
import { parseBehaviour } from '../../rehearsal/behaviour-file';
import { planSimulation } from '../../rehearsal/behaviour';
import { deadlineListQuery } from '../../client/campaigns';
import type { Plan } from '../../domain/plan-schema';
import type { Org } from '../../domain/org-schema';
import {
  dateLike,
  dateTimeLike,
  fieldValue,
  fuzzParameters,
  idLike,
  mutate,
  mutations,
  offsetLike,
  typedErrorOf,
} from './arbitraries';

const FIXTURES = path.resolve(__dirname, '..', 'fixtures');
const read = (name: string): string => readFileSync(path.join(FIXTURES, name), 'utf8');
const PLAN = parse(read('mini-plan.yaml')) as Record<string, unknown>;
const ORG = parse(read('mini-org.yaml')) as Record<string, unknown>;
const BEHAVIOUR = parse(read('mini-behaviour.yaml')) as Record<string, unknown>;
const validPlan = parsePlan(read('mini-plan.yaml'), 'mini-plan.yaml');
const validOrg = parseOrg(read('mini-org.yaml'), 'mini-org.yaml');

/** A document as a person might save it: YAML or JSON. */
const asText = fc.constantFrom('yaml', 'json').map((format) => (doc: unknown): string => {
  if (doc === undefined) return '';
  return format === 'json' ? (JSON.stringify(doc) ?? '') : stringify(doc);
});

/** What preview does with a plan: every instant computed, a real one, and formatted in the plan's zone. */
function preview(plan: Plan, org: Org): void {
  const cal = computeCalendar(plan, org);
  const instants = [
    ...cal.windows.flatMap((w) => [w.startAt, w.endAt ?? w.startAt]),
    ...cal.cycles.flatMap((c) => [c.opensAt, c.dueAt, ...c.steps.flatMap((s) => [s.at, s.deadline ?? s.at])]),
  ];
  for (const t of instants) {
    if (typeof t !== 'string' || Number.isNaN(Date.parse(t))) throw new Error(`not an instant: ${String(t)}`);
    formatInstant(t, plan.timeZone, plan.locale);
  }
}

describe('plans', () => {
  it('a mutated plan is valid (and its calendar computes) or refused with PlanValidationError', () => {
    fc.assert(
      fc.property(mutations, asText, (muts, toText) => {
        const text = toText(mutate(PLAN, muts));
        let plan: Plan | undefined;
        const err = typedErrorOf(() => (plan = parsePlan(text, 'fuzz.yaml')), ['PlanValidationError']);
        if (err) expect(err.message).toContain('fuzz.yaml');
        if (plan) preview(plan, validOrg);
      }),
      fuzzParameters,
    );
  });

  it('any date, date-time or offset in the date and offset fields', () => {
    type Field = (string | number)[];
    const dateFields: Field[] = [
      ['phases', 0, 'start'],
      ['phases', 0, 'end'],
      ['phases', 1, 'end'],
      ['phases', 2, 'start'],
    ];
    const atFields: Field[] = [
      ['obligations', 0, 'due', 'at'],
      ['obligations', 2, 'due', 'at'],
    ];
    const offsetFields: Field[] = [
      ['obligations', 1, 'due', 'offset'],
      ['obligations', 0, 'opens'],
      ['obligations', 0, 'reminders', 0],
      ['obligations', 1, 'escalation', 0, 'after'],
      ['obligations', 0, 'rectification', 'deadline'],
      ['obligations', 1, 'review', 'due'],
      ['openEndedHorizon'],
    ];
    const edit = fc.oneof(
      fc.tuple(fc.constantFrom(...dateFields), dateLike),
      fc.tuple(fc.constantFrom(...atFields), fc.oneof(dateLike, dateTimeLike)),
      fc.tuple(fc.constantFrom(...offsetFields), offsetLike),
    );
    fc.assert(
      fc.property(
        fc.array(edit, { minLength: 1, maxLength: 3 }),
        fc.constantFrom('Asia/Shanghai', 'America/New_York'),
        (edits, zone) => {
          const doc = structuredClone(PLAN);
          doc.timeZone = zone;
          for (const [field, value] of edits) {
            const parent = field
              .slice(0, -1)
              .reduce<Record<string | number, unknown>>(
                (node, k) => node[k] as Record<string | number, unknown>,
                doc as Record<string | number, unknown>,
              );
            parent[field.at(-1)!] = value;
          }
          let plan: Plan | undefined;
          typedErrorOf(() => (plan = parsePlan(stringify(doc), 'fuzz.yaml')), ['PlanValidationError']);
          if (plan) preview(plan, validOrg);
        },
      ),
      fuzzParameters,
    );
  });

  it('arbitrary text is a plan or a PlanValidationError', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 200 })), (text) => {
        typedErrorOf(() => parsePlan(text, 'fuzz.yaml'), ['PlanValidationError']);
      }),
      fuzzParameters,
    );
  });
});

describe('organisations', () => {
  it('a mutated organisation is valid or refused with OrgValidationError', () => {
    fc.assert(
      fc.property(mutations, asText, (muts, toText) => {
        typedErrorOf(() => parseOrg(toText(mutate(ORG, muts)), 'fuzz.yaml'), ['OrgValidationError']);
      }),
      fuzzParameters,
    );
  });

  it('CSV rows of any fields are an organisation or an OrgValidationError', () => {
    const cell = fc.oneof(
      idLike,
      fieldValue.map((v) => JSON.stringify(v) ?? ''),
      fc.constantFrom('office', 'committee', 'branch', 'member'),
    );
    const row = fc.array(cell, { minLength: 0, maxLength: 10 });
    fc.assert(
      fc.property(fc.array(row, { maxLength: 6 }), (rows) => {
        const header = 'level,id,name,kind,parent,secretary_name,secretary_email,liaison_name,liaison_email';
        const csv = [header, ...rows.map((r) => r.map((c) => JSON.stringify(c)).join(','))].join('\n');
        typedErrorOf(() => parseOrgText(csv, 'fuzz.csv'), ['OrgValidationError']);
      }),
      fuzzParameters,
    );
  });
});

describe('behaviour files', () => {
  it('a mutated behaviour is valid (and a rehearsal is planned from it) or a BehaviourValidationError', () => {
    const withActions = {
      ...BEHAVIOUR,
      actions: [
        ...(BEHAVIOUR.actions as unknown[]),
        { advance: 'engage', at: '2010-06-28T09:00', by: '校党委', reason: '提前' },
        {
          extend: { unit: 'b-mech-s1', obligation: 'branch-plan', cycle: 'once' },
          at: '2010-06-20T09:00',
          newDue: '2010-06-29T17:00',
          by: '办公室',
          reason: '延期',
        },
      ],
    };
    fc.assert(
      fc.property(mutations, asText, (muts, toText) => {
        let behaviour;
        typedErrorOf(
          () =>
            (behaviour = parseBehaviour(toText(mutate(withActions, muts)), 'fuzz.yaml', {
              plan: validPlan,
              org: validOrg,
            })),
          ['BehaviourValidationError'],
        );
        if (behaviour) planSimulation(validPlan, validOrg, behaviour);
      }),
      fuzzParameters,
    );
  });
});

describe('command-line values', () => {
  it('instants are a UTC instant or an InstantInputError naming the option', () => {
    const value = fc.oneof(
      dateLike,
      dateTimeLike,
      dateTimeLike.map((d) => `${d}Z`),
      fc.string({ maxLength: 30 }),
    );
    fc.assert(
      fc.property(value, fc.constantFrom('Asia/Shanghai', 'America/New_York', 'Nowhere/Else'), (v, zone) => {
        let out: string | undefined;
        const err = typedErrorOf(() => (out = requestInstant(v, zone, '--until')), ['InstantInputError']);
        if (err) expect(err.message).toMatch(/^--until: /);
        else expect(Number.isNaN(Date.parse(out!))).toBe(false);
      }),
      fuzzParameters,
    );
  });

  it('ids are themselves or an IdInputError; a list query holds only checked ids', () => {
    const kinds = fc.constantFrom<IdKind>('key', 'unit', 'cycle', 'obligation');
    fc.assert(
      fc.property(kinds, idLike, (kind, v) => {
        const err = typedErrorOf(() => checkId(kind, v, '--x'), ['IdInputError']);
        if (!err) expect(v).toMatch(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/);
      }),
      fuzzParameters,
    );
    const filter = fc.record(
      {
        committee: idLike,
        obligation: idLike,
        cycle: idLike,
        state: fc.oneof(idLike, fc.constantFrom('green', 'red')),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(idLike, filter, (campaign, f) => {
        let q: string | undefined;
        typedErrorOf(() => (q = deadlineListQuery(campaign, f)), ['IdInputError']);
        // Each value sits between two quotes of its own: no quote or backslash inside any of them.
        if (q !== undefined) expect(q.replace(/'[A-Za-z0-9_.-]*'/g, '')).not.toMatch(/['\\]/);
      }),
      fuzzParameters,
    );
  });
});
