/**
 * Reads a behaviour file (YAML or JSON) and validates it, first against its schema, then against
 * the plan and the organisation it will rehearse (behaviour-check.ts), naming the file, line and
 * field of every error. Its local date-times must be instants the plan's zone has; the file is
 * refused unread over its size limit (domain/limits.ts).
 */
import { readInputFile } from '../plans/load';
import { BehaviourValidationError, pathText, type FileIssue } from '../domain/errors';
import { issueAt, readDocument, zodIssues } from '../domain/structured-file';
import type { Plan } from '../domain/plan-schema';
import type { Org } from '../domain/org-schema';
import { BehaviourSchema, behaviourInstantIssues, type Behaviour } from './behaviour';
import { behaviourIssues, type Locate } from './behaviour-check';

/** What a behaviour is checked against: the plan and organisation of the rehearsal. */
export interface BehaviourContext {
  plan: Plan;
  org: Org;
}

/** Instants the zone lacks first: the checks against the plan read every instant. */
function contextIssues(b: Behaviour, context: BehaviourContext, locate: Locate): FileIssue[] {
  const gaps = behaviourInstantIssues(b, context.plan.timeZone).map((g) => locate(g.path, g.message));
  return gaps.length > 0 ? gaps : behaviourIssues(b, context.plan, context.org, locate);
}

export function parseBehaviour(text: string, file: string, context?: BehaviourContext): Behaviour {
  const d = readDocument(text, file, 'behaviour');
  if (!('doc' in d)) throw new BehaviourValidationError(`behaviour ${file}`, [d]);
  const r = BehaviourSchema.safeParse(d.data ?? {});
  if (!r.success) throw new BehaviourValidationError(`behaviour ${file}`, zodIssues(d, r.error));
  if (context) {
    const issues = contextIssues(r.data, context, (path, message) => issueAt(d, path, message));
    if (issues.length > 0) throw new BehaviourValidationError(`behaviour ${file}`, issues);
  }
  return r.data;
}

export async function loadBehaviourFile(file: string, context?: BehaviourContext): Promise<Behaviour> {
  return parseBehaviour(await readInputFile(file, 'behaviour'), file, context);
}

/** A behaviour built in code (tests, the default one): checked the same way, located by field. */
export function checkBehaviour(b: Behaviour, context: BehaviourContext): void {
  const locate: Locate = (path, message) => ({ file: '(behaviour)', path: pathText(path), message });
  const issues = contextIssues(b, context, locate);
  if (issues.length > 0) throw new BehaviourValidationError('behaviour', issues);
}
