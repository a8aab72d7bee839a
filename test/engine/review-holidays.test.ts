/**
 * A rehearsal of plan 000 (whose leader reviews are due 15 days after each report, 71 of 135 on
 * days off in one rehearsal before the fix) on the time-skipping server: every review the engine
 * opens is due when preview says and flagged when preview flags it, in the ledger and in its
 * mail; the rehearsed lateness is exact; review mail subjects differ per branch.
 */
import { readFile } from 'node:fs/promises';
import { simpleParser } from 'mailparser';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { computeCalendar } from '../../domain/calendar';
import { loadOrgFile, loadPlanFile, PLANS_DIR } from '../../plans/load';
import { BehaviourSchema } from '../../rehearsal/behaviour';
import { createTimeSkippingEnv } from '../../worker/servers';
import { bundleWorkflows } from '../../worker/worker';
import { runSimulation, type SimulationRun } from '../../rehearsal/simulate';
import { openLedger } from '../../ledger';
import { outboxFiles } from '../../mail/outbox';
import type { LedgerEvent } from '../../ledger/types';
import type { Plan } from '../../domain/plan-schema';
import type { Org } from '../../domain/org-schema';
import path from 'node:path';

describe('rehearsing plan 000: reviews on days off as preview shows them', () => {
  let env: TestWorkflowEnvironment;
  let plan: Plan;
  let org: Org;
  let run: SimulationRun;
  let events: LedgerEvent[];
  beforeAll(async () => {
    env = await createTimeSkippingEnv();
    plan = await loadPlanFile(`${PLANS_DIR}/000-hnust.yaml`);
    org = await loadOrgFile(path.join(__dirname, '..', 'fixtures', 'mini-org.yaml'));
    // Reports an hour late: each review then opens at its report's due instant, as preview's do.
    const behaviour = BehaviourSchema.parse({ default: { submit: { late: '+1h' }, review: 'on-time' } });
    run = await runSimulation({ plan, org, behaviour, env, workflowBundle: await bundleWorkflows() });
    const ledger = await openLedger(run.ledgerUrl);
    events = await ledger.events({ campaignId: plan.id });
    await ledger.close();
  }, 1_200_000);
  afterAll(async () => {
    await env?.teardown();
  });

  it('opens each review due when preview says, flagged in the ledger when it falls on a day off', () => {
    const preview = computeCalendar(plan, org).reviewDeadlines;
    const opened = new Map(
      events
        .filter((e) => e.kind === 'deadline-opened' && e.obligationKey?.endsWith('.review'))
        .map((e) => [`${e.obligationKey}/${e.cycleKey}`, e]),
    );
    expect(preview.filter((r) => r.dueOnHoliday).length).toBeGreaterThan(0);
    for (const r of preview) {
      const e = opened.get(`${r.obligationKey}/${r.cycleKey}:${r.reviewedUnitId}`);
      expect({ id: r.id, dueAt: e?.dueAt, flagged: e?.data?.dueOnHoliday === true }).toEqual({
        id: r.id,
        dueAt: r.dueAt,
        flagged: r.dueOnHoliday,
      });
    }
    expect(opened.size).toBe(preview.length);
  });

  it('says so in the review mail, whose subject names the branch (one per branch and cycle)', async () => {
    const preview = computeCalendar(plan, org).reviewDeadlines;
    const mails = await Promise.all(
      (await outboxFiles(run.outboxDir)).map(async (f) => simpleParser(await readFile(f))),
    );
    const reviewMails = mails.filter((m) => (m.subject ?? '').startsWith('【领导点评】'));
    expect(reviewMails).toHaveLength(preview.length);
    expect(new Set(reviewMails.map((m) => m.subject)).size).toBe(reviewMails.length);
    for (const r of preview) {
      const branch = org.units[r.reviewedUnitId]!.name;
      const mine = reviewMails.filter((m) => m.subject!.includes(branch) && m.subject!.includes(labelOf(r.cycleKey)));
      expect({ id: r.id, n: mine.length }).toEqual({ id: r.id, n: 1 });
      expect({ id: r.id, noted: /截止日为/.test(mine[0]!.text ?? '') }).toEqual({ id: r.id, noted: r.dueOnHoliday });
    }
  });

  it('records each rehearsed late submission exactly an hour late', () => {
    const late = events.filter((e) => e.kind === 'submission');
    expect(late.length).toBeGreaterThan(0);
    expect([...new Set(late.map((e) => e.lateMs))]).toEqual([3_600_000]);
  });
});

/** 2010-Q3 → 2010年第三季度, as the mail names a quarter. */
function labelOf(cycleKey: string): string {
  const m = /^(\d{4})-Q(\d)$/.exec(cycleKey);
  return m ? `${m[1]}年第${'一二三四'[Number(m[2]) - 1]}季度` : cycleKey;
}
