/**
 * Reads an organisation (YAML, or CSV rows) into a validated, normalised `Org`: a tree from the
 * office down to committees, branches and members. Besides the schema, the tree must hold:
 * unique ids, parents that exist and are of the right level, no cycles.
 *
 * Email rules: the office and every committee secretary must have a valid address (escalations
 * land there). A branch may lack one: its mail then goes to its committee at once, and the
 * ledger records that (see domain/recipients.ts). A malformed address is always an error.
 *
 * CSV columns: level,id,name,kind,parent,secretary_name,secretary_email,liaison_name,liaison_email
 * with level one of office, committee, branch, member (a member's email is secretary_email); and,
 * optional, secretary_phone and liaison_phone.
 */
import { OrgInputSchema, type Org, type OrgInput, type Unit } from './org-schema';
import { clip, OrgValidationError, type FileIssue } from './errors';
import { describeIssue, readDocument, issueAt, zodIssues } from './structured-file';
import type { z } from 'zod';

export function parseOrg(text: string, file: string): Org {
  const d = readDocument(text, file, 'organisation');
  if (!('doc' in d)) throw new OrgValidationError(`organisation ${file}`, [d]);
  const r = OrgInputSchema.safeParse(d.data);
  if (!r.success) throw new OrgValidationError(`organisation ${file}`, zodIssues(d, r.error));
  const where = (path: PropertyKey[], message: string): FileIssue => issueAt(d, path, message);
  return normalise(r.data, file, where);
}

export const CSV_COLUMNS = [
  'level',
  'id',
  'name',
  'kind',
  'parent',
  'secretary_name',
  'secretary_email',
  'liaison_name',
  'liaison_email',
  'secretary_phone',
  'liaison_phone',
] as const;
export type OrgCsvRow = Partial<Record<(typeof CSV_COLUMNS)[number], string>>;

/** Builds an organisation from CSV rows (already split into fields; row 0 is the file's line 2). */
export function orgFromRows(rows: OrgCsvRow[], file: string): Org {
  const issues: FileIssue[] = [];
  const input: { office?: unknown; committees: unknown[]; branches: unknown[]; members: unknown[] } = {
    committees: [],
    branches: [],
    members: [],
  };
  /** Where each YAML-shaped path came from in the CSV, to report line numbers. */
  const origin = new Map<string, { line: number; id: string }>();
  const person = (name?: string, email?: string, phone?: string) =>
    name || email || phone
      ? { name: name || '(unnamed)', ...(email ? { email } : {}), ...(phone ? { phone } : {}) }
      : undefined;
  rows.forEach((row, i) => {
    const line = i + 2;
    const clean = Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v?.trim() || undefined])) as OrgCsvRow;
    const id = clean.id ?? '';
    const secretary = person(clean.secretary_name, clean.secretary_email, clean.secretary_phone);
    const liaison = person(clean.liaison_name, clean.liaison_email, clean.liaison_phone);
    const drop = <T extends object>(o: T): T =>
      Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
    switch (clean.level) {
      case 'office':
        if (input.office)
          issues.push({ file, line, path: 'level', message: 'a second office row; the organisation has one office' });
        input.office = drop({ id, name: clean.name, email: clean.secretary_email, secretary });
        origin.set('office', { line, id });
        break;
      case 'committee':
        origin.set(`committees.${input.committees.length}`, { line, id });
        input.committees.push(
          drop({ id, name: clean.name, kind: clean.kind, parent: clean.parent, secretary, liaison }),
        );
        break;
      case 'branch':
        origin.set(`branches.${input.branches.length}`, { line, id });
        input.branches.push(drop({ id, name: clean.name, kind: clean.kind, parent: clean.parent, secretary, liaison }));
        break;
      case 'member':
        origin.set(`members.${input.members.length}`, { line, id });
        input.members.push(drop({ id, name: clean.name, branch: clean.parent, email: clean.secretary_email }));
        break;
      default:
        issues.push({
          file,
          line,
          path: 'level',
          message: `unknown level "${clip(clean.level ?? '')}" (expected office, committee, branch or member)`,
        });
    }
  });
  const locate = (path: readonly PropertyKey[], message: string): FileIssue => {
    const key = path.slice(0, 2).map(String).join('.');
    const o = origin.get(key) ?? origin.get(String(path[0]));
    const field = path
      .slice(o && path[0] !== 'office' ? 2 : 1)
      .map(String)
      .join('.');
    return { file, line: o?.line, path: o ? `${o.id || '(no id)'}.${field}` : String(path.join('.')), message };
  };
  if (!input.office) issues.push({ file, path: 'office', message: 'no office row (level=office)' });
  if (issues.length > 0) throw new OrgValidationError(`organisation ${file}`, issues);
  const r = OrgInputSchema.safeParse(input);
  if (!r.success) {
    throw new OrgValidationError(
      `organisation ${file}`,
      r.error.issues.map((i) => locate(i.path, describeIssue(i))),
    );
  }
  return normalise(r.data, file, locate);
}

