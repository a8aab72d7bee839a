/** The mini plan with an obligation opened by an event (a new secretary's training, due a month later). */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parsePlan } from '../../domain/plan-loader';
import type { Plan } from '../../domain/plan-schema';

const FIXTURES = path.join(__dirname, '..', 'fixtures');

/** mini-plan.yaml with mini-plan-events.yaml's obligations appended (obligations is its last list). */
export function miniPlanWithEvents(): Plan {
  const files = ['mini-plan.yaml', 'mini-plan-events.yaml'];
  return parsePlan(files.map((f) => readFileSync(path.join(FIXTURES, f), 'utf8')).join('\n'), files.join(' + '));
}
