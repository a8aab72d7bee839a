/**
 * Reads a YAML or JSON document against a zod schema and reports every problem with the file,
 * line and column of the field it concerns. Pure (no fs), so plans can be checked anywhere.
 */
import { LineCounter, parseDocument, isNode, type Document } from 'yaml';
import type { z } from 'zod';
import { pathText, type FileIssue } from './errors';

export interface LocatedDocument {
  file: string;
  doc: Document;
  lines: LineCounter;
  data: unknown;
}

export function readDocument(text: string, file: string): LocatedDocument | FileIssue {
  const lines = new LineCounter();
  // JSON is YAML, so one parser serves both and gives positions for both.
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const pos = lines.linePos(e.pos[0]);
    return {
      file,
      line: pos.line,
      column: pos.col,
      path: '',
      message: `not valid YAML/JSON: ${e.message.split('\n')[0]}`,
    };
  }
  return { file, doc, lines, data: doc.toJS() };
}

/** The issue for a path, located at the deepest node of the path that exists in the file. */
export function issueAt(d: LocatedDocument, path: readonly PropertyKey[], message: string): FileIssue {
  for (let n = path.length; n >= 0; n--) {
    const node = d.doc.getIn(path.slice(0, n) as unknown[], true);
    if (isNode(node) && node.range) {
      const pos = d.lines.linePos(node.range[0]);
      return { file: d.file, line: pos.line, column: pos.col, path: pathText(path), message };
    }
  }
  return { file: d.file, path: pathText(path), message };
}

export function zodIssues(d: LocatedDocument, error: z.ZodError): FileIssue[] {
  return error.issues.map((i) => issueAt(d, i.path, describe(i)));
}

function describe(i: z.core.$ZodIssue): string {
  if (i.code === 'invalid_type' && i.input === undefined) return `is required (expected ${i.expected})`;
  if (i.code === 'unrecognized_keys') return `unknown field(s) ${i.keys.join(', ')}`;
  if (i.code === 'invalid_value') return `expected one of ${i.values.map((v) => JSON.stringify(v)).join(', ')}`;
  return i.message;
}
