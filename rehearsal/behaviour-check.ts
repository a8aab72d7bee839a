/**
 * A behaviour file checked whole against the plan and the organisation before a rehearsal
 * starts: every unit, committee, kind, obligation, cycle and phase it names must exist, every
 * rule must match at least one deadline, and every action must be one the engine accepts at its
 * instant (phase changes by the rules the campaign workflow applies, domain/phase-changes.ts).
 * A mistake found only when the rehearsal reached it would leave a half-run rehearsal whose own
 * calendar had already drifted from the engine's.
 */
import { DateTime } from 'luxon';
import type { Plan } from '../domain/plan-schema';
import type { Org } from '../domain/org-schema';
import type { FileIssue } from '../domain/errors';
import { phaseWindows, type PhaseOverrides } from '../domain/calendar';
import { advanceRefusal, endPhaseRefusal, isPhaseOpen } from '../domain/phase-changes';
import { responsibleUnits } from '../domain/org-slice';
import {
  behaviourGrade,
  localInstant,
  planSimulation,
  quotaOverrideOf,
  ruleMatches,
  type Behaviour,
  type Rule,
} from './behaviour';
import { quotaStatus, type GradedBranch } from '../domain/grading';
import { gradingPolicyOf } from '../domain/grading-policy';

/** Where an issue is: a file's line and column when the behaviour came from one. */
export type Locate = (path: (string | number)[], message: string) => FileIssue;

const list = (xs: Iterable<string>): string => [...new Set(xs)].join(', ');

/** The phase changes in the order of their instants, each checked against the phases as the earlier ones left them. */
function phaseActionIssues(b: Behaviour, plan: Plan, locate: Locate): FileIssue[] {
  const issues: FileIssue[] = [];
  const overrides: Required<PhaseOverrides> = { started: {}, ended: {} };
  const changes = b.actions
    .map((a, i) => ({ a, i }))
    .filter(({ a }) => 'advance' in a || 'endPhase' in a)
    .map(({ a, i }) => ({ a, i, t: Date.parse(localInstant(a.at, plan.timeZone)) }))
    .sort((x, y) => x.t - y.t || x.i - y.i);
  for (const { a, i, t } of changes) {
    const windows = phaseWindows(plan, overrides);
    const at = new Date(t).toISOString();
    if ('advance' in a) {
      const refusal = advanceRefusal(windows, a.advance, t);
      if (refusal) {
        issues.push(locate(['actions', i, 'advance'], `the engine would refuse it at ${a.at}: ${refusal}`));
        continue;
      }
      const current = windows.find((w) => isPhaseOpen(w, t));
      overrides.started[a.advance] = at;
      if (current) overrides.ended[current.key] = at;
    } else if ('endPhase' in a) {
      const refusal = endPhaseRefusal(windows, a.endPhase, t);
      if (refusal) {
        issues.push(locate(['actions', i, 'endPhase'], `the engine would refuse it at ${a.at}: ${refusal}`));
        continue;
      }
      overrides.ended[a.endPhase] = at;
    }
  }
  return issues;
}

/** A grade rule names branches (not an obligation or a cycle), and each step it grades has its instant. */
function gradeRuleIssues(b: Behaviour, r: Rule, path: (string | number)[], locate: Locate, issues: FileIssue[]): void {
  for (const field of ['obligation', 'cycle'] as const)
    if (r[field] !== undefined)
      issues.push(
        locate([...path, field], `a grade rule names branches, not ${field === 'cycle' ? 'a cycle' : 'an obligation'}`),
      );
  for (const step of ['self', 'preliminary', 'final'] as const) {
    if (r.grade?.[step] === undefined) continue;
    if (b.grading?.at[step] === undefined)
      issues.push(
        locate([...path, 'grade', step], `no instant for the ${step} grades: give grading.year and grading.at.${step}`),
      );
  }
}

