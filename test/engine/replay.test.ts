/**
 * Campaigns run for years, so the code changes under running workflows. Every history in
 * test/fixtures/histories (recorded by scripts/record-histories.ts from a rehearsal, one set per
 * release) must replay on the current workflow code and SDK without a determinism error.
 *
 * v0.1 was recorded before deadlines recorded a `deadline-closed` event for answered
 * deadlines; that change is guarded by `patched('record-closed-outcome')` in
 * workflows/deadline.ts. Without the guard, the v0.1 deadlines that were answered would meet
 * a new activity command on replay and fail here.
 *
 * v0.1 and v0.2 started batches as children of the campaign; v0.3 starts them through an
 * activity (`patched('batches-started-by-activity')` in workflows/campaign.ts). Without that
 * guard the older campaign histories fail here.
 *
 * v0.4 stopped cancelling wake timers (`patched('wake-timers-never-cancelled')` in the campaign
 * and the deadline; workflows/wake.ts says why).
 *
 * v0.5 starts a batch's deadlines through an activity instead of as its children
 * (`patched('deadlines-started-by-activity')` in workflows/batch.ts).
 *
 * v0.6 hands that activity the batch instead of every deadline's input, and the activity opens
 * the deadlines (`patched('opening-by-starter')` in workflows/batch.ts); the campaign announces
 * a phase and opens its cycles together (`patched('announce-alongside-launch')` in
 * workflows/campaign.ts). Without either guard the v0.5 batch or campaign fails here.
 *
 * v0.7 starts the batches of the cycles being opened within a budget of bytes in flight
 * (`patched('batch-starts-within-budget')` in workflows/campaign.ts), so that no workflow task
 * carries more than Temporal's 4 MiB message. The mini plan's batches are far below the budget
 * and get the same commands either way, so this corpus shows the new code replays the old
 * histories and its own; history-limits.test.ts shows the budget holds.
 *
 * v0.8 changes no workflow's commands for a history already running, so it needs no guard: the
 * starter activity starts a batch's deadlines before it mails their notices, and a deadline
 * whose input says so (`opening.notice.status: 'after-start'`, a value only the new starter
 * writes) counts its notice as done, as before, without a rejection to follow up. The mini
 * plan's deadlines open before their notices are due, so none of this corpus carries that
 * value; deadline-starter.test.ts runs such deadlines.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { WORKFLOWS_PATH, WORKFLOW_BUNDLER_OPTIONS } from '../../worker/worker';

const DIR = path.join(__dirname, '..', 'fixtures', 'histories');

function corpus(): { workflowId: string; history: temporal.api.history.v1.IHistory; file: string }[] {
  return readdirSync(DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      const { workflowId, history } = JSON.parse(readFileSync(path.join(DIR, file), 'utf8')) as {
        workflowId: string;
        history: string;
      };
      return { file, workflowId, history: temporal.api.history.v1.History.decode(Buffer.from(history, 'base64')) };
    });
}

describe('replaying recorded histories', () => {
  it('the corpus holds histories of eight releases, of every workflow type', () => {
    const files = corpus().map((h) => h.file);
    for (const release of ['v0.1', 'v0.2', 'v0.3', 'v0.4', 'v0.5', 'v0.6', 'v0.7', 'v0.8'])
      expect(files.filter((f) => f.startsWith(`${release}--`)).length).toBeGreaterThanOrEqual(7);
  });

  it('every history replays on the current code', async () => {
    const histories = corpus();
    const results: { workflowId: string; error?: unknown }[] = [];
    // Saved histories lack their workflow id; child ids derive from it, so replay with the original.
    for await (const r of Worker.runReplayHistories(
      { workflowsPath: WORKFLOWS_PATH, bundlerOptions: WORKFLOW_BUNDLER_OPTIONS },
      histories.map(({ workflowId, history }) => ({ workflowId, history })),
    )) {
      results.push({ workflowId: r.workflowId, error: r.error });
    }
    expect(results).toHaveLength(histories.length);
    expect(results.filter((r) => r.error !== undefined).map((r) => `${r.workflowId}: ${String(r.error)}`)).toEqual([]);
  });
});
