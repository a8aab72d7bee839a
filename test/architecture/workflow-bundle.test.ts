/**
 * The packages the workflow code imports are the SDK's or shared (preloadModules). With the
 * reused V8 context, the worker evaluates every other module of the bundle again for each
 * workflow it creates, and each workflow in its cache (2,310 by default) keeps its own copy: zod,
 * brought in by domain/engine/events.ts through plan-schema.ts, took the fan-out of 10,100
 * deadlines from 1.9 GiB to 5 GiB (bisected in commit 40898c6).
 */
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { bundleWorkflowCode } from '@temporalio/worker';
import { SHARED_WORKFLOW_MODULES, WORKFLOW_BUNDLER_OPTIONS, WORKFLOWS_PATH } from '../../worker/worker';

const ROOT = path.join(__dirname, '..', '..');
const quiet = { info() {}, warn() {}, error() {}, debug() {}, trace() {}, log() {} };

/** The fields of webpack's compilation this test reads. */
interface Compilation {
  modules: Iterable<{ resource?: string }>;
  moduleGraph: { getIncomingConnections(m: object): Iterable<{ originModule: { resource?: string } | null }> };
}

/** The package a file of node_modules belongs to (`zod`, `@temporalio/workflow`), or undefined for the project's own. */
function packageOf(file: string): string | undefined {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file);
  return m?.[1];
}

/** The project's own files in the bundle (relative to the root). */
const projectFiles = new Set<string>();

/** Each package the project's workflow code imports, with the project files that import it. */
async function packagesImported(): Promise<Map<string, Set<string>>> {
  const imported = new Map<string, Set<string>>();
  await bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    ...WORKFLOW_BUNDLER_OPTIONS,
    logger: quiet,
    webpackConfigHook: (config) => ({
      ...config,
      plugins: [
        ...(config.plugins ?? []),
        {
          apply(compiler) {
            compiler.hooks.done.tap('packages-imported', (stats) => {
              const compilation = stats.compilation as unknown as Compilation;
              for (const m of compilation.modules) {
                if (m.resource && !packageOf(m.resource) && !m.resource.endsWith('.cjs'))
                  projectFiles.add(path.relative(ROOT, m.resource));
                const pkg = m.resource && packageOf(m.resource);
                if (!pkg) continue;
                for (const { originModule } of compilation.moduleGraph.getIncomingConnections(m)) {
                  const from = originModule?.resource;
                  if (!from || packageOf(from)) continue;
                  imported.set(pkg, (imported.get(pkg) ?? new Set()).add(path.relative(ROOT, from)));
                }
              }
            });
          },
        },
      ],
    }),
  });
  return imported;
}

test('the workflow code imports no package but the SDK and the shared ones', async () => {
  const shared = new Set(SHARED_WORKFLOW_MODULES.filter((m) => !path.isAbsolute(m)));
  const imported = await packagesImported();
  // The bundle was read: the workflows import the SDK, and luxon through the calendar.
  expect(imported.has('@temporalio/workflow')).toBe(true);
  expect(imported.has('luxon')).toBe(true);
  const perWorkflow = [...imported]
    .filter(([pkg]) => !pkg.startsWith('@temporalio/') && !shared.has(pkg))
    .map(([pkg, from]) => `${pkg} (imported by ${[...from].sort().join(', ')})`);
  expect(perWorkflow).toEqual([]);
});

/**
 * The files that hold the workflow functions (and their activity proxies) are evaluated for each
 * workflow; every other project module of the bundle is shared, so that a new workflow does not
 * evaluate it again nor a cached one keep a copy (2026-12-04: about 300 MiB less with 10,100
 * deadlines open). A shared module is frozen and outlives every workflow: it may keep a memo of a pure
 * function (domain/calendar.ts), never a variable that a workflow changes.
 */
test('every project module of the bundle but the workflow functions is shared, and keeps no variable', async () => {
  await packagesImported();
  const perWorkflow = [
    'workflows/index.ts',
    'workflows/campaign.ts',
    'workflows/batch.ts',
    'workflows/deadline.ts',
    'workflows/redelivery.ts',
    'workflows/digest.ts',
  ];
  expect([...projectFiles].filter((f) => perWorkflow.includes(f)).sort()).toEqual([...perWorkflow].sort());
  const shared = new Set(
    SHARED_WORKFLOW_MODULES.filter((m) => path.isAbsolute(m)).map((m) =>
      path.relative(ROOT, m).replace(/\.js$/, '.ts'),
    ),
  );
  expect([...projectFiles].filter((f) => !perWorkflow.includes(f) && !shared.has(f)).sort()).toEqual([]);
  const withVariables = [...shared].filter((f) =>
    /^(export )?(let|var) /m.test(readFileSync(path.join(ROOT, f), 'utf8')),
  );
  expect(withVariables).toEqual([]);
});
