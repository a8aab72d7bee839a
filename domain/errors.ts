/**
 * Validation errors for files people write (plans, organisations, behaviours). Each issue names
 * the file, the line and column when known, the path of the field, and what was expected.
 */
export interface FileIssue {
  file: string;
  line?: number;
  column?: number;
  /** e.g. phases[1].end */
  path: string;
  message: string;
}

export function formatIssue(i: FileIssue): string {
  const where = [i.file, i.line, i.column].filter((x) => x !== undefined).join(':');
  return `${where} ${i.path || '(root)'}: ${i.message}`;
}

abstract class FileValidationError extends Error {
  abstract readonly code: string;
  constructor(
    what: string,
    readonly issues: FileIssue[],
  ) {
    super(`${what} is invalid:\n  ${issues.map(formatIssue).join('\n  ')}`);
  }
}

/** Thrown by `parsePlan` when a plan file breaks the schema or a cross-field rule. */
export class PlanValidationError extends FileValidationError {
  override readonly name = 'PlanValidationError';
  readonly code = 'PLAN_INVALID';
}

/** Thrown by `parseOrg` when an organisation file breaks the schema or the tree rules. */
export class OrgValidationError extends FileValidationError {
  override readonly name = 'OrgValidationError';
  readonly code = 'ORG_INVALID';
}

/** Thrown when a behaviour file of a rehearsal is invalid. */
export class BehaviourValidationError extends FileValidationError {
  override readonly name = 'BehaviourValidationError';
  readonly code = 'BEHAVIOUR_INVALID';
}

/** `phases[1].end` from a zod/YAML path. */
export function pathText(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)),
    '',
  );
}

/** A value echoed in a message, kept short: a file or a request may hold anything in a field. */
export function clip(text: string, max = 40): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max).join('')}…`;
}
