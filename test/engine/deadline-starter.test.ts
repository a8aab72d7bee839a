/**
 * The `startDeadlines` activity, on the time-skipping server with a real SQLite ledger and a
 * real outbox: since v0.6 it opens the deadlines it starts (one ledger write, the notices that
 * are due) and tells each deadline what it did; a retry sends and starts nothing twice; a
 * notice not yet due is left to the deadline; and a batch from before v0.6, which hands in the
 * inputs themselves, still gets deadlines that open themselves. Since v0.8 it starts them all
 * before it mails: with a real SMTP server, an outage holds up no start, and a rejected notice
 * goes to the parent with the escalation recorded.
 */
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { MockActivityEnvironment, type TestWorkflowEnvironment } from '@temporalio/testing';
import { defaultPayloadConverter } from '@temporalio/common';
import { Client } from '@temporalio/client';
import { loadOrgFile, loadPlanFile, parseOrgText } from '../../plans/load';
import { cyclesOf, phaseWindows, stepsForDue } from '../../domain/calendar';
import { orgSlice, responsibleUnits } from '../../domain/org-slice';
import { recipientsFor } from '../../domain/recipients';
import { generateOrg } from '../../plans/generate-org';
import YAML from 'yaml';
import type { Plan } from '../../domain/plan-schema';
import type { Org } from '../../domain/org-schema';
import { createTimeSkippingEnv } from '../../worker/servers';
import { createActivities } from '../../activities';
import { openLedger } from '../../ledger';
import type { LedgerStore } from '../../ledger/types';
import { createMailer } from '../../mail';
import { startSmtp, type TestSmtp } from '../helpers/smtp';
import type { Mailer } from '../../mail/types';
import type {
  BatchInput,
  DeadlineInput,
  LegacyStartDeadlinesRequest,
  StartDeadlinesRequest,
} from '../../domain/engine/inputs';
import { openedEvent, reportDeadlineInput } from '../../domain/engine/deadline-opening';
import { DEFAULT_ENGINE_OPTIONS, type CampaignContext } from '../../domain/engine/context';
import { deadlineStatusQuery } from '../../workflows/messages';
import { createWorker } from '../../worker/worker';

