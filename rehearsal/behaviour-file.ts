/**
 * Reads a behaviour file (YAML or JSON) and validates it, naming the file, line and field of
 * every error.
 */
import { readFile } from 'node:fs/promises';
import { BehaviourValidationError } from '../domain/errors';
import { readDocument, zodIssues } from '../domain/structured-file';
import { BehaviourSchema, type Behaviour } from './behaviour';

export function parseBehaviour(text: string, file: string): Behaviour {
  const d = readDocument(text, file);
  if (!('doc' in d)) throw new BehaviourValidationError(`behaviour ${file}`, [d]);
  const r = BehaviourSchema.safeParse(d.data ?? {});
  if (!r.success) throw new BehaviourValidationError(`behaviour ${file}`, zodIssues(d, r.error));
  return r.data;
}

export async function loadBehaviourFile(file: string): Promise<Behaviour> {
  return parseBehaviour(await readFile(file, 'utf8'), file);
}
