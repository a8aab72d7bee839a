/** The workflows the worker registers. */
export { campaignWorkflow } from './campaign';
export { batchWorkflow } from './batch';
export { deadlineWorkflow } from './deadline';