describe('the deadline starter', () => {
  let env: TestWorkflowEnvironment;
  let dir: string;
  let ledger: LedgerStore;
  let mailer: Mailer;
  let plan: Plan;
  let org: Org;
  beforeAll(async () => {
    env = await createTimeSkippingEnv();
    dir = mkdtempSync(path.join(os.tmpdir(), 'starter-'));
    ledger = await openLedger(`sqlite:${path.join(dir, 'ledger.sqlite')}`);
    mailer = await createMailer({
      url: `outbox:${path.join(dir, 'outbox')}`,
      from: 'office@example.org',
      baseUrl: 'http://localhost:8080',
      ledger,
    });
    plan = await loadPlanFile(path.join(__dirname, '../fixtures/mini-plan.yaml'));
    org = await loadOrgFile(path.join(__dirname, '../fixtures/mini-org.yaml'));
  });
  afterAll(async () => {
    await mailer?.close();
    await ledger?.close();
    await env?.teardown();
    rmSync(dir, { recursive: true, force: true });
  });

  /** One batch of the mini plan's branch plan, for a campaign of its own. */
  function batchOf(campaignId: string): BatchInput {
    const obligation = plan.obligations.find((o) => o.key === 'branch-plan')!;
    const cycle = cyclesOf(plan, obligation, phaseWindows(plan, {}), {})[0]!;
    const unitIds = responsibleUnits(org, obligation);
    const ctx: CampaignContext = {
      campaignId,
      title: plan.title,
      timeZone: plan.timeZone,
      locale: plan.locale,
      officeHours: plan.officeHours,
      clock: { originPlanMs: Date.parse(cycle.opensAt), originServerMs: Date.now(), scale: 1 },
      options: { ...DEFAULT_ENGINE_OPTIONS, searchAttributes: false },
      campaignWorkflowId: `campaign/${campaignId}`,
    };
    return { ctx, batchId: `${campaignId}/batch#0`, obligation, cycle, unitIds, org: orgSlice(org, unitIds) };
  }

  const noticeAt = (b: BatchInput): string =>
    stepsForDue(plan, b.obligation, b.cycle.opensAt, b.cycle.dueAt).find((s) => s.kind === 'notice')!.at;

  const startDeadlines = (request: LegacyStartDeadlinesRequest | StartDeadlinesRequest, via: Mailer = mailer) => {
    const activities = createActivities({ ledger, mailer: via, client: env.client });
    return new MockActivityEnvironment({ taskQueue: 'starter-test' }).run(
      (r: typeof request) => activities.startDeadlines(r),
      request,
    );
  };

  /** The input each deadline was started with, from its first history event. */
  async function startedInputs(b: BatchInput): Promise<DeadlineInput[]> {
    return Promise.all(
      b.unitIds.map(async (unitId) => {
        const history = await env.client.workflow.getHandle(reportDeadlineInput(b, unitId).deadlineId).fetchHistory();
        const payload = history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!;
        return defaultPayloadConverter.fromPayload<DeadlineInput>(payload);
      }),
    );
  }

  /** The outbox's messages for one campaign: their Message-IDs name it (mail/index.ts). */
  const outboxFiles = (campaignId: string): string[] =>
    readdirSync(path.join(dir, 'outbox')).filter((f) =>
      readFileSync(path.join(dir, 'outbox', f), 'utf8').includes(`@${campaignId}.campaign.invalid>`),
    );

  it('records every opening, sends the due notices, and tells each deadline; a retry repeats nothing', async () => {
    const b = batchOf('starter-a');
    expect(b.unitIds.length).toBeGreaterThan(3);
    const openedAt = noticeAt(b);
    expect(await startDeadlines({ batch: b, openedAt })).toEqual({ started: b.unitIds.length, alreadyStarted: 0 });

    // A branch with no address of its own is left to its deadline, which tells the parent and
    // records the escalation (deadline.ts); the mini organisation has one.
    const reachable = (unitId: string): boolean => {
      const u = org.units[unitId]!;
      return Boolean(u.liaison?.email ?? u.secretary?.email ?? u.email);
    };
    const mailed = b.unitIds.filter(reachable);
    expect(mailed.length).toBeLessThan(b.unitIds.length);
    const inputs = await startedInputs(b);
    for (const [i, input] of inputs.entries()) {
      const unitId = b.unitIds[i]!;
      expect(input).toEqual({
        ...reportDeadlineInput(b, unitId),
        opening: reachable(unitId)
          ? { at: openedAt, notice: { step: 'notice', status: 'after-start' } }
          : { at: openedAt },
      });
    }
    const opened = await ledger.events({ campaignId: 'starter-a', kinds: ['deadline-opened'] });
    expect(opened.map((e) => e.id).sort()).toEqual(
      b.unitIds.map((u) => openedEvent(reportDeadlineInput(b, u)).id).sort(),
    );
    expect(opened[0]).toMatchObject({ at: b.cycle.opensAt, dueAt: b.cycle.dueAt, obligationKey: 'branch-plan' });
    const sent = await ledger.events({ campaignId: 'starter-a', kinds: ['message-sent'] });
    expect(sent.map((e) => e.unitId).sort()).toEqual([...mailed].sort());
    expect(sent.every((e) => e.step === 'notice' && e.at === openedAt)).toBe(true);
    expect(outboxFiles('starter-a')).toHaveLength(mailed.length);

    // An activity retried after a crash: everything is there already.
    expect(await startDeadlines({ batch: b, openedAt })).toEqual({ started: 0, alreadyStarted: b.unitIds.length });
    expect(await ledger.events({ campaignId: 'starter-a', kinds: ['message-sent'] })).toHaveLength(mailed.length);
    expect(outboxFiles('starter-a')).toHaveLength(mailed.length);

    // The deadlines, run by a worker, count the starter's notices as done and mail them not again.
    const worker = await createWorker({
      connection: env.nativeConnection,
      taskQueue: 'starter-test',
      deps: { ledger, mailer, client: env.client },
    });
    const statuses = await worker.runUntil(
      Promise.all(
        mailed.map((u) =>
          env.client.workflow.getHandle(reportDeadlineInput(b, u).deadlineId).query(deadlineStatusQuery),
        ),
      ),
    );
    for (const status of statuses) expect(status).toMatchObject({ stepsDone: ['notice'], state: 'green' });
    expect(statuses.map((s) => s.nextStep?.step)).toEqual(mailed.map(() => 'reminder-1'));
    expect(await ledger.events({ campaignId: 'starter-a', kinds: ['message-sent'] })).toHaveLength(mailed.length);
    expect(outboxFiles('starter-a')).toHaveLength(mailed.length);
  });

  it('leaves a notice that is not yet due to the deadline', async () => {
    const b = batchOf('starter-b');
    const openedAt = new Date(Date.parse(noticeAt(b)) - 60_000).toISOString();
    expect(await startDeadlines({ batch: b, openedAt })).toEqual({ started: b.unitIds.length, alreadyStarted: 0 });
    for (const input of await startedInputs(b)) expect(input.opening).toEqual({ at: openedAt });
    expect(await ledger.events({ campaignId: 'starter-b', kinds: ['deadline-opened'] })).toHaveLength(b.unitIds.length);
    expect(await ledger.events({ campaignId: 'starter-b', kinds: ['message-sent'] })).toEqual([]);
  });

  describe('with a real SMTP server', () => {
    let smtp: TestSmtp;
    let smtpMailer: Mailer;
    beforeAll(async () => {
      smtp = await startSmtp();
      smtpMailer = await createMailer({
        url: smtp.url,
        from: 'office@example.org',
        baseUrl: 'http://localhost:8080',
        ledger,
      });
    });
    afterAll(async () => {
      await smtpMailer?.close();
      await smtp?.stop();
    });

    it('starts every deadline while the mail server is down, and mails the notices once it is back', async () => {
      const b = batchOf('starter-d');
      const openedAt = noticeAt(b);
      await smtp.stop();
      try {
        await expect(startDeadlines({ batch: b, openedAt }, smtpMailer)).rejects.toThrow(/not sent yet/);
      } finally {
        await smtp.start();
      }
      // Every deadline is there and opened, though no notice went out.
      for (const input of await startedInputs(b)) expect(input.opening?.at).toBe(openedAt);
      expect(await ledger.events({ campaignId: 'starter-d', kinds: ['deadline-opened'] })).toHaveLength(
        b.unitIds.length,
      );
      expect(await ledger.events({ campaignId: 'starter-d', kinds: ['message-sent'] })).toEqual([]);

      // The activity's retry starts nothing twice and sends each due notice once.
      expect(await startDeadlines({ batch: b, openedAt }, smtpMailer)).toEqual({
        started: 0,
        alreadyStarted: b.unitIds.length,
      });
      const sent = await ledger.events({ campaignId: 'starter-d', kinds: ['message-sent'] });
      const notified = (await startedInputs(b)).filter((i) => i.opening?.notice).map((i) => i.unitId);
      expect(notified.length).toBeGreaterThan(0);
      expect(sent.map((e) => e.unitId).sort()).toEqual([...notified].sort());
      const toCampaign = smtp.received.filter((r) => r.mail.messageId?.includes('@starter-d.campaign.invalid'));
      expect(toCampaign).toHaveLength(notified.length);
    });

    it('holds the opening mail of the worker back until its starts are done', async () => {
      // A university of 200 branches: 200 starts, 64 at a time, beside a phase announcement.
      const big = parseOrgText(YAML.stringify(generateOrg({ committees: 4, branches: 200 })), 'big.yaml');
      const small = batchOf('starter-f');
      const unitIds = responsibleUnits(big, small.obligation);
      const b: BatchInput = { ...small, unitIds, org: orgSlice(big, unitIds) };
      const ids = unitIds.map((u) => reportDeadlineInput(b, u).deadlineId);
      let startedAtFirstMail: number | undefined;
      smtp.beforeAccept = async () => {
        if (startedAtFirstMail === undefined) {
          startedAtFirstMail = -1;
          const found = await Promise.allSettled(ids.map((id) => env.client.workflow.getHandle(id).describe()));
          startedAtFirstMail = found.filter((f) => f.status === 'fulfilled').length;
        }
        return true;
      };
      const activities = createActivities({ ledger, mailer: smtpMailer, client: env.client });
      const run = <R>(fn: () => Promise<R>): Promise<R> =>
        new MockActivityEnvironment({ taskQueue: 'starter-test' }).run(fn);
      const targets = big.order
        .filter((id) => big.units[id]!.level === 'committee')
        .map((id) => ({ unitId: id, unitName: big.units[id]!.name, to: recipientsFor(big, id, ['unit']).to }));
      try {
        const [opened, announced] = await Promise.all([
          run(() => activities.startDeadlines({ batch: b, openedAt: noticeAt(b) })),
          run(() =>
            activities.announcePhase({
              message: {
                kind: 'phase-started',
                campaignId: 'starter-f',
                campaignTitle: plan.title,
                timeZone: plan.timeZone,
                locale: plan.locale,
                phaseKey: small.cycle.phaseKey,
                phaseName: plan.phases[0]!.name,
                step: `phase-started-${small.cycle.phaseKey}`,
                sentAt: noticeAt(b),
              },
              targets,
            }),
          ),
        ]);
        expect(opened).toEqual({ started: 200, alreadyStarted: 0 });
        expect(announced.sent).toBe(targets.length);
      } finally {
        smtp.beforeAccept = undefined;
      }
      // When the first mail reached the server, the announcement's or a notice, all 200 had started.
      expect(startedAtFirstMail).toBe(200);
    });

    it('resumes where an attempt stopped mid-way: the retry starts nothing and mails only what is left, each notice once', async () => {
      const big = parseOrgText(YAML.stringify(generateOrg({ committees: 4, branches: 200 })), 'big.yaml');
      const small = batchOf('starter-g');
      const unitIds = responsibleUnits(big, small.obligation);
      const b: BatchInput = { ...small, unitIds, org: orgSlice(big, unitIds) };
      const openedAt = noticeAt(b);
      // What each attempt asks of the Temporal server and of the mailer, counted on their way to the real ones.
      let starts = 0;
      const client = new Client({
        connection: env.client.connection,
        namespace: env.namespace,
        interceptors: {
          workflow: [
            {
              startWithDetails: (input, next) => {
                starts++;
                return next(input);
              },
            },
          ],
        },
      });
      const mailed: string[] = [];
      const counted: Mailer = { ...smtpMailer, send: (m) => (mailed.push(m.unitId), smtpMailer.send(m)) };
      const activities = createActivities({ ledger, mailer: counted, client });
      const key = (r: { mail: { headers: Map<string, unknown> } }): string =>
        String(r.mail.headers.get('x-campaign-dedupe-key'));
      const ours = () => smtp.received.filter((r) => key(r).startsWith('starter-g/'));

      // The first attempt: the mail server takes 60 notices, then answers "try later" to the rest.
      let accepted = 0;
      smtp.beforeAccept = () => ++accepted <= 60;
      const first = new MockActivityEnvironment({ taskQueue: 'starter-test' });
      let details: unknown;
      first.on('heartbeat', (d: unknown) => (details = d));
      try {
        await expect(first.run(() => activities.startDeadlines({ batch: b, openedAt }))).rejects.toThrow(
          /not sent yet/,
        );
      } finally {
        smtp.beforeAccept = undefined;
      }
      expect(starts).toBe(200);
      expect(ours()).toHaveLength(60);
      // What the server hands the retry: the last details the attempt heartbeated.
      const progress = details as { startsDone: boolean; noticesBelow: number };
      expect(progress).toMatchObject({ startsDone: true, started: 200, alreadyStarted: 0 });
      expect(progress.noticesBelow).toBeGreaterThan(0);
      expect(progress.noticesBelow).toBeLessThanOrEqual(60);

      // The retry: no start, and the mailer asked only for the notices from the watermark on.
      starts = 0;
      mailed.length = 0;
      const retry = new MockActivityEnvironment({ taskQueue: 'starter-test', attempt: 2, heartbeatDetails: details });
      expect(await retry.run(() => activities.startDeadlines({ batch: b, openedAt }))).toEqual({
        started: 200,
        alreadyStarted: 0,
      });
      expect(starts).toBe(0);
      expect([...mailed].sort()).toEqual(unitIds.slice(progress.noticesBelow).sort());
      // Every deadline is there, and every notice reached the mail server once.
      const found = await Promise.allSettled(
        unitIds.map((u) => env.client.workflow.getHandle(reportDeadlineInput(b, u).deadlineId).describe()),
      );
      expect(found.filter((f) => f.status === 'fulfilled')).toHaveLength(200);
      expect(ours().map(key).sort()).toEqual(
        unitIds.map((u) => ['starter-g', u, b.obligation.key, b.cycle.cycleKey, 'notice'].join('/')).sort(),
      );
      expect(await ledger.events({ campaignId: 'starter-g', kinds: ['message-sent'] })).toHaveLength(200);
    });

    it('tells the parent when the server rejects a notice, and records the escalation', async () => {
      const b = batchOf('starter-e');
      const openedAt = noticeAt(b);
      // b-mech-s1's secretary is the branch's only address; its parent is c-mech.
      smtp.reject.add('chen.jing@example.org');
      try {
        await startDeadlines({ batch: b, openedAt }, smtpMailer);
      } finally {
        smtp.reject.clear();
      }
      const deadlineId = reportDeadlineInput(b, 'b-mech-s1').deadlineId;
      const escalated = await ledger.events({ campaignId: 'starter-e', kinds: ['escalated'] });
      expect(escalated).toEqual([
        expect.objectContaining({
          id: `${deadlineId}:escalated:notice:to-parent`,
          unitId: 'b-mech-s1',
          step: 'notice:to-parent',
          reason: 'mail rejected',
          at: openedAt,
        }),
      ]);
      const toParent = smtp.received.filter(
        (r) =>
          r.mail.messageId?.includes('@starter-e.campaign.invalid') && r.envelopeTo.includes('li.mech@example.org'),
      );
      expect(toParent).toHaveLength(1);
      expect(toParent[0]!.mail.text).toContain('机械学院本科生第一党支部');

      // A retry finds the rejection in the ledger: no second mail to the parent, no second row.
      const before = smtp.received.length;
      await startDeadlines({ batch: b, openedAt }, smtpMailer);
      expect(smtp.received).toHaveLength(before);
      expect(await ledger.events({ campaignId: 'starter-e', kinds: ['escalated'] })).toHaveLength(1);
    });
  });

  it('starts the inputs a batch from before v0.6 hands in, unopened', async () => {
    const b = batchOf('starter-c');
    const given = b.unitIds.map((u) => reportDeadlineInput(b, u));
    expect(await startDeadlines(given)).toEqual({ started: b.unitIds.length, alreadyStarted: 0 });
    expect(await startedInputs(b)).toEqual(given);
    expect(await ledger.events({ campaignId: 'starter-c' })).toEqual([]);
  });
});
