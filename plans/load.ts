/**
 * Reads plan and organisation files from disk and hands them to the pure parsers; a file over
 * the size limit of its kind is refused before it is read (domain/limits.ts).
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { parsePlan } from '../domain/plan-loader';
import { orgFromRows, parseOrg, type OrgCsvRow } from '../domain/org-loader';
import {
  BehaviourValidationError,
  clip,
  OrgValidationError,
  PlanValidationError,
  type FileIssue,
} from '../domain/errors';
import { spreadsheetCsvText, textIssue } from '../domain/structured-file';
import { fileSizeProblem, type FileKind } from '../domain/limits';
import type { Plan } from '../domain/plan-schema';
import type { Org } from '../domain/org-schema';

export const PLANS_DIR = __dirname;

/** The five seed campaigns, as shipped. */
export const SHIPPED_PLANS = [
  '000-hnust.yaml',
  '001-changzhou.yaml',
  '002-harbin.yaml',
  '003-changchun.yaml',
  '004-template.yaml',
].map((f) => path.join(PLANS_DIR, f));
export const SAMPLE_ORG = path.join(PLANS_DIR, 'orgs', 'sample-university.yaml');
export const SAMPLE_ORG_CSV = path.join(PLANS_DIR, 'orgs', 'sample-university.csv');

const INVALID: Record<FileKind, new (what: string, issues: FileIssue[]) => Error> = {
  plan: PlanValidationError,
  organisation: OrgValidationError,
  behaviour: BehaviourValidationError,
};

/**
 * A file's text, once its size is known to be within the limit for its kind (limits.ts). An
 * organisation CSV may be GB18030, as Excel saves one on Chinese Windows (`orgFileText`).
 */
export async function readInputFile(file: string, kind: FileKind): Promise<string> {
  const tooLarge = fileSizeProblem(kind, (await stat(file)).size);
  if (tooLarge) throw new INVALID[kind](`${kind} ${file}`, [{ file, path: '', message: tooLarge }]);
  return kind === 'organisation' ? orgFileText(await readFile(file), file) : readFile(file, 'utf8');
}

/** An organisation file's text: a CSV in UTF-8 or GB18030, YAML and JSON in UTF-8. */
export function orgFileText(bytes: Buffer, file: string): string {
  return isCsv(file) ? spreadsheetCsvText(bytes) : bytes.toString('utf8');
}

const isCsv = (file: string): boolean => file.toLowerCase().endsWith('.csv');

export async function loadPlanFile(file: string): Promise<Plan> {
  return parsePlan(await readInputFile(file, 'plan'), file);
}

export function parseOrgText(text: string, file: string): Org {
  if (isCsv(file)) {
    const unreadable = textIssue(text, file, 'organisation');
    if (unreadable) throw new OrgValidationError(`organisation ${file}`, [unreadable]);
    let rows: OrgCsvRow[];
    try {
      rows = parseCsv<OrgCsvRow>(text.replace(/^\uFEFF/, ''), {
        columns: true,
        skip_empty_lines: true,
        relax_column_count: true,
      });
    } catch (err) {
      const e = err as Error & { lines?: number };
      const message = `not valid CSV: ${clip(e.message.split('\n')[0]!, 160)}`;
      throw new OrgValidationError(`organisation ${file}`, [{ file, line: e.lines, path: '', message }]);
    }
    return orgFromRows(rows, file);
  }
  return parseOrg(text, file);
}

export async function loadOrgFile(file: string): Promise<Org> {
  return parseOrgText(await readInputFile(file, 'organisation'), file);
}
