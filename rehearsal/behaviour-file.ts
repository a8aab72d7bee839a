/**
 * Reads a behaviour file (YAML or JSON) and validates it, first against its schema, then against
 * the plan and the organisation it will rehearse (behaviour-check.ts), naming the file, line and
 * field of every error.
 */
import { readFile } from 'node:fs/promises';
import { BehaviourValidationError, pathText } from '../domain/errors';
import { issueAt, readDocument, zodIssues } from '../domain/structured-file';
import type { Plan } from '../domain/plan-schema';
import type { Org } from '../domain/org-schema';
import { BehaviourSchema, type Behaviour } from './behaviour';
import { behaviourIssues, type Locate } from './behaviour-check';

/** What a behaviour is checked against: the plan and organisation of the rehearsal. */
export interface BehaviourContext {
  plan: Plan;
  org: Org;
}

export function parseBehaviour(text: string, file: string, context?: BehaviourContext): Behaviour {
  const d = readDocument(text, file);
  if (!('doc' in d)) throw new BehaviourValidationError(`behaviour ${file}`, [d]);
  const r = BehaviourSchema.safeParse(d.data ?? {});
  if (!r.success) throw new BehaviourValidationError(`behaviour ${file}`, zodIssues(d, r.error));
  if (context) {
    const issues = behaviourIssues(r.data, context.plan, context.org, (path, message) => issueAt(d, path, message));
    if (issues.length > 0) throw new BehaviourValidationError(`behaviour ${file}`, issues);
  }
  return r.data;
}

export async function loadBehaviourFile(file: string, context?: BehaviourContext): Promise<Behaviour> {
  return parseBehaviour(await readFile(file, 'utf8'), file, context);
}

/** A behaviour built in code (tests, the default one): checked the same way, located by field. */
export function checkBehaviour(b: Behaviour, context: BehaviourContext): void {
  const locate: Locate = (path, message) => ({ file: '(behaviour)', path: pathText(path), message });
  const issues = behaviourIssues(b, context.plan, context.org, locate);
  if (issues.length > 0) throw new BehaviourValidationError('behaviour', issues);
}