/**
 * The A share (the plan's grading policy) of each step's grades: a committee's preliminary grades
 * or the university's final ones over it need the office's override (`grading.overrides`), as
 * the grades' ledger will require when the rehearsal enters them.
 */
function quotaIssues(b: Behaviour, plan: Plan, org: Org, locate: Locate): FileIssue[] {
  const g = b.grading;
  if (!g) return [];
  const issues: FileIssue[] = [];
  const committees = Object.values(org.units)
    .filter((u) => u.level === 'committee')
    .map((u) => u.id);
  g.overrides.forEach((o, i) => {
    if (o.step === 'final' && o.committee !== undefined)
      issues.push(
        locate(
          ['grading', 'overrides', i, 'committee'],
          'the final grades share is the university’s: name no committee',
        ),
      );
    if (o.step === 'preliminary' && (o.committee === undefined || !committees.includes(o.committee)))
      issues.push(
        locate(
          ['grading', 'overrides', i, 'committee'],
          `the preliminary grades share is a committee's: name one of ${list(committees)}`,
        ),
      );
  });
  const branches: GradedBranch[] = org.order
    .map((id) => org.units[id]!)
    .filter((u) => u.level === 'branch')
    .map((u) => ({ unitId: u.id, committeeId: u.committeeId ?? '', waived: false }));
  const share = gradingPolicyOf(plan).aSharePercent;
  for (const step of ['preliminary', 'final'] as const) {
    if (g.at[step] === undefined) continue;
    const graded = branches.map((br) => ({ br, g: behaviourGrade(b, org, br.unitId, step) }));
    const letters = Object.fromEntries(graded.flatMap(({ br, g: x }) => (x ? [[br.unitId, x.grade]] : [])));
    for (const q of quotaStatus(step, branches, letters, share)) {
      if (!q.over) continue;
      const inScope = graded.filter(
        ({ br, g: x }) => x?.grade === 'A' && (step === 'final' || br.committeeId === q.scope),
      );
      if (quotaOverrideOf(b, org, inScope[0]!.br.unitId, step)) continue;
      const where = step === 'final' ? 'across the university' : `in committee ${q.scope}`;
      issues.push(
        locate(
          ['rules', inScope.at(-1)!.g!.rule, 'grade', step],
          `${q.aCount} A ${where} at the ${step} step is over the share: at most ${q.ceiling} of ${q.graded} branches (${share} %); the office's override needs grading.overrides: [{ step: ${step}${step === 'final' ? '' : `, committee: ${q.scope}`}, quota: <reason>, by: <name> }]`,
        ),
      );
    }
  }
  return issues;
}

