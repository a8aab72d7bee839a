/** The campaign workflow's own check of its input: nothing for a valid plan, every unusable field by name. */
import { readFileSync } from 'node:fs';
import { parsePlan } from '../../domain/plan-loader';
import { parseOrg } from '../../domain/org-loader';
import { campaignInputProblems } from '../../domain/engine/input-check';

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
});
