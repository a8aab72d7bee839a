/**
 * A campaign's stop (since v0.26), carried to its batches and their deadlines: the campaign
 * signals each batch it has not heard finish, and each batch waives the deadlines it still has
 * open. Both are idempotent, so a retried attempt repeats nothing that matters: a batch told
 * twice waives once, and a deadline waived already (or closed, or gone) is passed over.
 */
import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { SIGNAL_NAMES } from '../domain/engine/inputs';
import type { CampaignStop, WaiveRequest } from '../domain/engine/requests';
import { inLanes } from './concurrency';

/** Signals and updates in flight at once: each is one short call to the server. */
const LANES = 16;

/** The waiver's reason: the stop's, so that the ledger says why each deadline closed unanswered. */
export function stopWaiver(stop: CampaignStop): WaiveRequest {
  return { by: stop.by, reason: `活动终止：${stop.reason}` };
}

export function createStopActivities(client: Client) {
  /** Runs `fn` over `ids` in lanes, heartbeating how many it did; a retried attempt runs them all again, harmlessly. */
  const overIds = async (ids: string[], fn: (id: string) => Promise<boolean>): Promise<number> => {
    const ctx = Context.current();
    let done = 0;
    await inLanes(LANES, ids, async (id) => {
      if (await fn(id)) done += 1;
      ctx.heartbeat(done);
    });
    return done;
  };

  return {
    /** Tells each batch the campaign stopped; a batch that has ended meanwhile is passed over. How many were told. */
    async stopBatches(req: { batchIds: string[]; stop: CampaignStop }): Promise<number> {
      return overIds(req.batchIds, async (id) => {
        try {
          await client.workflow.getHandle(id).signal<[CampaignStop]>(SIGNAL_NAMES.stopBatch, req.stop);
          return true;
        } catch (err) {
          if (err instanceof WorkflowNotFoundError) return false;
          throw err;
        }
      });
    },

    /**
     * Waives each deadline (or review) still open with the stop's reason. One that is closed
     * already (its validator refuses: answered, waived, or waiting for its review) or not
     * running (ended, or a review not started) is passed over. How many were waived.
     */
    async waiveDeadlines(req: { deadlineIds: string[]; stop: CampaignStop }): Promise<number> {
      const waiver = stopWaiver(req.stop);
      return overIds(req.deadlineIds, async (id) => {
        try {
          await client.workflow.getHandle(id).executeUpdate<unknown, [WaiveRequest]>('waive', { args: [waiver] });
          return true;
        } catch (err) {
          if (err instanceof WorkflowNotFoundError || err instanceof WorkflowUpdateFailedError) return false;
          throw err;
        }
      });
    },
  };
}
