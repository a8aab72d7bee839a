/**
 * Reads a plan file (YAML, or JSON) into a validated `Plan`. The schema checks each field;
 * the rules below check what no single field can: keys are unique, phases are in order and
 * end after they start, obligations name existing phases, reminders come before the deadline,
 * the escalation ladder climbs in time and ends before the rectification order.
 */
import { IANAZone } from 'luxon';
import { CYCLE_KEY, PlanSchema, type Plan, type EscalationStep, type Obligation } from './plan-schema';
import { clip, PlanValidationError, type FileIssue } from './errors';
import { readDocument, issueAt, zodIssues } from './structured-file';
import { approximateMs, isNegativeOffset } from './offsets';
import { cyclesOf, phaseWindows } from './calendar';
import { localDateTimeProblem } from './dates';

export function parsePlan(text: string, file: string): Plan {
  const d = readDocument(text, file, 'plan');
  if (!('doc' in d)) throw new PlanValidationError(`plan ${file}`, [d]);
  const r = PlanSchema.safeParse(d.data);
  if (!r.success) throw new PlanValidationError(`plan ${file}`, zodIssues(d, r.error));
  const issues = planRuleIssues(r.data, (path, message) => issueAt(d, path, message));
  if (issues.length > 0) throw new PlanValidationError(`plan ${file}`, issues);
  return r.data;
}

function duplicates(keys: string[]): Set<number> {
  const seen = new Set<string>();
  const dup = new Set<number>();
  keys.forEach((k, i) => (seen.has(k) ? dup.add(i) : seen.add(k)));
  return dup;
}

/** Places an issue: in a file (line and column), or by path alone for a plan that comes from elsewhere. */
export type LocateIssue = (path: PropertyKey[], message: string) => FileIssue;

export function planRuleIssues(plan: Plan, locate: LocateIssue): FileIssue[] {
  const issues: FileIssue[] = [];
  const at = (path: PropertyKey[], message: string): void => void issues.push(locate(path, message));

  if (!IANAZone.isValidZone(plan.timeZone))
    at(['timeZone'], `unknown time zone "${clip(plan.timeZone)}" (expected e.g. Asia/Shanghai)`);

  for (const i of duplicates(plan.phases.map((p) => p.key)))
    at(['phases', i, 'key'], `duplicate phase key "${plan.phases[i]!.key}"`);
  plan.phases.forEach((p, i) => {
    if (p.end !== 'by-committee' && p.end < p.start)
      at(['phases', i, 'end'], `ends before it starts (${p.end} < ${p.start})`);
    const prev = plan.phases[i - 1];
    if (prev && p.start < prev.start)
      at(['phases', i, 'start'], `starts before the phase before it (${p.start} < ${prev.start})`);
  });

  const phaseKeys = new Set(plan.phases.map((p) => p.key));
  for (const i of duplicates(plan.obligations.map((o) => o.key))) {
    at(['obligations', i, 'key'], `duplicate obligation key "${plan.obligations[i]!.key}"`);
  }
  plan.obligations.forEach((o, i) => {
    const base = ['obligations', i];
    o.phases.forEach((k, j) => {
      if (!phaseKeys.has(k))
        at([...base, 'phases', j], `no phase "${k}" in this plan (phases: ${[...phaseKeys].join(', ')})`);
    });
    if (o.cadence !== 'once' && 'at' in o.due)
      at([...base, 'due', 'at'], `a fixed date fits only cadence "once", not "${o.cadence}"`);
    // The schema knows the calendar; only here is the zone known, and with it the clocks' jumps.
    const gap = 'at' in o.due && o.due.at.includes('T') ? localDateTimeProblem(o.due.at, plan.timeZone) : undefined;
    if (gap) at([...base, 'due', 'at'], gap);
    if (approximateMs(o.opens) > 0)
      at([...base, 'opens'], `must open before the deadline (a negative offset such as -14d), got ${o.opens}`);
    o.reminders.forEach((r, j) => {
      if (!isNegativeOffset(r))
        at(
          [...base, 'reminders', j],
          `a reminder at or after its deadline (${r}); expected a negative offset such as -3d`,
        );
    });
    const previous = ladderIssues(o.escalation, [...base, 'escalation'], at);
    if (o.rectification) {
      const ms = approximateMs(o.rectification.after);
      if (ms <= 0 || ms < previous) {
        at(
          [...base, 'rectification', 'after'],
          `the rectification order comes after the deadline and after the last escalation step, got ${o.rectification.after}`,
        );
      }
      if (approximateMs(o.rectification.deadline) <= 0) {
        at(
          [...base, 'rectification', 'deadline'],
          `the order's own deadline must be after the order (a positive offset), got ${o.rectification.deadline}`,
        );
      }
    }
    if (o.review) {
      ladderIssues(o.review.escalation, [...base, 'review', 'escalation'], at);
      if (approximateMs(o.review.due) <= 0)
        at([...base, 'review', 'due'], `a review is due after the report (a positive offset), got ${o.review.due}`);
      o.review.reminders.forEach((r, j) => {
        if (!isNegativeOffset(r))
          at(
            [...base, 'review', 'reminders', j],
            `a reminder at or after its deadline (${r}); expected a negative offset`,
          );
      });
    }
    if (o.cycles) cycleListIssues(plan, i, at);
    eventIssues(o, base, at);
  });
  return issues;
}

