/** The campaign workflow's own check of its input: nothing for a valid plan, every unusable field by name. */
import { readFileSync, readdirSync } from 'node:fs';
import { parsePlan } from '../../domain/plan-loader';
import { parseOrg } from '../../domain/org-loader';
import { computeCalendar } from '../../domain/calendar';
import { campaignInputProblems, deadlineInputProblems } from '../../domain/engine/input-check';
import { reportDeadlineInput } from '../../domain/engine/deadline-opening';
import { loadMini } from '../workflows/mini';

type Path = (string | number)[];
const REMOVE = Symbol('remove');

/** A copy of `doc` with the field at `path` set to `value`, or removed: input as another client might send it. */
function edited(doc: unknown, path: Path, value: unknown): unknown {
  const copy = structuredClone(doc);
  type Node = Record<string | number, unknown>;
  const parent = path.slice(0, -1).reduce<Node>((node, k) => node[k] as Node, copy as Node);
  if (value === REMOVE) delete parent[path.at(-1)!];
  else parent[path.at(-1)!] = value;
  return copy;
}

const plan = parsePlan(readFileSync(`${__dirname}/../fixtures/mini-plan.yaml`, 'utf8'), 'mini-plan.yaml');
const org = parseOrg(readFileSync(`${__dirname}/../fixtures/mini-org.yaml`, 'utf8'), 'mini-org.yaml');

describe('campaignInputProblems', () => {
  it('finds nothing in a plan and organisation that passed the edge', () => {
    expect(campaignInputProblems(plan, org)).toEqual([]);
  });

  it('names every field the calendar could not use', () => {
    // What another client might send, typed or not: the workflow takes it as it comes.
    const bad = structuredClone(plan);
    bad.phases[0]!.end = '2010-13-45';
    bad.obligations[0]!.due = { at: '2010-02-30' };
    bad.obligations[1]!.reminders = ['-99999999wd'];
    bad.timeZone = 'Asia/Beijing';
    expect(campaignInputProblems(bad, { ...org, officeId: 'nobody' })).toEqual([
      'plan.timeZone: is not a time zone (Asia/Beijing)',
      'plan.phases[0].end: "2010-13-45" has no month 13',
      'plan.obligations[0].due.at: "2010-02-30" is not a day of the calendar (2010-02 has 28 days)',
      'plan.obligations[1].reminders[0]: "-99999999wd" spans more than 10 years',
      'org.officeId: names no unit',
    ]);
    // Opened by an event: its offset from the event is read, and only with the event named.
    const events = structuredClone(plan);
    events.obligations[0] = {
      ...events.obligations[0]!,
      openedBy: { event: 'secretary-appointed' },
      due: { afterEvent: '+6M', time: 'end-of-day' },
    };
    expect(campaignInputProblems(events, org)).toEqual([]);
    events.obligations[0] = {
      ...events.obligations[0],
      openedBy: undefined,
      due: { afterEvent: '6 months', time: 'end-of-day' },
    };
    expect(campaignInputProblems(events, org)).toEqual([
      'plan.obligations[0].due.afterEvent: "6 months" is not an offset',
      'plan.obligations[0].openedBy: is missing for a due date counted from an event',
    ]);
    expect(campaignInputProblems('not a plan', org)).toEqual(['plan: is not a plan']);
    expect(campaignInputProblems(plan, { units: [] })).toEqual(['org: is not an organisation']);
  });

  it('finds nothing in the shipped plans', () => {
    const dir = `${__dirname}/../../plans`;
    const sample = parseOrg(readFileSync(`${dir}/orgs/sample-university.yaml`, 'utf8'), 'sample-university.yaml');
    const plans = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
    expect(plans.length).toBeGreaterThan(3);
    for (const f of plans)
      expect([f, campaignInputProblems(parsePlan(readFileSync(`${dir}/${f}`, 'utf8'), f), sample)]).toEqual([f, []]);
  });

  // Each of these passed the check of v0.11 and then threw a TypeError in the calendar, inside the
  // campaign's workflow task: the check now names the field the calendar would have tripped on.
  const structural: [string, Path, unknown, string][] = [
    [
      'an obligation without escalation',
      ['obligations', 2, 'escalation'],
      REMOVE,
      'plan.obligations[2].escalation: is missing',
    ],
    [
      'an obligation without reminders',
      ['obligations', 1, 'reminders'],
      REMOVE,
      'plan.obligations[1].reminders: is missing',
    ],
    [
      'an obligation without submitters',
      ['obligations', 0, 'submitters'],
      REMOVE,
      'plan.obligations[0].submitters: is missing',
    ],
    [
      'a review without reminders',
      ['obligations', 1, 'review', 'reminders'],
      REMOVE,
      'plan.obligations[1].review.reminders: is missing',
    ],
    ['no office hours', ['officeHours'], REMOVE, 'plan.officeHours: is missing'],
    ['no obligations', ['obligations'], REMOVE, 'plan.obligations: is missing'],
    [
      'a due date from nowhere',
      ['obligations', 1, 'due'],
      { from: 'nowhere' },
      'plan.obligations[1].due.from: is "nowhere", not one of cycle-start, cycle-end, phase-start, phase-end',
    ],
    [
      'a due rule without its time',
      ['obligations', 1, 'due', 'time'],
      REMOVE,
      'plan.obligations[1].due.time: is missing',
    ],
    [
      'an escalation step without its offset',
      ['obligations', 2, 'escalation', 0, 'after'],
      REMOVE,
      'plan.obligations[2].escalation[0].after: is missing',
    ],
  ];
  it.each(structural)('names %s, which threw in the calendar', (_what, at, value, problem) => {
    const bad = edited(plan, at, value);
    // The calendar itself cannot use it: this is input that wedged a campaign, not a stricter rule.
    expect(() => computeCalendar(bad as typeof plan, org)).toThrow();
    expect(campaignInputProblems(bad, org)).toContain(problem);
  });

  it('names references the edge refuses, though the calendar gets through them', () => {
    const bad = structuredClone(plan);
    bad.obligations[0]!.phases = ['nope'];
    bad.obligations[2]!.escalation[0]!.notify = [];
    bad.phases[1]!.key = bad.phases[0]!.key;
    expect(campaignInputProblems(bad, org)).toEqual([
      `plan.phases[1].key: "${plan.phases[0]!.key}" is a phase already`,
      'plan.obligations[0].phases[0]: names no phase of the plan ("nope")',
      // The phase that lost its key left this obligation's reference dangling too.
      `plan.obligations[1].phases[0]: names no phase of the plan ("${plan.phases[1]!.key}")`,
      'plan.obligations[2].escalation[0].notify: names nobody',
    ]);
  });

  it('names units the calendar and the mail cannot read', () => {
    const bad = structuredClone(org) as unknown as { units: Record<string, Record<string, unknown>> };
    delete bad.units['b-mech-t1']!.level;
    bad.units['b-info-s1']!.parentId = 'c-nowhere';
    bad.units['c-mech']!.secretary = 'Li';
    expect(campaignInputProblems(plan, bad)).toEqual([
      'org.units.c-mech.secretary: is not a person',
      'org.units.b-mech-t1.level: is missing',
      'org.units.b-info-s1.parentId: names no unit',
    ]);
  });
});

