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
 * again for every workflow it creates. For a new deadline that was most of its first task: the
 * 260 KB of luxon, and luxon's Intl formatter caches, which started empty in every workflow.
 * A module listed here must never hold per-workflow state (see the SDK's `preloadModules`).
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
