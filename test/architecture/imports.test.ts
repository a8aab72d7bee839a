/**
 * No import circle among the project's files, counting type-only imports too: ESLint's
 * import-x/no-cycle follows runtime imports only, and a circle of types still ties the files
 * into one knot a reader must take in at once (activities/index.ts, workflows/batch.ts,
 * workflows/deadline.ts and workflows/deadline-start.ts were one until v0.9).
 */
import { readdirSync, readFileSync, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const ROOT = path.join(__dirname, '..', '..');
const SKIP = new Set(['node_modules', 'dist', '.tools', '.data', '.scratch', 'coverage', '.git']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (SKIP.has(name)) return [];
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [full] : [];
  });
}

/** The project files a file imports (runtime or type-only); packages are left out. */
function importsOf(file: string): string[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return importedFiles
    .map((i) => i.fileName)
    .filter((spec) => spec.startsWith('.'))
    .flatMap((spec) => {
      const base = path.resolve(path.dirname(file), spec);
      const hit = [`${base}.ts`, path.join(base, 'index.ts')].find((f) => existsSync(f));
      return hit ? [hit] : [];
    });
}

/** Tarjan's strongly connected components of more than one file, or of one importing itself. */
function circles(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    for (let w = stack.pop()!; ; w = stack.pop()!) {
      onStack.delete(w);
      component.push(w);
      if (w === v) break;
    }
    if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

describe('the import graph', () => {
  const files = sourceFiles(ROOT);
  const graph = new Map(files.map((f) => [f, importsOf(f)]));

  it('is read from the project: the workflows import the activities, which import domain/engine', () => {
    const rel = (f: string): string => path.relative(ROOT, f);
    const edges = (f: string): string[] => (graph.get(path.join(ROOT, f)) ?? []).map(rel);
    expect(edges('workflows/deadline.ts')).toContain('activities/index.ts');
    expect(edges('activities/index.ts')).toContain('domain/engine/deadline-opening.ts');
  });

  it('has no circle, counting type-only imports', () => {
    expect(circles(graph).map((c) => c.map((f) => path.relative(ROOT, f)))).toEqual([]);
  });
});