type At = (path: PropertyKey[], message: string) => void;

/** An obligation opened by an event (`openedBy`): one deadline per event, for one branch, due after the event. */
function eventIssues(o: Obligation, base: PropertyKey[], at: At): void {
  const afterEvent = 'afterEvent' in o.due;
  if (!o.openedBy) {
    if (afterEvent)
      at([...base, 'due', 'afterEvent'], 'a due date counted from an event fits only an obligation with openedBy');
    return;
  }
  if (!afterEvent)
    at(
      [...base, 'due'],
      `an obligation opened by an event is due a set time after it, e.g. due: { afterEvent: '+6M' }`,
    );
  else if (approximateMs((o.due as { afterEvent: string }).afterEvent) <= 0)
    at(
      [...base, 'due', 'afterEvent'],
      `due after the event (a positive offset), got ${(o.due as { afterEvent: string }).afterEvent}`,
    );
  if (o.cadence !== 'once')
    at(
      [...base, 'cadence'],
      `an obligation opened by an event opens once per event: cadence "once", not "${o.cadence}"`,
    );
  if (o.cycles) at([...base, 'cycles'], 'an obligation opened by an event has no cycle list: each event opens one');
  if (o.submitters.level !== 'branch')
    at(
      [...base, 'submitters', 'level'],
      `a ${o.openedBy.event === 'graded' ? 'grade' : 'secretary appointment'} is a branch's: submitters level "branch", not "${o.submitters.level}"`,
    );
}

/** An escalation ladder comes after the deadline and climbs in time; returns its last step (ms). */
function ladderIssues(ladder: EscalationStep[], path: PropertyKey[], at: At): number {
  let previous = 0;
  ladder.forEach((e, j) => {
    const ms = approximateMs(e.after);
    if (ms <= 0)
      at([...path, j, 'after'], `an escalation comes after the deadline (a positive offset), got ${e.after}`);
    else if (ms <= previous)
      at([...path, j, 'after'], `escalation steps must climb in time; ${e.after} is not after the step before`);
    previous = Math.max(previous, ms);
  });
  return previous;
}

/** A cycle list names cycles of the obligation's cadence, once each, that its phases hold. */
function cycleListIssues(plan: Plan, i: number, at: At): void {
  const o = plan.obligations[i]!;
  const path = ['obligations', i, 'cycles'];
  if (o.cadence === 'once') {
    at(path, 'a one-off obligation has a single cycle: a cycle list fits only a recurring cadence');
    return;
  }
  const shape = CYCLE_KEY[o.cadence];
  for (const j of duplicates(o.cycles!)) at([...path, j], `duplicate cycle "${o.cycles![j]!}"`);
  const bad = o.cycles!.map((k, j) => [k, j] as const).filter(([k]) => !shape.test(k));
  for (const [k, j] of bad) at([...path, j], `"${k}" is not a ${o.cadence} cycle (e.g. ${CYCLE_EXAMPLE[o.cadence]})`);
  if (bad.length > 0 || 'at' in o.due || 'afterEvent' in o.due) return; // reported above or by eventIssues
  // The calendar without the list: every listed cycle must be one it would open.
  const all = new Set(cyclesOf(plan, { ...o, cycles: undefined }, phaseWindows(plan)).map((c) => c.cycleKey));
  o.cycles!.forEach((k, j) => {
    if (!all.has(k))
      at(
        [...path, j],
        `cycle "${k}" does not fall due in phases ${o.phases.join(', ')} (cycles there: ${[...all].join(', ') || 'none'})`,
      );
  });
}

const CYCLE_EXAMPLE = { yearly: '2011', 'half-yearly': '2011-H1', quarterly: '2011-Q3' } as const;
