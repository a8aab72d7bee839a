/**
 * Reads plan and organisation files from disk and hands them to the pure parsers.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { parsePlan } from '../domain/plan-loader';
import { orgFromRows, parseOrg, type OrgCsvRow } from '../domain/org-loader';
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

export async function loadPlanFile(file: string): Promise<Plan> {
  return parsePlan(await readFile(file, 'utf8'), file);
}

export function parseOrgText(text: string, file: string): Org {
  if (file.toLowerCase().endsWith('.csv')) {
    const rows = parseCsv<OrgCsvRow>(text.replace(/^\uFEFF/, ''), {
      columns: true,
      skip_empty_lines: true,
      relax_column_count: true,
    });
    return orgFromRows(rows, file);
  }
  return parseOrg(text, file);
}

export async function loadOrgFile(file: string): Promise<Org> {
  return parseOrgText(await readFile(file, 'utf8'), file);
}
