/** The workflows the worker registers. */
import type {
  BatchWorkflow,
  DeadlineWorkflow,
  DigestWorkflow,
  RedeliveryWorkflow,
  WORKFLOW_TYPES,
} from '../domain/engine/inputs';
import { batchWorkflow } from './batch';
import { deadlineWorkflow } from './deadline';
import { digestWorkflow } from './digest';
import { redeliveryWorkflow } from './redelivery';
// Preloaded before the sandbox is frozen: the stack depth of every workflow (see the module).
import './stack-depth';

export { campaignWorkflow } from './campaign';
export { batchWorkflow, deadlineWorkflow, digestWorkflow, redeliveryWorkflow };

// The activities start these by name (WORKFLOW_TYPES) with the types in domain/engine/inputs.ts:
// this stops compiling if a name or a signature parts from what they are started with.
const _startedByName: {
  [WORKFLOW_TYPES.batch]: BatchWorkflow;
  [WORKFLOW_TYPES.deadline]: DeadlineWorkflow;
  [WORKFLOW_TYPES.redelivery]: RedeliveryWorkflow;
  [WORKFLOW_TYPES.digest]: DigestWorkflow;
} = {
  batchWorkflow,
  deadlineWorkflow,
  redeliveryWorkflow,
  digestWorkflow,
};
void _startedByName;
