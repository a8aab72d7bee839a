/**
 * The registry's retirement path (workflows/patches.ts, "How it is retired"), run for real: a
 * workflow whose patch is `'deprecated'` goes through `isPatched` to `deprecatePatch()`, writes a
 * deprecated marker in a new run, and a history written while the patch was `'patched'` (marker
 * and all) still replays on the code with the old branch deleted. No registry entry is deprecated
 * yet, so the replay corpus cannot show this; two versions of a small workflow on the
 * time-skipping server do.
 */
import path from 'node:path';
import { bundleWorkflowCode, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { defaultPayloadConverter } from '@temporalio/common';
import type { WorkflowHandle } from '@temporalio/client';
import { createTimeSkippingEnv } from '../../worker/servers';
import { RETIRING_PATCH } from './patch-retirement/patched';

type History = Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;

describe('retiring a patch', () => {
  let env: TestWorkflowEnvironment;
  let bundles: Record<'patched' | 'deprecated', WorkflowBundleWithSourceMap>;
  beforeAll(async () => {
    env = await createTimeSkippingEnv();
    const bundle = (stage: string) =>
      bundleWorkflowCode({ workflowsPath: path.join(__dirname, 'patch-retirement', `${stage}.ts`) });
    bundles = { patched: await bundle('patched'), deprecated: await bundle('deprecated') };
  });
  afterAll(async () => {
    await env?.teardown();
  });

  /** Runs the workflow on the code of one stage; its result and history. */
  async function run(stage: 'patched' | 'deprecated'): Promise<{ result: string; history: History }> {
    const taskQueue = `patch-retirement-${stage}`;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: bundles[stage],
    });
    return worker.runUntil(async () => {
      const handle = await env.client.workflow.start('retiringPatchWorkflow', {
        taskQueue,
        workflowId: `patch-retirement-${stage}`,
      });
      const result = await handle.result();
      return { result: result as string, history: await handle.fetchHistory() };
    });
  }

  /** The patch markers of a history, as the SDK's core writes them (sdk-core's build_has_change_marker_details): the id and whether deprecated. */
  function patchMarkers(history: History): { id: string; deprecated: boolean }[] {
    return (history.events ?? [])
      .map((e) => e.markerRecordedEventAttributes)
      .filter((m) => m?.markerName === 'core_patch')
      .map((m) =>
        defaultPayloadConverter.fromPayload<{ id: string; deprecated: boolean }>(
          m!.details!['patch-data']!.payloads![0]!,
        ),
      );
  }

  it('calls deprecatePatch for a deprecated patch, and replays a history written while it was patched', async () => {
    const patched = await run('patched');
    expect(patched.result).toBe('new branch');
    expect(patchMarkers(patched.history)).toEqual([{ id: RETIRING_PATCH.id, deprecated: false }]);

    // isPatched calls deprecatePatch(), not patched(): the marker says so.
    const deprecated = await run('deprecated');
    expect(deprecated.result).toBe('new branch');
    expect(patchMarkers(deprecated.history)).toEqual([{ id: RETIRING_PATCH.id, deprecated: true }]);

    // A run that started while the patch was 'patched' carries on after the old branch is deleted.
    await Worker.runReplayHistory({ workflowBundle: bundles.deprecated }, patched.history, 'patched-run');
    // And a history of the deprecated code replays on it too (the corpus recorded after deprecation).
    await Worker.runReplayHistory({ workflowBundle: bundles.deprecated }, deprecated.history, 'deprecated-run');
  });
});
