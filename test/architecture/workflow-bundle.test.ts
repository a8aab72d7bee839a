/**
 * What the workflow bundle holds. With the reused V8 context the worker evaluates every module
 * of the bundle again for each workflow it creates (and keeps each copy while the workflow is
 * cached), except the shared ones of SHARED_WORKFLOW_MODULES. A module that builds something
 * large at its top level costs every workflow: zod's schemas (pulled in through
 * domain/plan-schema.ts) were a tenth of the workflow thread's time in a rehearsal and most of
 * a worker's memory with 10,000 deadlines open (docs/performance.md, fourth sitting).
 */
import { bundleWorkflows, SHARED_WORKFLOW_MODULES } from '../../worker/worker';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
const quiet = { info() {}, warn() {}, error() {}, debug() {}, trace() {}, log() {} };

/** The bundle's module ids, as webpack writes them (`./domain/calendar.ts`, `./node_modules/luxon/…`). */
function modulesOf(code: string): string[] {
  return [...code.matchAll(/^\/\*\*\*\/ "([^"]+)"$/gm)].map((m) => m[1]!);
}

/** The schema modules: validation at the edge, never needed inside a workflow. */
const SCHEMA_MODULES = [
  './domain/plan-schema.ts',
  './domain/org-schema.ts',
  './domain/field-schemas.ts',
  './domain/grading-policy.ts',
  './domain/structured-file.ts',
];

describe('the workflow bundle', () => {
  let modules: string[];
  beforeAll(async () => {
    modules = modulesOf((await bundleWorkflows(quiet)).code);
  }, 120_000);

  it('is read: it holds the workflows and the domain modules they use', () => {
    expect(modules).toEqual(expect.arrayContaining(['./workflows/deadline.ts', './domain/calendar.ts']));
  });

  it('holds neither zod nor the schema modules that build zod schemas', () => {
    expect(modules.filter((m) => m.startsWith('./node_modules/zod/'))).toEqual([]);
    expect(modules.filter((m) => SCHEMA_MODULES.includes(m))).toEqual([]);
  });

  it('holds every shared module, so that the worker evaluates it once per thread', () => {
    const ids = SHARED_WORKFLOW_MODULES.map((m) =>
      m === 'luxon' ? './node_modules/luxon/' : `./${path.relative(ROOT, m).split(path.sep).join('/')}`,
    );
    for (const id of ids) expect(modules.some((m) => m.startsWith(id))).toBe(true);
  });
});
