/**
 * Reads a YAML or JSON document against a zod schema and reports every problem with the file,
 * line and column of the field it concerns. Pure (no fs), so plans can be checked anywhere.
 */
import { LineCounter, parseDocument, isNode, type Document } from 'yaml';
import type { z } from 'zod';
import { pathText, type FileIssue } from './errors';
import { fileSizeProblem, utf8Bytes, type FileKind } from './limits';

export interface LocatedDocument {
  file: string;
  doc: Document;
  lines: LineCounter;
  data: unknown;
}

/**
 * The text of a CSV a spreadsheet saved: UTF-8 (its byte order mark dropped) when the bytes are
 * UTF-8, else GB18030, the superset of GBK in which Excel on Chinese Windows saves "CSV (逗号分隔)",
 * the form an organisation department's roster or grade sheet most often comes in. Bytes that are
 * neither come out with U+FFFD, which `textIssue` refuses.
 */
export function spreadsheetCsvText(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder('gb18030').decode(bytes);
  }
}

/**
 * What makes a text unreadable before any parser sees it: too large for its kind, or not text at
 * all (a NUL, or bytes that are not UTF-8, which the reader turned into U+FFFD). The message
 * names the place and never echoes the content.
 */
export function textIssue(text: string, file: string, kind: FileKind): FileIssue | undefined {
  // A string's length never exceeds its UTF-8 bytes: the count is needed only near the limit.
  const tooLarge = fileSizeProblem(kind, text.length) ?? fileSizeProblem(kind, utf8Bytes(text));
  if (tooLarge) return { file, path: '', message: tooLarge };
  const found = [text.indexOf('\u0000'), text.indexOf('\uFFFD')].filter((i) => i >= 0);
  if (found.length === 0) return undefined;
  const bad = Math.min(...found);
  const before = text.slice(0, bad);
  const line = before.split('\n').length;
  return {
    file,
    line,
    column: bad - before.lastIndexOf('\n'),
    path: '',
    message: `not a text file (${text[bad] === '\u0000' ? 'a NUL byte' : 'bytes that are not UTF-8'} here); expected ${kind === 'organisation' ? 'UTF-8 YAML, or CSV in UTF-8 or GB18030' : 'UTF-8 YAML or JSON'}`,
  };
}

/** Longest error text of the YAML parser kept in a message. */
const MAX_PARSER_MESSAGE = 160;

export function readDocument(text: string, file: string, kind: FileKind): LocatedDocument | FileIssue {
  const unreadable = textIssue(text, file, kind);
  if (unreadable) return unreadable;
  const lines = new LineCounter();
  const parserIssue = (message: string, offset?: number): FileIssue => {
    const pos = offset === undefined ? undefined : lines.linePos(offset);
    // Nesting thousands deep overflows the parser's stack; say so rather than how it failed.
    const first = /call stack/i.test(message) ? 'nested too deeply to read' : message.split('\n')[0]!;
    const short = first.length > MAX_PARSER_MESSAGE ? `${first.slice(0, MAX_PARSER_MESSAGE)}…` : first;
    return { file, line: pos?.line, column: pos?.col, path: '', message: `not valid YAML/JSON: ${short}` };
  };
  let doc: Document;
  try {
    // JSON is YAML, so one parser serves both and gives positions for both.
    doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  } catch (err) {
    return parserIssue((err as Error).message);
  }
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    return parserIssue(e.message, e.pos[0]);
  }
  try {
    // yaml refuses to expand aliases past a limit ("billion laughs"): it throws, without the file.
    return { file, doc, lines, data: doc.toJS({ maxAliasCount: 100 }) };
  } catch (err) {
    const message = (err as Error).message;
    return parserIssue(
      /alias/i.test(message) ? `too many aliases expanded (${message}); write the values out` : message,
    );
  }
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
  return error.issues.map((i) => issueAt(d, i.path, describeIssue(i)));
}

/** A zod issue in the words of the files' errors. */
export function describeIssue(i: z.core.$ZodIssue): string {
  // zod 4 leaves `input` out of an issue unless asked: the message says what was received.
  if (i.code === 'invalid_type' && i.message.endsWith('received undefined'))
    return `is required (expected ${i.expected})`;
  if (i.code === 'invalid_type' && i.path.length === 0 && i.message.endsWith('received null'))
    return 'the file is empty (expected its fields)';
  if (i.code === 'invalid_type') return `expected ${i.expected}, got ${i.message.replace(/^.*received /, '')}`;
  if (i.code === 'unrecognized_keys') return `unknown field(s) ${i.keys.join(', ')}`;
  if (i.code === 'invalid_value') return `expected one of ${i.values.map((v) => JSON.stringify(v)).join(', ')}`;
  return i.message;
}
