/**
 * The engine's side effects: thin wrappers over the ledger and the mailer. Dependencies come
 * in as arguments (tests hand in a real SQLite ledger and a real SMTP or outbox mailer).
 * Failures become ApplicationFailures: retryable when waiting may help (a database or mail
 * server that is down), not retryable when it cannot (bad input).
 */
import { setMaxListeners } from 'node:events';
import { Context } from '@temporalio/activity';
import { ApplicationFailure, WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import {
  SIGNAL_NAMES,
  WORKFLOW_TYPES,
  REDELIVERY_WINDOW,
  type RedeliveryInput,
  type BatchByReference,
  type BatchInput,
  type OrgRef,
  type BatchWorkflow,
  type DeadlineInput,
  type DeadlineWorkflow,
  type LegacyStartDeadlinesRequest,
  type SharedStepRequest,
  type StartDeadlinesRequest,
  type DigestRequest,
  type DigestResult,
} from '../domain/engine/inputs';
import { digestsOf, type DigestLine } from '../domain/digest';
import { cycleLabelOfKey } from '../domain/calendar';
import { recipientsFor } from '../domain/recipients';
import { campaignWorkflowId } from '../domain/engine/context';
import {
  deadlineSearchAttributesOf,
  dueNotice,
  initialSteps,
  messageSubjectOf,
  openedEvent,
  rejectedMailFallback,
  reportDeadlineInputs,
  stepAftermath,
} from '../domain/engine/deadline-opening';
import { buildMessage, parentInStead, parentInSteadEvent } from '../domain/engine/mail-message';
import {
  announcementTargets,
  batchUnitIds,
  ledgerUnitsOf,
  orgFactsOf,
  type AnnouncementTarget,
  type OrgFacts,
} from '../domain/engine/org-by-reference';
import { orgProblems } from '../domain/engine/input-check';
import { orgSlice, responsibleUnits } from '../domain/org-slice';
import type { Org } from '../domain/org-schema';
import type { Obligation } from '../domain/plan-schema';
import { inLanes, StartGate } from './concurrency';
import { createStopActivities } from './campaign-stop';
import { CurrentContacts } from '../mail/current-contacts';
import { keepHeartbeating, starterProgressOf, Watermark, type StarterProgress } from './progress';
import type { LedgerEvent, LedgerStore, LedgerUnit } from '../ledger/types';
import { parsedOrgVersions, reimportedOrg } from '../ledger/org-versions';
import type { DeadlineChange, DeadlineReport } from '../domain/engine/requests';
import type { DeadlineMessage, DigestMailLine, Mailer, SendResult } from '../mail/types';
import { startRedelivery } from '../client/redelivery';
import { workflowRunning } from '../client/workflow-running';
import { notRedelivered } from '../mail';

export interface ActivityDeps {
  ledger: LedgerStore;
  mailer: Mailer;
  /** For starting batches (see `startBatch`). */
  client: Client;
  /** How long a campaign's re-imported contacts are trusted before the ledger is asked again (mail/current-contacts.ts). */
  contactsFreshMs?: number;
}

export type { AnnouncementTarget };

export interface AnnounceRequest {
  /** The phase-started message, less what differs per unit. */
  message: Omit<DeadlineMessage, 'unitId' | 'unitName' | 'to' | 'cc'>;
  /** Empty when `orgRef` is given: the targets are then every unit of the stored organisation (`announcementTargets`). */
  targets: AnnouncementTarget[];
  /** Since v0.13: the organisation by reference. */
  orgRef?: OrgRef;
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

/**
 * Workflow starts in flight from one worker (see `StartGate`). A cycle's batches all start
 * together: at 32 each, 21 batches put 670 starts on the server at once, and the dev server
 * then took fewer a second than a loop of 64 (the bench's yardstick). The opening mail waits
 * for the starts (`afterStarts`): on two cores it took its CPU from them, and a deadline that
 * exists is worth more than a notice a minute sooner.
 */
const STARTS_IN_FLIGHT = 64;

/**
 * What a deadline started by this release's starter may do that one started before may not (its
 * history would then differ): the branch follows the input, which no older starter wrote, so no
 * `patched()` marker is needed (workflows/patches.ts, v0.18).
 */
export const SINCE_V0_18 = { wakesOnlyForVisibility: true, closesInOneTask: true } as const;

export function createActivities(deps: ActivityDeps) {
  const starts = new StartGate(STARTS_IN_FLIGHT);
  /**
   * One batch at a time works out its deadlines' inputs and records their openings: the 21
   * batches of the bench's fan-out, all preparing at once, held the first start back half a
   * second (the ledger's writes queue, and the preparing is CPU on the one event loop); in turn,
   * the first batch's starts go out while the others prepare.
   */
  const preparing = new StartGate(1);
  /**
   * Waits until this worker has no workflow start queued or in flight, heartbeating `details`
   * every few seconds: the opening mail (notices, announcements) gives way to the starts.
   */
  const afterStarts = async (details: unknown): Promise<void> => {
    while (starts.pending > 0) {
      await Promise.race([starts.idle(), new Promise<void>((resolve) => setTimeout(resolve, 5_000))]);
      Context.current().heartbeat(details);
    }
  };
  const storedOrg = (ref: OrgRef): Promise<Org> =>
    parsedOrgVersions(deps.ledger)(ref.hash).then((found) => {
      // Not retryable: the hash came from a campaign's input, and the ledger never deletes a version.
      if (!found)
        throw ApplicationFailure.nonRetryable(
          `organisation version ${ref.version} (${ref.hash}) is not in the ledger: the worker's ledger is not the one the campaign was started with`,
          'OrgVersionMissing',
        );
      return found;
    });
  /** A batch with its slice of the organisation: its own, or (by reference) cut from the stored version. */
  const withOrg = async (batch: BatchInput): Promise<BatchInput> => {
    if (batch.org) return batch;
    if (!batch.orgRef) throw ApplicationFailure.nonRetryable(`batch ${batch.batchId} has no organisation`, 'BadInput');
    return { ...batch, org: orgSlice(await storedOrg(batch.orgRef), batch.unitIds) };
  };
  /**
   * Sends with the activity's cancellation signal: a worker stopping past its grace
   * (SHUTDOWN_GRACE_SECONDS) aborts the send, and the attempt goes back to Temporal for another
   * worker to retry; until then the send runs to its end.
   */
  const contacts = new CurrentContacts(deps.ledger, storedOrg, deps.contactsFreshMs);
  /** Every mail of the engine goes through here: to the contacts of the campaign's latest re-import. */
  const sendOrFail = async (built: DeadlineMessage): Promise<SendResult> => {
    const signal = Context.current().cancellationSignal;
    // The sends of one activity run up to 32 at a time (`inLanes`), and nodemailer's mailer and
    // pool each listen to the activity's one signal until a send ends: up to 64 listeners, where
    // Node warns of a leak past 10.
    setMaxListeners(128, signal);
    let sent: SendResult;
    try {
      sent = await contacts.send(deps.mailer, built, { signal });
    } catch (err) {
      throw asFailure(err);
    }
    // Those the server deferred are asked again by a workflow of their own (client/redelivery.ts).
    if (sent.deferred?.length)
      await startRedelivery(deps.client, Context.current().info.taskQueue, {
        message: built,
        recipients: sent.deferred,
      });
    return sent;
  };

  /**
   * The organisation whose contacts a campaign's mail goes to now: its latest re-import's, else
   * the version it was started with (the latest stored); undefined for a campaign that carries its
   * organisation in its input and was never re-imported.
   */
  const orgNow = async (campaignId: string): Promise<Org | undefined> => {
    const ref = (await reimportedOrg(deps.ledger, campaignId)) ?? (await deps.ledger.orgVersions(campaignId)).at(-1);
    return ref && storedOrg(ref);
  };

  /** A deadline's change of colour, to the batch that counts it. */
  const tellBatch = ({ batchWorkflowId, change }: DeadlineReport): Promise<void> =>
    deps.client.workflow.getHandle(batchWorkflowId).signal<[DeadlineChange]>(SIGNAL_NAMES.deadlineChanged, change);

  return {
    ...createStopActivities(deps.client),

    async recordEvents(events: LedgerEvent[]): Promise<number> {
      return deps.ledger.recordMany(events);
    },

    /**
     * Ledger events of a deadline, then its new colour to its batch (since v0.16,
     * `COLOUR_REPORTS_IN_ACTIVITIES`): one activity where the deadline spent an activity and a
     * signal, a workflow task each. The report goes after the write, so a batch (and then its
     * campaign) never finishes before the ledger holds every closing; a retry records nothing
     * twice (the events' ids) and tells the batch the same colour again, which changes nothing.
     */
    async recordAndReport(req: { events: LedgerEvent[]; report: DeadlineReport }): Promise<number> {
      const recorded = await deps.ledger.recordMany(req.events);
      await tellBatch(req.report);
      return recorded;
    },

    async registerUnits(units: LedgerUnit[]): Promise<void> {
      await deps.ledger.upsertUnits(units);
    },

    /** `registerUnits` for a campaign that holds its organisation by reference (since v0.13). */
    async registerOrgUnits(req: { campaignId: string; orgRef: OrgRef }): Promise<number> {
      const units = ledgerUnitsOf(req.campaignId, await storedOrg(req.orgRef));
      await deps.ledger.upsertUnits(units);
      return units.length;
    },

    /**
     * What a campaign holding its organisation by reference needs to know of it (since v0.13),
     * checked as a campaign checks an organisation in its input: one that cannot be used fails
     * the campaign for good, naming the field.
     */
    async orgFacts(req: { orgRef: OrgRef; obligations: Pick<Obligation, 'key' | 'submitters'>[] }): Promise<OrgFacts> {
      const org = await storedOrg(req.orgRef);
      const problems = orgProblems(org);
      if (problems.length > 0)
        throw ApplicationFailure.create({
          type: 'CampaignInputInvalid',
          nonRetryable: true,
          message: `the stored organisation cannot be used: ${problems.slice(0, 5).join('; ')}`,
          details: [problems],
        });
      return orgFactsOf(org, req.obligations);
    },

    /**
     * The units, their parents and the office, from the stored organisation (since v0.14): what a
     * campaign holding its organisation by reference needs of the one unit an event concerns.
     */
    async orgSliceOf(req: { orgRef: OrgRef; unitIds: string[] }): Promise<Org> {
      return orgSlice(await storedOrg(req.orgRef), req.unitIds);
    },

    /**
     * For each cycle, the units of the stored version responsible for it that have no deadline
     * in it in the ledger, in the organisation's order (since v0.23, `joinOpenCycles`): the units
     * new since the cycle opened, such as a branch founded in the middle of a quarter.
     */
    async unitsWithoutDeadline(req: {
      campaignId: string;
      orgRef: OrgRef;
      cycles: { obligationKey: string; cycleKey: string; submitters: Obligation['submitters'] }[];
    }): Promise<string[][]> {
      const org = await storedOrg(req.orgRef);
      return Promise.all(
        req.cycles.map(async (c) => {
          const rows = await deps.ledger.deadlineRows({
            campaignId: req.campaignId,
            obligationKey: c.obligationKey,
            cycleKey: c.cycleKey,
          });
          const has = new Set(rows.map((r) => r.unitId));
          return responsibleUnits(org, c).filter((u) => !has.has(u));
        }),
      );
    },

    async sendMessage(message: DeadlineMessage): Promise<SendResult> {
      return sendOrFail(message);
    },

    /** A message again, to those the server deferred, at the current contacts' headers (workflows/redelivery.ts). */
    async redeliver(input: RedeliveryInput): Promise<{ accepted: string[]; rejected: string[] }> {
      const signal = Context.current().cancellationSignal;
      try {
        return await deps.mailer.redeliver(await contacts.readdress(input.message), input.recipients, { signal });
      } catch (err) {
        throw asFailure(err);
      }
    },

    /**
     * Those still deferred when the window closed, recorded as refused with the server's last
     * answer. A report step's mail to the unit alone that its address never took goes to the
     * unit's parent in its stead (`parentInStead`), as a refusal's does: else nobody would pass
     * on a reminder that a full mailbox swallowed. A retry finds it sent by its key.
     */
    async abandonRedelivery(input: RedeliveryInput & { reason: string }): Promise<string[]> {
      const given = await deps.mailer.abandon(
        input.message,
        input.recipients,
        `deferred, not delivered within ${REDELIVERY_WINDOW}: ${input.reason}`,
      );
      const message = await contacts.readdress(input.message);
      const unheard = await notRedelivered(deps.ledger, input.message, input.recipients);
      const org = unheard.length > 0 ? await orgNow(message.campaignId) : undefined;
      const instead = org && parentInStead(message, org, unheard);
      if (instead) {
        await sendOrFail(instead);
        // Recorded once it went, as a refusal's fallback is: the same id on a retry.
        const told = parentInSteadEvent(instead, org);
        if (told) await deps.ledger.record(told);
      }
      return given;
    },

    /** A step's mail, then the deadline's new colour to its batch, as `recordAndReport` does (since v0.16). */
    async sendAndReport(req: { message: DeadlineMessage; report: DeadlineReport }): Promise<SendResult> {
      const sent = await sendOrFail(req.message);
      await tellBatch(req.report);
      return sent;
    },

    /**
     * Starts one batch of a cycle as a workflow of its own rather than as a child of the
     * campaign: batches outlive every campaign run (continue-as-new), and a child whose parent
     * continued-as-new stops skipping time on Temporal's Java test server (sdk-java#1540), which
     * would turn a rehearsal into a real-time wait. The id is deterministic and a closed batch is
     * never started again, so a retry after a crash starts nothing twice.
     */
    async startBatch(request: BatchInput | BatchByReference): Promise<'started' | 'already-started'> {
      // By reference (since v0.13) the batch gets its units' ids and the reference, not a slice.
      const input: BatchInput =
        'index' in request
          ? {
              ctx: request.ctx,
              batchId: request.batchId,
              obligation: request.obligation,
              cycle: request.cycle,
              unitIds: batchUnitIds(await storedOrg(request.orgRef), request.obligation, request.index, request.size),
              orgRef: request.orgRef,
            }
          : request;
      try {
        await deps.client.workflow.start<BatchWorkflow>(WORKFLOW_TYPES.batch, {
          workflowId: input.batchId,
          taskQueue: Context.current().info.taskQueue,
          workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
          workflowTaskTimeout: input.ctx.options.workflowTaskTimeoutMs,
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
     * Since v0.6 a batch hands in itself, and the activity also does each deadline's first work:
     * one ledger write records every opening, and the notice of each deadline whose notice is
     * due goes out from here, and the deadline knows it (`DeadlineInput.opening`). A deadline so
     * started costs the server one workflow task instead of five and two activities.
     *
     * Since v0.8 every deadline is started before any notice goes out, and a rejected notice is
     * followed up here (its parent told, the escalation recorded) rather than by the deadline.
     * The deadlines exist as soon as the server can take them, whatever the mail server does:
     * an SMTP outage used to stop the fan-out at the first notice. Mail and ledger are
     * idempotent by their keys, so a retry sends and records nothing twice.
     *
     * A retry resumes (activities/progress.ts): the heartbeat details say whether every deadline
     * exists and up to which one the notices are done, and the attempt heartbeats them every two
     * seconds. A retry used to begin all over again (every start asked of the server again, every
     * notice gone through again), each time a worker was killed.
     */
    async startDeadlines(
      request: StartDeadlinesRequest | LegacyStartDeadlinesRequest,
    ): Promise<{ started: number; alreadyStarted: number }> {
      // A v0.5 batch hands in the inputs themselves and leaves the openings to the deadlines
      // (workflows/patches.ts, OPENING_BY_STARTER, says until when one may still be running).
      const openedAt = Array.isArray(request) ? undefined : request.openedAt;
      const sharedSteps = Array.isArray(request) ? undefined : request.sharedSteps;
      // The colour its batch counts them in, when they open late (since v0.19): visibility too.
      const startedAs = Array.isArray(request) ? undefined : request.startedAs;
      const ctx = Context.current();
      const taskQueue = ctx.info.taskQueue;
      // What an earlier attempt got done (its worker killed, or the mail server away): this one
      // goes on from there, and says how far it got every few seconds, whatever it waits on.
      const progress: StarterProgress = { ...starterProgressOf(ctx.info.heartbeatDetails) };
      const stopHeartbeating = keepHeartbeating(() => progress);
      // An attempt the server gave up on (its heartbeat lost) takes no new item: its retry does them.
      const notCancelled = (): void => {
        if (ctx.cancellationSignal.aborted) throw ctx.cancellationSignal.reason ?? new Error('cancelled');
      };
      const result = (): { started: number; alreadyStarted: number } => ({
        started: progress.started,
        alreadyStarted: progress.alreadyStarted,
      });
      try {
        // By reference (since v0.13) the batch's slice is cut from the stored organisation.
        const prepare = async () => {
          const batch = Array.isArray(request) ? undefined : await withOrg(request.batch);
          const given = Array.isArray(request) ? request : reportDeadlineInputs(batch!, batch!.unitIds);
          // A batch's deadlines share the plan, the obligation and the cycle's instants, so their
          // steps are the same: worked out once, not once per deadline.
          const steps = openedAt && given[0] ? initialSteps(given[0]) : undefined;
          const notices = openedAt ? given.map((input) => dueNotice(input, openedAt, steps)) : [];
          const inputs: DeadlineInput[] = openedAt
            ? given.map((input, i) => {
                const due = notices[i];
                return {
                  ...input,
                  opening: {
                    at: openedAt,
                    ...(due ? { notice: { step: due.step.step, status: 'after-start' as const } } : {}),
                    ...(sharedSteps ? { sharedSteps, ...SINCE_V0_18 } : {}),
                    ...(startedAs ? { startedAs } : {}),
                  },
                };
              })
            : given;
          return { inputs, notices };
        };
        let prepared: Awaited<ReturnType<typeof prepare>>;
        if (progress.startsDone) prepared = await prepare();
        else {
          // From the first step on, this worker's opening mail waits (`afterStarts`): the starts this
          // leads to are not queued yet while the organisation is read and the openings are written.
          prepared = await starts.holding(async () => {
            const p = await preparing.run(async () => {
              const inTurn = await prepare();
              if (openedAt) await deps.ledger.recordMany(inTurn.inputs.map(openedEvent));
              return inTurn;
            });
            // Counted afresh: deadlines an attempt killed mid-way started are found started now.
            progress.started = 0;
            progress.alreadyStarted = 0;
            await inLanes(32, p.inputs, async (input) => {
              notCancelled();
              try {
                await starts.run(() =>
                  deps.client.workflow.start<DeadlineWorkflow>(WORKFLOW_TYPES.deadline, {
                    workflowId: input.deadlineId,
                    taskQueue,
                    workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
                    typedSearchAttributes: input.ctx.options.searchAttributes
                      ? deadlineSearchAttributesOf(input)
                      : undefined,
                    args: [input],
                  }),
                );
                progress.started++;
              } catch (err) {
                if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
                progress.alreadyStarted++;
              }
            });
            progress.startsDone = true;
            return p;
          });
        }
        const { inputs, notices } = prepared;

        // Batches before v0.6 leave the notices to their deadlines.
        if (!openedAt || progress.noticesBelow >= inputs.length) return result();
        await afterStarts(progress);
        // The notices before the watermark went out in an earlier attempt; one after it may have
        // too (lanes finish out of order), and the mailer sends nothing twice by its key.
        const from = progress.noticesBelow;
        const handled = new Watermark(from);
        await inLanes(32, inputs.slice(from), async (input, k) => {
          notCancelled();
          const i = from + k;
          const due = notices[i];
          if (due) {
            const sent = await sendOrFail(due.built.message);
            const fallback =
              sent.status === 'failed'
                ? rejectedMailFallback(input, input.dueAt, due.step, openedAt, openedAt)
                : undefined;
            if (fallback?.message) await sendOrFail(fallback.message);
            // Recorded before the notice counts as handled, so that no retry skips it unrecorded.
            if (fallback) await deps.ledger.recordMany([fallback.event]);
          }
          handled.finished(i);
          progress.noticesBelow = handled.below;
        });
        return result();
      } finally {
        stopHeartbeating();
      }
    },

    /**
     * Mails a shared step (the notice, a reminder, the due-day notice: `isSharedStep`) of a batch's deadlines
     * for the units the batch still counts open (since v0.17): one activity where each deadline
     * spent a timer and an activity, two workflow tasks. The ledger has the last word on who is
     * still owed it: a deadline answered or extended since the batch last heard from it is skipped
     * (an extended one mails its own steps). A mail that cannot go is followed up as the deadline
     * would (`stepAftermath`). Mail and ledger are idempotent by their keys, so a retry sends and
     * records nothing twice. Returns the deadlines the step was mailed for.
     */
    async mailSharedStep(req: SharedStepRequest): Promise<{ mailed: string[] }> {
      const stopHeartbeating = keepHeartbeating(() => req.step.step);
      try {
        const batch = await withOrg(req.batch);
        const { ctx, obligation, cycle } = batch;
        const settled = await deps.ledger.events({
          campaignId: ctx.campaignId,
          obligationKey: obligation.key,
          cycleKey: cycle.cycleKey,
          kinds: ['submission', 'waiver', 'extension', 'deadline-closed'],
        });
        const skip = new Set(settled.map((e) => e.unitId));
        // A notice due when the deadlines opened went out from the starter, to every unit it could reach.
        const starterTookIt = (input: DeadlineInput): boolean =>
          req.step.kind === 'notice' && dueNotice(input, req.openedAt, [req.step]) !== undefined;
        const inputs = reportDeadlineInputs(
          batch,
          req.unitIds.filter((u) => !skip.has(u)),
        ).filter((input) => !starterTookIt(input));
        const events: LedgerEvent[] = [];
        await inLanes(32, inputs, async (input) => {
          const built = buildMessage(
            ctx,
            input.org,
            messageSubjectOf(input, input.dueAt),
            req.step,
            input.role,
            req.at,
          );
          const sent = built.message.to.length > 0 ? await sendOrFail(built.message) : undefined;
          const after = stepAftermath(
            input,
            req.step,
            input.dueAt,
            { built, sentAt: req.at, reachedUnit: sent?.reachedUnit === true },
            sent?.status === 'failed',
            req.at,
          );
          if (after.fallback) await sendOrFail(after.fallback);
          events.push(...after.events);
        });
        if (events.length > 0) await deps.ledger.recordMany(events);
        return { mailed: inputs.map((input) => input.deadlineId) };
      } finally {
        stopHeartbeating();
      }
    },

    /**
     * Tells every unit that a phase has started: one activity for thousands of messages keeps
     * the campaign's history small. Each message has its own dedupe key, so a retry after a
     * crash resumes where the previous attempt stopped; progress is heartbeated.
     */
    async announcePhase(req: AnnounceRequest): Promise<AnnounceResult> {
      const targets = req.orgRef ? announcementTargets(await storedOrg(req.orgRef)) : req.targets;
      const ctx = Context.current();
      const start = typeof ctx.info.heartbeatDetails === 'number' ? ctx.info.heartbeatDetails : 0;
      const result: AnnounceResult = { sent: 0, alreadySent: 0, failed: [] };
      for (let i = start; i < targets.length; i++) {
        const t = targets[i]!;
        if (t.to.length === 0) {
          result.failed.push(t.unitId);
          continue;
        }
        await afterStarts(i);
        const r = await sendOrFail({ ...req.message, unitId: t.unitId, unitName: t.unitName, to: t.to });
        if (r.status === 'sent') result.sent += 1;
        else if (r.status === 'already-sent') result.alreadySent += 1;
        else result.failed.push(t.unitId);
        ctx.heartbeat(i + 1);
      }
      return result;
    },

    /**
     * One week's digests (domain/digest.ts): to each committee with anything overdue or due
     * within the week, and to the office, from the ledger's open deadlines and the roster of the
     * moment. Each mail's dedupe key is the committee's and the week's, so a retry sends none
     * twice. Nothing once the campaign no longer runs, which ends the digest.
     */
    async mailWeeklyDigest(req: DigestRequest): Promise<DigestResult> {
      if (!(await workflowRunning(deps.client, campaignWorkflowId(req.campaignId))))
        return { campaignRunning: false, sent: 0 };
      const org = await orgNow(req.campaignId);
      // A campaign that carries its organisation in its input (before v0.13) has none stored to go by.
      if (!org) return { campaignRunning: true, sent: 0 };
      const rows = await deps.ledger.deadlineRows({ campaignId: req.campaignId, open: true });
      const name = (unitId: string) => org.units[unitId]?.name ?? unitId;
      const titleOf = (key: string) => {
        const report = key.replace(/\.review$/, '');
        const title = req.titles[report] ?? report;
        return key === report ? title : req.locale === 'zh' ? `${title}点评` : `${title} (review)`;
      };
      const named = (l: DigestLine): DigestMailLine => ({
        ...l,
        unitName: name(l.unitId),
        obligationTitle: titleOf(l.obligationKey),
        cycleLabel: cycleLabelOfKey(l.cycleKey.split(':')[0]!, req.locale) ?? l.cycleKey,
      });
      let sent = 0;
      for (const d of digestsOf(rows, org, Date.parse(req.at))) {
        const { to, cc, unreachable } = recipientsFor(org, d.unitId, ['unit']);
        // Nobody of its own to tell: its parent hears of these deadlines in its own digest.
        if (unreachable || to.length === 0) continue;
        const r = await sendOrFail({
          kind: 'digest',
          campaignId: req.campaignId,
          campaignTitle: req.campaignTitle,
          timeZone: req.timeZone,
          locale: req.locale,
          unitId: d.unitId,
          unitName: name(d.unitId),
          step: `digest-${req.week}`,
          sentAt: req.at,
          to,
          ...(cc.length > 0 ? { cc } : {}),
          digest: {
            office: d.unitId === org.officeId,
            overdue: d.overdue.map(named),
            dueSoon: d.dueSoon.map(named),
            overdueCount: d.overdueCount,
            dueSoonCount: d.dueSoonCount,
          },
        });
        if (r.status === 'sent') sent += 1;
      }
      return { campaignRunning: true, sent };
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