describe('deadlineInputProblems', () => {
  it('finds nothing in a report deadline as its starter sends it, nor in one started before v0.10', async () => {
    const mini = await loadMini();
    const batch = mini.batchOf('quarterly-report');
    const input = reportDeadlineInput(batch, batch.unitIds[0]!);
    expect(deadlineInputProblems(input)).toEqual([]);
    // Before v0.10 an obligation had no onHoliday and a review no escalation: such a deadline may still run.
    const old = edited(
      edited(input, ['obligation', 'onHoliday'], REMOVE),
      ['obligation', 'review', 'escalation'],
      REMOVE,
    );
    expect(deadlineInputProblems(old)).toEqual([]);
  });

  it('names the fields a deadline cannot use', async () => {
    const mini = await loadMini();
    const batch = mini.batchOf('quarterly-report');
    let input: unknown = reportDeadlineInput(batch, batch.unitIds[0]!);
    input = edited(input, ['opensAt'], '2010-13-01T00:00:00Z');
    input = edited(input, ['ctx', 'timeZone'], 'Asia/Beijing');
    input = edited(input, ['obligation', 'escalation'], REMOVE);
    input = edited(input, ['obligation', 'review', 'due'], 10);
    expect(deadlineInputProblems(input)).toEqual([
      'ctx.timeZone: is not a time zone ("Asia/Beijing")',
      'opensAt: "2010-13-01T00:00:00Z" is not an instant',
      'obligation.escalation: is missing',
      'obligation.review.due: is not an offset',
    ]);
    expect(deadlineInputProblems(null)).toEqual(['deadline: is not a deadline input']);
  });
});
