/**
 * How many frames a stack trace keeps inside the workflow sandbox. For the stack-trace query (the
 * UI's "Stack Trace" tab) the SDK captures a stack trace for every promise a workflow creates and
 * maps each frame through the bundle's source map. At V8's default of ten frames most of them are
 * the SDK's own (activation, handlers, lifecycle logging), which it maps and then cuts off. In
 * profiles of the 100-branch rehearsal (2026-12-04) the hook took 2.3 s of the workflow thread's
 * 8.6 s busy at ten frames, 0.9 s of 6.1 s at three; the rehearsal ran about a tenth faster.
 * Three frames keep what the query and a workflow's failure show of our code: where a workflow
 * waits (`recordEvents` ← `open` in deadline.ts), where it threw (`refuseUnusableInput`).
 *
 * It must be set before the worker freezes the sandbox's globals, so this module is preloaded
 * (SHARED_WORKFLOW_MODULES). Evaluated after the freeze (a bundle built without that list) it
 * changes nothing rather than throw: the workflows then run as before, with ten frames.
 * test/engine/workflow-stack-traces.test.ts checks both what the frames show and how many there are.
 */
export const WORKFLOW_STACK_FRAMES = 3;

if (Object.getOwnPropertyDescriptor(Error, 'stackTraceLimit')?.writable !== false)
  Error.stackTraceLimit = WORKFLOW_STACK_FRAMES;
