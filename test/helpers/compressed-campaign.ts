/**
 * The compressed campaign that the end-to-end crash tests and the chaos soak run on a real
 * server (the dev server or the self-hosted cluster) with the service's own worker processes:
 * the mini plan cut to its first two phases, a behaviour with late, missing and advanced work,
 * and what its audit says, to compare with a rehearsal of the same plan on the time-skipping
 * server and with what the SMTP server received.
 */
import path from 'node:path';
import { Client, type Connection } from '@temporalio/client';
import { loadOrgFile, loadPlanFile } from '../../plans/load';
import { BehaviourSchema } from '../../rehearsal/behaviour';
import type { RehearsalServer } from '../../rehearsal/simulate';
import type { Plan } from '../../domain/plan-schema';
import type { Org } from '../../domain/org-schema';
import { openLedger } from '../../ledger';
import { deadlineRows, laggingUnits } from '../../ledger/audit';
import type { Received } from './smtp';

export const DAY = 86_400_000;
/**
 * A plan day in 800 ms of server time. Slower would only cost time; much faster and the few
 * tens of milliseconds a busy machine adds to an update become plan hours, enough to move a
 * review due "ten days after the report arrives" past midnight.
 */
export const SCALE = DAY / 800;
/**
 * Temporal's own 10 s for a task that a killed worker held, not the engine's minute: at this
 * scale a minute is 75 plan days, and the tests are about what a kill loses, not how long the
 * server waits for a dead worker.
 */
export const ENGINE = { graceMs: 5 * DAY, reportEveryMs: 200, searchAttributes: true, workflowTaskTimeoutMs: 10_000 };

/**
 * Every request lands at least half a plan day (some 400 ms here) from the engine's own instants
 * for its deadline. The default "on-time" (16:00 the day before) would put the branch plans 89
 * plan minutes (49 ms) before their second reminder at 17:29: a driver that lagged that much on a
 * busy CI machine let the reminder go out first, a mail the rehearsal does not send (CI,
 * 2026-12-04). So the branch plans come in on Monday evening, three days clear of both
 * reminders, and the late one on Sunday afternoon, 17.5 hours before the Monday escalation it
 * must not cause. `test/rehearsal/compressed-campaign-margin.test.ts` keeps the margin.
 */
export const behaviour = BehaviourSchema.parse({
  rules: [
    { obligation: 'branch-plan', submit: { at: '2010-06-21T20:00' } },
    { unit: 'b-mech-s1', obligation: 'branch-plan', submit: { at: '2010-06-27T15:00' } },
    { unit: 'b-info-t1', submit: 'never' },
    { unit: 'b-mech-t1', cycle: '2010-Q3', review: { late: '+3d' } },
  ],
  actions: [{ advance: 'engage', at: '2010-06-28T09:00', by: '校党委', reason: '提前' }],
});

const FIXTURES = path.join(__dirname, '..', 'fixtures');

export function miniOrg(): Promise<Org> {
  return loadOrgFile(path.join(FIXTURES, 'mini-org.yaml'));
}

/** The mini plan cut to its first two phases, so that it ends in about a minute when compressed. */
export async function compressedPlan(): Promise<Plan> {
  const mini = await loadPlanFile(path.join(FIXTURES, 'mini-plan.yaml'));
  return {
    ...mini,
    phases: mini.phases.slice(0, 2).map((p) => (p.key === 'engage' ? { ...p, end: '2010-09-30' } : p)),
    obligations: mini.obligations.filter((o) => o.phases.every((k) => k === 'mobilise' || k === 'engage')),
  };
}

export type CampaignAudit = Awaited<ReturnType<typeof auditOf>>;

/** What the audit says of each deadline, in the units a person reads (days, steps). */
export async function auditOf(ledgerUrl: string, campaignId: string) {
  const ledger = await openLedger(ledgerUrl);
  try {
    const rows = await deadlineRows(ledger, { campaignId });
    const sent = await ledger.events({ campaignId, kinds: ['message-sent'] });
    const lag = await laggingUnits(ledger, { campaignId });
    return {
      deadlines: rows
        .map((r) => ({
          deadline: `${r.obligationKey}/${r.cycleKey}/${r.unitId}`,
          dueAt: r.dueAt,
          submitted: r.submittedAt !== null,
          lateDays: r.lateMs === null ? null : Math.round(r.lateMs / DAY),
          outcome: r.closedOutcome,
          highestEscalation: r.highestEscalation,
        }))
        .sort((a, b) => a.deadline.localeCompare(b.deadline)),
      sentMessageIds: sent.map((e) => e.messageId!),
      mailSteps: sent.map((e) => `${e.unitId}/${e.obligationKey ?? '-'}/${e.cycleKey ?? '-'}/${e.step}`).sort(),
      lag: Object.fromEntries(lag.map((l) => [l.unitId, l])),
    };
  } finally {
    await ledger.close();
  }
}

/** A server with a wall clock as the rehearsal driver sees it, on a connection of the caller's. */
export function wallClockServer(connection: Connection, namespace?: string): RehearsalServer {
  return {
    client: new Client({ connection, namespace }),
    currentTimeMs: () => Promise.resolve(Date.now()),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  };
}

/** How many times the SMTP server accepted each of a campaign's messages, by Message-ID. */
export function receivedByMessageId(received: Received[], campaignId: string): Map<string, number> {
  const perId = new Map<string, number>();
  for (const r of received) {
    const id = String(r.mail.messageId);
    if (id.includes(`@${campaignId}.campaign.invalid`)) perId.set(id, (perId.get(id) ?? 0) + 1);
  }
  return perId;
}
