/** The workflows the worker registers. */
import type { BatchWorkflow, DeadlineWorkflow, WORKFLOW_TYPES } from '../domain/engine/inputs';
import { batchWorkflow } from './batch';
import { deadlineWorkflow } from './deadline';
// Preloaded before the sandbox is frozen: the stack depth of every workflow (see the module).
import './stack-depth';

export { campaignWorkflow } from './campaign';
export { batchWorkflow, deadlineWorkflow };

// The activities start these by name (WORKFLOW_TYPES) with the types in domain/engine/inputs.ts:
// this stops compiling if a name or a signature parts from what they are started with.
const _startedByName: {
  [WORKFLOW_TYPES.batch]: BatchWorkflow;
  [WORKFLOW_TYPES.deadline]: DeadlineWorkflow;
} = {
  batchWorkflow,
  deadlineWorkflow,
};
void _startedByName;
