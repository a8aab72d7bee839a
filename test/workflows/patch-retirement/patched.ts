/**
 * A workflow as it stands while its patch is `'patched'`: the old branch kept, the new one behind
 * `isPatched`. The new branch waits on a timer the old one does not, so a history that took one
 * branch cannot replay through the other.
 */
import { sleep } from '@temporalio/workflow';
import { isPatched, type Patch } from '../../../workflows/patches';

export const RETIRING_PATCH: Patch = {
  id: 'retiring-patch-under-test',
  workflow: 'deadline',
  addedIn: 'v0.0',
  guards: 'a timer before the result (a command the old branch does not give)',
  retireWhen: 'never: it exists for test/workflows/patch-retirement.test.ts',
  stage: 'patched',
};

export async function retiringPatchWorkflow(): Promise<string> {
  if (isPatched(RETIRING_PATCH)) {
    await sleep('1 minute');
    return 'new branch';
  }
  return 'old branch';
}