type Where = (path: PropertyKey[], message: string) => FileIssue;

function normalise(input: z.output<typeof OrgInputSchema>, file: string, where: Where): Org {
  const issues: FileIssue[] = [];
  const units: Record<string, Unit> = {};
  const order: string[] = [];
  const paths = new Map<string, PropertyKey[]>();
  const add = (u: Unit, path: PropertyKey[]): void => {
    if (units[u.id]) {
      issues.push(
        where([...path, 'id'], `duplicate id "${u.id}" (also used at ${String(paths.get(u.id)?.join('.'))})`),
      );
      return;
    }
    units[u.id] = u;
    paths.set(u.id, path);
    order.push(u.id);
  };
  const contact = (sec?: { email?: string }, li?: { email?: string }) => li?.email ?? sec?.email;
  const { office } = input;
  add({ id: office.id, name: office.name, level: 'office', secretary: office.secretary, email: office.email }, [
    'office',
  ]);
  input.committees.forEach((c, i) =>
    add(
      {
        id: c.id,
        name: c.name,
        level: 'committee',
        kind: c.kind,
        parentId: c.parent ?? office.id,
        secretary: c.secretary,
        liaison: c.liaison,
        email: contact(c.secretary, c.liaison),
      },
      ['committees', i],
    ),
  );
  input.branches.forEach((b, i) =>
    add(
      {
        id: b.id,
        name: b.name,
        level: 'branch',
        kind: b.kind,
        parentId: b.parent,
        secretary: b.secretary,
        liaison: b.liaison,
        email: contact(b.secretary, b.liaison),
      },
      ['branches', i],
    ),
  );
  input.members.forEach((m, i) =>
    add(
      {
        id: m.id,
        name: m.name,
        level: 'member',
        parentId: m.branch,
        secretary: { name: m.name, email: m.email },
        email: m.email,
      },
      ['members', i],
    ),
  );

  const parentLevel: Record<string, string[]> = {
    committee: ['office', 'committee'],
    branch: ['committee'],
    member: ['branch'],
  };
  for (const id of order) {
    const u = units[id]!;
    if (u.level === 'office') continue;
    const field = u.level === 'member' ? 'branch' : 'parent';
    const parent = units[u.parentId ?? ''];
    if (!parent) {
      issues.push(where([...paths.get(id)!, field], `unknown parent "${u.parentId ?? ''}"`));
      continue;
    }
    if (!parentLevel[u.level]!.includes(parent.level)) {
      issues.push(
        where(
          [...paths.get(id)!, field],
          `a ${u.level} cannot belong to ${parent.level} "${parent.id}" (expected a ${parentLevel[u.level]!.join(' or ')})`,
        ),
      );
    }
  }
  // Cycles: walking up from any unit must reach the office.
  for (const id of order) {
    const seen = new Set<string>();
    let cur: string | undefined = id;
    while (cur !== undefined && units[cur] && !seen.has(cur)) {
      seen.add(cur);
      cur = units[cur]!.parentId;
    }
    if (cur !== undefined && seen.has(cur) && cur === id) {
      issues.push(where([...paths.get(id)!, 'parent'], `a cycle in the tree: ${[...seen].join(' → ')} → ${id}`));
    }
  }
  if (issues.length > 0) throw new OrgValidationError(`organisation ${file}`, issues);
  for (const id of order) {
    const u = units[id]!;
    if (u.level === 'office') continue;
    let c: Unit | undefined = u;
    while (c && c.level !== 'committee') c = units[c.parentId ?? ''];
    // The nearest committee; for nested committees, the unit's own committee is itself.
    u.committeeId = c?.id;
  }
  return { officeId: office.id, units, order };
}

export type { OrgInput };
