import { readFileSync } from 'node:fs';
import { parsePlan } from '../../domain/plan-loader';
import { cyclesOf, phaseWindows } from '../../domain/calendar';
import type { PlanValidationError } from '../../domain/errors';

const MINI = readFileSync(`${__dirname}/../fixtures/mini-plan.yaml`, 'utf8');

/** The validation error a plan text raises (fails the test if it raises none). */
function errorOf(text: string, file = 'plans/bad.yaml'): PlanValidationError {
  try {
    parsePlan(text, file);
  } catch (err) {
    expect((err as Error).name).toBe('PlanValidationError');
    expect((err as PlanValidationError).code).toBe('PLAN_INVALID');
    return err as PlanValidationError;
  }
  throw new Error('the plan was accepted');
}

/** The line number (1-based) of the first line of `text` containing `needle`. */
const lineOf = (text: string, needle: string, from = 0): number =>
  text.split('\n').findIndex((l, i) => i >= from && l.includes(needle)) + 1;

describe('plan files', () => {
  it('accepts a valid plan and fills the defaults', () => {
    const plan = parsePlan(MINI, 'mini.yaml');
    expect(plan.timeZone).toBe('Asia/Shanghai');
    expect(plan.officeHours).toEqual({ start: '08:30', end: '17:30', workingDaysOnly: true });
    expect(plan.obligations.map((o) => o.key)).toEqual(['branch-plan', 'quarterly-report', 'summary-report']);
  });

  it('accepts JSON as well', () => {
    const plan = parsePlan(JSON.stringify(parsePlan(MINI, 'mini.yaml')), 'mini.json');
    expect(plan.id).toBe('mini');
  });

  it('names file, line, field and expectation for a phase that ends before it starts', () => {
    const text = MINI.replace("end: '2010-06-30'", "end: '2010-05-15'");
    const err = errorOf(text);
    expect(err.issues).toHaveLength(1);
    expect(err.issues[0]).toMatchObject({
      file: 'plans/bad.yaml',
      path: 'phases[0].end',
      line: lineOf(text, "end: '2010-05-15'"),
    });
    expect(err.message).toContain(`plans/bad.yaml:${lineOf(text, "end: '2010-05-15'")}:`);
    expect(err.message).toContain('ends before it starts (2010-05-15 < 2010-06-01)');
  });

  it('accepts a list of the cycles to open, and opens only those', () => {
    const text = MINI.replace('phases: [engage]', "phases: [engage]\n    cycles: ['2010-Q4']");
    const plan = parsePlan(text, 'mini.yaml');
    expect(plan.obligations[1]!.cycles).toEqual(['2010-Q4']);
    const opened = cyclesOf(plan, plan.obligations[1]!, phaseWindows(plan)).map((c) => c.cycleKey);
    expect(opened).toEqual(['2010-Q4']); // not 2010-Q3
  });

  it('rejects a cycle list that names no cycle of the cadence, a cycle outside the phases, or a one-off', () => {
    const bad = errorOf(
      MINI.replace('phases: [engage]', "phases: [engage]\n    cycles: ['2010-Q4', '2010', '2010-Q4']"),
    );
    expect(bad.issues.map((i) => `${i.path} ${i.message}`)).toEqual([
      'obligations[1].cycles[2] duplicate cycle "2010-Q4"',
      'obligations[1].cycles[1] "2010" is not a quarterly cycle (e.g. 2011-Q3)',
    ]);
    const outside = errorOf(MINI.replace('phases: [engage]', "phases: [engage]\n    cycles: ['2011-Q1']"));
    expect(outside.issues[0]!.path).toBe('obligations[1].cycles[0]');
    expect(outside.message).toContain(
      'cycle "2011-Q1" does not fall due in phases engage (cycles there: 2010-Q3, 2010-Q4)',
    );
    const once = errorOf(MINI.replace('phases: [mobilise]', "phases: [mobilise]\n    cycles: ['2010']"));
    expect(once.issues[0]!.path).toBe('obligations[0].cycles');
  });

  it('rejects a review escalation ladder that does not climb', () => {
    const text = MINI.replace(
      "review: { due: '+10d', title: 领导点评, titleEn: Leader review, reminders: ['-2d'] }",
      "review: { due: '+10d', title: 领导点评, reminders: ['-2d'], escalation: [{ after: '+3d', notify: [unit] }, { after: '+2d', notify: [parent] }] }",
    );
    expect(errorOf(text).issues[0]!.path).toBe('obligations[1].review.escalation[1].after');
  });

  it('rejects an obligation active in a phase that does not exist', () => {
    const text = MINI.replace('phases: [engage]', 'phases: [engagement]');
    const err = errorOf(text);
    expect(err.issues[0]!.path).toBe('obligations[1].phases[0]');
    expect(err.issues[0]!.line).toBe(lineOf(text, 'phases: [engagement]'));
    expect(err.message).toContain('no phase "engagement"');
  });

  it('rejects a reminder at or after its deadline', () => {
    const text = MINI.replace("reminders: ['-7d', '-1d']", "reminders: ['-7d', '+1d']");
    const err = errorOf(text);
    expect(err.issues[0]!.path).toBe('obligations[0].reminders[1]');
    expect(err.message).toMatch(/reminder at or after its deadline \(\+1d\)/);
  });

  it('rejects duplicate keys, a bad time zone, a fixed date on a recurring obligation, an unclimbing ladder', () => {
    const text = MINI.replace('key: engage', 'key: mobilise')
      .replace('timeZone: Asia/Shanghai', 'timeZone: Mars/Olympus')
      .replace("due: { from: cycle-end, offset: '-5d' }", "due: { at: '2010-09-30' }")
      .replace("{ after: '+5d', notify: [unit, parent, office] }", "{ after: '+1d', notify: [unit, parent, office] }");
    const paths = errorOf(text).issues.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'phases[1].key',
        'timeZone',
        'obligations[1].due.at',
        'obligations[1].escalation[1].after',
      ]),
    );
  });

  it('names the field and the expected value for schema errors', () => {
    const text = MINI.replace('cadence: quarterly', 'cadence: monthly').replace("offset: '-5d'", "offset: 'five days'");
    const err = errorOf(text);
    const cadence = err.issues.find((i) => i.path === 'obligations[1].cadence')!;
    expect(cadence.line).toBe(lineOf(text, 'cadence: monthly'));
    expect(cadence.message).toContain('"quarterly"');
    expect(err.issues.some((i) => i.path.startsWith('obligations[1].due') && /offset/.test(i.message))).toBe(true);
  });

  it('reports YAML syntax errors with their line', () => {
    const err = errorOf('id: x\nphases: [\n  - bad', 'broken.yaml');
    expect(err.issues[0]!.file).toBe('broken.yaml');
    expect(err.issues[0]!.line).toBeGreaterThan(0);
    expect(err.message).toContain('not valid YAML/JSON');
  });
});
