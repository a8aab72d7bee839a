/**
 * A ledger whose connections all stayed busy (`LedgerBusyError`, ledger/pool.ts) fails the
 * activity attempt, and waiting is the cure: the attempt is retried with the activity's backoff.
 * Marked benign, the SDK logs it at debug level and counts it in no failure metric, so a fan-out
 * that outruns the pool leaves no warnings behind, only a later attempt.
 */
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';

/** `err` as a benign retryable failure when it is a busy ledger (by name: `instanceof` breaks across realms). */
export function ledgerBusyAsFailure(err: unknown): unknown {
  if (!(err instanceof Error) || err.name !== 'LedgerBusyError') return err;
  return ApplicationFailure.create({
    message: err.message,
    type: err.name,
    nonRetryable: false,
    category: ApplicationFailureCategory.BENIGN,
    cause: err,
  });
}

/** For `WorkerOptions.interceptors.activity`: every activity's busy ledger becomes a benign retry. */
export const ledgerBusyInterceptor: ActivityInterceptorsFactory = () => ({
  inbound: {
    execute: async (input, next) => {
      try {
        return await next(input);
      } catch (err) {
        throw ledgerBusyAsFailure(err);
      }
    },
  },
});
