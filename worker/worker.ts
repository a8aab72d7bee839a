/**
 * Builds a worker for the campaign task queue from its dependencies. The same function serves
 * the service, the simulation and the tests (which hand in a test environment's connection).
 */
import {
  bundleWorkflowCode,
  Worker,
  type BundleOptions,
  type NativeConnection,
  type WorkerOptions,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';
import { ledgerBusyInterceptor } from './ledger-busy';

export const WORKFLOWS_PATH = require.resolve('../workflows');

/**
 * Modules every workflow imports that keep no state of a workflow's own: the worker evaluates
 * them once per workflow thread and shares them (frozen), where it would otherwise evaluate them
 * again for every workflow it creates, and keep a copy in each cached one. For a new deadline that
 * was most of its first task: the 260 KB of luxon, and luxon's Intl formatter caches, which
 * started empty in every workflow. Since 2026-12-04 every project module of the bundle but the
 * files of the workflow functions themselves (10,100 deadlines open: RSS median 1.98 GiB in three
 * runs against 2.27 GiB in six, and the first tasks of 5,050 deadlines 10 % less worker CPU).
 * A module listed here must never hold per-workflow state (see the SDK's `preloadModules`);
 * test/architecture/workflow-bundle.test.ts keeps the list complete and free of variables.
 */
export const SHARED_WORKFLOW_MODULES = [
  'luxon',
  require.resolve('../domain/calendar'),
  require.resolve('../domain/workdays'),
  require.resolve('../domain/workday-table'),
  require.resolve('../domain/offsets'),
  require.resolve('../domain/org-slice'),
  require.resolve('../domain/recipients'),
  require.resolve('../domain/deadline-state'),
  require.resolve('../domain/clock'),
  require.resolve('../domain/digest'),
  require.resolve('../domain/dates'),
  require.resolve('../domain/ids'),
  require.resolve('../domain/errors'),
  require.resolve('../domain/grading'),
  require.resolve('../domain/phase-changes'),
  require.resolve('../domain/engine/context'),
  require.resolve('../domain/engine/deadline-opening'),
  require.resolve('../domain/engine/events'),
  require.resolve('../domain/engine/input-check'),
  require.resolve('../domain/engine/inputs'),
  require.resolve('../domain/engine/mail-message'),
  require.resolve('../domain/engine/org-by-reference'),
  require.resolve('../domain/engine/requests'),
  require.resolve('../domain/engine/search-attributes'),
  require.resolve('../workflows/messages'),
  require.resolve('../workflows/patches'),
  require.resolve('../workflows/activity-retry'),
  require.resolve('../workflows/wake'),
  require.resolve('../workflows/deadline-timeline'),
  require.resolve('../workflows/deadline-ladder'),
  require.resolve('../workflows/campaign-phases'),
  require.resolve('../workflows/admission-queue'),
  require.resolve('../workflows/batch-counts'),
  require.resolve('../workflows/stack-depth'),
];

/** How the engine's workflows are bundled, wherever they are: worker, tests, replay, benchmarks. */
export const WORKFLOW_BUNDLER_OPTIONS = { preloadModules: SHARED_WORKFLOW_MODULES };

/** The engine's workflow bundle, built once and handed to many workers (tests, simulation). */
export function bundleWorkflows(logger?: BundleOptions['logger']): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, ...WORKFLOW_BUNDLER_OPTIONS, logger });
}

export interface WorkerSetup {
  connection: NativeConnection;
  namespace?: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** A prebuilt bundle (`bundleWorkflows`) saves the bundling time when many workers start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  options?: Partial<WorkerOptions>;
}

export async function createWorker(setup: WorkerSetup): Promise<Worker> {
  return Worker.create({
    connection: setup.connection,
    namespace: setup.namespace ?? 'default',
    taskQueue: setup.taskQueue,
    activities: createActivities(setup.deps),
    ...(setup.workflowBundle
      ? { workflowBundle: setup.workflowBundle }
      : { workflowsPath: WORKFLOWS_PATH, bundlerOptions: WORKFLOW_BUNDLER_OPTIONS }),
    ...setup.options,
    interceptors: {
      ...setup.options?.interceptors,
      activity: [ledgerBusyInterceptor, ...(setup.options?.interceptors?.activity ?? [])],
    },
  });
}
