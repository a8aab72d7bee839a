/**
 * The engine's side effects: thin wrappers over the ledger and the mailer. Dependencies come
 * in as arguments (tests hand in a real SQLite ledger and a real SMTP or outbox mailer).
 * Failures become ApplicationFailures: retryable when waiting may help (a database or mail
 * server that is down), not retryable when it cannot (bad input).
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure, WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import type { BatchInput } from '../workflows/batch';
import type { DeadlineInput } from '../workflows/deadline';
import {
  deadlineSearchAttributesOf,
  dueNotice,
  initialSteps,
  openedEvent,
  reportDeadlineInput,
  type StartDeadlinesRequest,
} from '../workflows/deadline-start';
import type { LedgerEvent, LedgerStore, LedgerUnit } from '../ledger/types';
import type { DeadlineMessage, Mailer, Recipient, SendResult } from '../mail/types';

export interface ActivityDeps {
  ledger: LedgerStore;
  mailer: Mailer;
  /** For starting batches (see `startBatch`). */
  client: Client;
}

export interface AnnouncementTarget {
  unitId: string;
  unitName: string;
  to: Recipient[];
}

export interface AnnounceRequest {
  /** The phase-started message, less what differs per unit. */
  message: Omit<DeadlineMessage, 'unitId' | 'unitName' | 'to' | 'cc'>;
  targets: AnnouncementTarget[];
}

export interface AnnounceResult {
  sent: number;
  alreadySent: number;
  failed: string[];
}

/** Mail errors that waiting cannot fix, by the `name` the mail module gives them. */
const PERMANENT_MAIL_ERRORS = new Set(['MailConfigError', 'MailTemplateError', 'MailValidationError']);

function asFailure(err: unknown): unknown {
  if (err instanceof Error && PERMANENT_MAIL_ERRORS.has(err.name)) {
    return ApplicationFailure.nonRetryable(err.message, err.name);
  }
  return err;
}

export function createActivities(deps: ActivityDeps) {
  return {
    async recordEvents(events: LedgerEvent[]): Promise<number> {
      return deps.ledger.recordMany(events);
    },

    async registerUnits(units: LedgerUnit[]): Promise<void> {
      await deps.ledger.upsertUnits(units);
    },

    async sendMessage(message: DeadlineMessage): Promise<SendResult> {
      try {
        return await deps.mailer.send(message);
      } catch (err) {
        throw asFailure(err);
      }
    },

    /**
     * Starts one batch of a cycle as a workflow of its own rather than as a child of the
     * campaign: batches outlive every campaign run (continue-as-new), and a child whose parent
     * continued-as-new stops skipping time on Temporal's Java test server (sdk-java#1540), which
     * would turn a rehearsal into a real-time wait. The id is deterministic and a closed batch is
     * never started again, so a retry after a crash starts nothing twice.
     */
    async startBatch(input: BatchInput): Promise<'started' | 'already-started'> {
      try {
        await deps.client.workflow.start('batchWorkflow', {
          workflowId: input.batchId,
          taskQueue: Context.current().info.taskQueue,
          workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
          args: [input],
        });
        return 'started';
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError) return 'already-started';
        throw err;
      }
    },

    /**
     * Starts the report deadlines of one batch, 32 at a time, as workflows of their own (see
     * workflows/batch.ts for why not as children). Deterministic ids and a closed deadline never
     * started again make a retry start only what is missing; progress is heartbeated.
     *
     * Since v0.6 a batch hands in itself, and the activity also does each deadline's first work: one ledger
     * write records every opening, and the notice of each deadline whose notice is due goes out
     * before the deadline starts, which then knows it (`DeadlineInput.opening`). A deadline
     * so started costs the server one workflow task instead of five and two activities. Mail
     * and ledger are idempotent by their keys, so a retry sends and records nothing twice.
     */
    async startDeadlines(
      request: DeadlineInput[] | StartDeadlinesRequest,
    ): Promise<{ started: number; alreadyStarted: number }> {
      // Batches before v0.6 hand in the inputs themselves.
      const inputs = Array.isArray(request)
        ? request
        : request.batch.unitIds.map((unitId) => reportDeadlineInput(request.batch, unitId));
      const opening = Array.isArray(request) ? undefined : { at: request.openedAt };
      const ctx = Context.current();
      const taskQueue = ctx.info.taskQueue;
      if (opening) await deps.ledger.recordMany(inputs.map(openedEvent));
      // A batch's deadlines share the plan, the obligation and the cycle's instants, so their
      // steps are the same: worked out once, not once per deadline (a profile of the fan-out
      // found the calendar arithmetic a tenth of the starter's time).
      const steps = opening && inputs[0] ? initialSteps(inputs[0]) : undefined;
      let next = 0;
      let started = 0;
      let alreadyStarted = 0;
      const withOpening = async (input: DeadlineInput, at: string): Promise<DeadlineInput> => {
        const due = dueNotice(input, at, steps);
        if (!due) return { ...input, opening: { at } };
        let sent: SendResult;
        try {
          sent = await deps.mailer.send(due.built.message);
        } catch (err) {
          throw asFailure(err);
        }
        return { ...input, opening: { at, notice: { step: due.step.step, status: sent.status } } };
      };
      await Promise.all(
        Array.from({ length: Math.min(32, inputs.length) }, async () => {
          while (next < inputs.length) {
            const given = inputs[next++]!;
            const input = opening ? await withOpening(given, opening.at) : given;
            try {
              await deps.client.workflow.start('deadlineWorkflow', {
                workflowId: input.deadlineId,
                taskQueue,
                workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
                typedSearchAttributes: input.ctx.options.searchAttributes
                  ? deadlineSearchAttributesOf(input)
                  : undefined,
                args: [input],
              });
              started++;
            } catch (err) {
              if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
              alreadyStarted++;
            }
            ctx.heartbeat(started + alreadyStarted);
          }
        }),
      );
      return { started, alreadyStarted };
    },

    /**
     * Tells every unit that a phase has started: one activity for thousands of messages keeps
     * the campaign's history small. Each message has its own dedupe key, so a retry after a
     * crash resumes where the previous attempt stopped; progress is heartbeated.
     */
    async announcePhase(req: AnnounceRequest): Promise<AnnounceResult> {
      const ctx = Context.current();
      const start = typeof ctx.info.heartbeatDetails === 'number' ? ctx.info.heartbeatDetails : 0;
      const result: AnnounceResult = { sent: 0, alreadySent: 0, failed: [] };
      for (let i = start; i < req.targets.length; i++) {
        const t = req.targets[i]!;
        if (t.to.length === 0) {
          result.failed.push(t.unitId);
          continue;
        }
        let r: SendResult;
        try {
          r = await deps.mailer.send({ ...req.message, unitId: t.unitId, unitName: t.unitName, to: t.to });
        } catch (err) {
          throw asFailure(err);
        }
        if (r.status === 'sent') result.sent += 1;
        else if (r.status === 'already-sent') result.alreadySent += 1;
        else result.failed.push(t.unitId);
        ctx.heartbeat(i + 1);
      }
      return result;
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