export function behaviourIssues(b: Behaviour, plan: Plan, org: Org, locate: Locate): FileIssue[] {
  const phaseIssues = phaseActionIssues(b, plan, locate);
  // Deadlines cannot be known from phases the engine would not run.
  if (phaseIssues.length > 0) return phaseIssues;
  const issues: FileIssue[] = quotaIssues(b, plan, org, locate);
  const sim = planSimulation(plan, org, b);
  const obligations = new Map(plan.obligations.map((o) => [o.key, o]));
  const units = Object.values(org.units);
  const committees = units.filter((u) => u.level === 'committee').map((u) => u.id);
  const kinds = units.flatMap((u) => (u.kind ? [u.kind] : []));
  const allCycles = [...sim.cycles, ...sim.eventDeadlines.map((d) => d.cycle)];
  const cyclesOf = (ob?: string) => allCycles.filter((c) => ob === undefined || c.obligationKey === ob);
  const deadlines = [
    ...sim.cycles.flatMap((c) =>
      responsibleUnits(org, obligations.get(c.obligationKey)!).map((unitId) => ({ c, unitId })),
    ),
    // Those the behaviour's grades and appointments open (the plan's openedBy).
    ...sim.eventDeadlines.map((d) => ({ c: d.cycle, unitId: d.unitId })),
  ];
  const branches = units.filter((u) => u.level === 'branch').map((u) => u.id);

  b.rules.forEach((r, i) => {
    const before = issues.length;
    const unknown = (field: string, value: string, known: string): void => {
      issues.push(locate(['rules', i, field], `unknown ${field} "${value}" (known: ${known})`));
    };
    if (r.unit !== undefined && !org.units[r.unit]) unknown('unit', r.unit, 'the units of the organisation file');
    if (r.committee !== undefined && !committees.includes(r.committee))
      unknown('committee', r.committee, list(committees));
    if (r.kind !== undefined && !kinds.includes(r.kind)) unknown('kind', r.kind, list(kinds));
    if (r.obligation !== undefined && !obligations.has(r.obligation))
      unknown('obligation', r.obligation, list(obligations.keys()));
    if (r.cycle !== undefined && !cyclesOf(r.obligation).some((c) => c.cycleKey === r.cycle))
      unknown('cycle', r.cycle, list(cyclesOf(r.obligation).map((c) => c.cycleKey)));
    if (issues.length > before) return;
    if (r.grade !== undefined) {
      gradeRuleIssues(b, r, ['rules', i], locate, issues);
      if (!branches.some((id) => ruleMatches(r, org, id, '', '')))
        issues.push(locate(['rules', i], 'grades no branch (each field exists, but not together)'));
      if (r.submit === undefined && r.review === undefined) return;
    }
    const matched = deadlines.filter((d) => ruleMatches(r, org, d.unitId, d.c.obligationKey, d.c.cycleKey));
    if (matched.length === 0) {
      issues.push(locate(['rules', i], 'matches no deadline of the plan (each field exists, but not together)'));
    } else if (r.review !== undefined && !matched.some((d) => obligations.get(d.c.obligationKey)?.review)) {
      issues.push(locate(['rules', i, 'review'], 'none of the deadlines this rule matches has a leader review'));
    }
  });

  b.actions.forEach((a, i) => {
    if ('appoint' in a && !branches.includes(a.appoint.unit))
      issues.push(
        locate(['actions', i, 'appoint', 'unit'], `"${a.appoint.unit}" is not a branch of the organisation file`),
      );
    if (!('extend' in a) && !('waive' in a)) return;
    const field = 'extend' in a ? 'extend' : 'waive';
    const d = 'extend' in a ? a.extend : a.waive;
    const before = issues.length;
    if (!org.units[d.unit]) issues.push(locate(['actions', i, field, 'unit'], `unknown unit "${d.unit}"`));
    const ob = obligations.get(d.obligation);
    if (!ob)
      issues.push(
        locate(
          ['actions', i, field, 'obligation'],
          `unknown obligation "${d.obligation}" (known: ${list(obligations.keys())})`,
        ),
      );
    const cycle = cyclesOf(d.obligation).find((c) => c.cycleKey === d.cycle);
    if (ob && !cycle)
      issues.push(
        locate(
          ['actions', i, field, 'cycle'],
          `unknown cycle "${d.cycle}" of ${d.obligation} (known: ${list(cyclesOf(d.obligation).map((c) => c.cycleKey))})`,
        ),
      );
    if (issues.length > before || !ob || !cycle) return;
    if (!responsibleUnits(org, ob).includes(d.unit))
      issues.push(locate(['actions', i, field, 'unit'], `unit "${d.unit}" does not hand in ${d.obligation}`));
    const t = Date.parse(localInstant(a.at, plan.timeZone));
    if (t < Date.parse(cycle.opensAt))
      issues.push(
        locate(
          ['actions', i, 'at'],
          `the deadline ${d.obligation}/${d.cycle} opens only at ${DateTime.fromISO(cycle.opensAt, { zone: plan.timeZone }).toFormat("yyyy-MM-dd'T'HH:mm")}`,
        ),
      );
    if ('extend' in a && Date.parse(localInstant(a.newDue, plan.timeZone)) <= t)
      issues.push(locate(['actions', i, 'newDue'], 'must come after the instant of the extension ("at")'));
  });
  return issues;
}
