/**
 * The same workflow once its patch is `'deprecated'` (workflows/patches.ts, "How it is retired"):
 * the old branch deleted, the registry entry's stage changed, the `isPatched` call kept.
 */
import { sleep } from '@temporalio/workflow';
import { isPatched } from '../../../workflows/patches';
import { RETIRING_PATCH } from './patched';

export async function retiringPatchWorkflow(): Promise<string> {
  if (!isPatched({ ...RETIRING_PATCH, stage: 'deprecated' })) throw new Error('a deprecated patch is always taken');
  await sleep('1 minute');
  return 'new branch';
}
