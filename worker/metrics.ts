/**
 * The worker's Prometheus metrics (prom-client): what the service itself does, beside the
 * Temporal SDK's own (served by its core, merged into the same page by config/health.ts).
 *
 * - `campaign_mails_sent_total{kind}`, `campaign_mails_failed_total{kind}`: every send the
 *   engine asked for, by message kind (a send the ledger already had counts as `already_sent`);
 * - `campaign_escalations_total{kind}`: escalation mails sent (`escalation`, `review-escalation`);
 * - `campaign_mail_recipients_deferred_total{kind}`, `…_redelivered_total{kind}`,
 *   `…_abandoned_total{kind}`: recipients the mail server deferred (4xx) on a send, those
 *   delivered later by their redelivery, and those given up on after its window;
 * - `campaign_ledger_write_seconds{op}`: how long each ledger write took;
 * - `campaign_deadlines_open{colour}`: running deadlines by 督办 colour, counted in Temporal's
 *   visibility when scraped (the source `list` and `status` read);
 * - Node's process metrics (`process_*`, `nodejs_*`).
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Client } from '@temporalio/client';
import { processRegistry } from '../config/health';
import type { LedgerStore } from '../ledger/types';
import type { Mailer } from '../mail/types';
import { DeadlineStateKey, keywordIs } from '../domain/engine/search-attributes';

const OPEN_COLOURS = ['green', 'blue', 'yellow', 'red'] as const;
const ESCALATION_KINDS = new Set(['escalation', 'review-escalation']);
/** The ledger's writes; every other method is a read. */
const LEDGER_WRITES = new Set(['record', 'recordMany', 'upsertUnits', 'migrate']);

export interface ServiceMetrics {
  registry: Registry;
  mailsSent: Counter<'kind'>;
  mailsAlreadySent: Counter<'kind'>;
  mailsFailed: Counter<'kind'>;
  escalations: Counter<'kind'>;
  recipientsDeferred: Counter<'kind'>;
  recipientsRedelivered: Counter<'kind'>;
  recipientsAbandoned: Counter<'kind'>;
  ledgerWrite: Histogram<'op'>;
}

/** The registry and its counters (the deadlines' gauge comes with the Temporal client: `addOpenDeadlinesGauge`). */
export function createServiceMetrics(): ServiceMetrics {
  const registry = processRegistry();
  const m: ServiceMetrics = {
    registry,
    mailsSent: new Counter({
      name: 'campaign_mails_sent_total',
      help: 'Mails sent, by message kind',
      labelNames: ['kind'],
      registers: [registry],
    }),
    mailsAlreadySent: new Counter({
      name: 'campaign_mails_already_sent_total',
      help: 'Sends asked for again (an activity retried) that the ledger showed sent: nothing went out',
      labelNames: ['kind'],
      registers: [registry],
    }),
    mailsFailed: new Counter({
      name: 'campaign_mails_failed_total',
      help: 'Send attempts the mail server refused or could not take (a retried send counts each attempt), by message kind',
      labelNames: ['kind'],
      registers: [registry],
    }),
    escalations: new Counter({
      name: 'campaign_escalations_total',
      help: 'Escalation mails sent (督办), by kind',
      labelNames: ['kind'],
      registers: [registry],
    }),
    recipientsDeferred: new Counter({
      name: 'campaign_mail_recipients_deferred_total',
      help: 'Recipients the mail server deferred (4xx: a full mailbox, greylisting) on a send, asked again by a redelivery, by message kind',
      labelNames: ['kind'],
      registers: [registry],
    }),
    recipientsRedelivered: new Counter({
      name: 'campaign_mail_recipients_redelivered_total',
      help: 'Deferred recipients a redelivery reached, by message kind',
      labelNames: ['kind'],
      registers: [registry],
    }),
    recipientsAbandoned: new Counter({
      name: 'campaign_mail_recipients_abandoned_total',
      help: 'Deferred recipients given up on when their redelivery window closed (listed on 通讯录待补正), by message kind',
      labelNames: ['kind'],
      registers: [registry],
    }),
    ledgerWrite: new Histogram({
      name: 'campaign_ledger_write_seconds',
      help: 'Time of each ledger write, by operation',
      labelNames: ['op'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
  };
  return m;
}

/**
 * `campaign_deadlines_open{colour}`, counted by `openByColour` when the page is scraped; a
 * failure there leaves the gauge out of that scrape rather than failing it.
 */
export function addOpenDeadlinesGauge(m: ServiceMetrics, openByColour: () => Promise<Record<string, number>>): void {
  new Gauge({
    name: 'campaign_deadlines_open',
    help: 'Running deadlines by colour (督办: green open, blue due soon, yellow overdue, red escalated)',
    labelNames: ['colour'],
    registers: [m.registry],
    async collect() {
      const counts = await openByColour().catch(() => undefined);
      this.reset();
      if (counts) for (const c of OPEN_COLOURS) this.set({ colour: c }, counts[c] ?? 0);
    },
  });
}

/** Running deadlines by colour in the namespace, from visibility (one count per colour). */
export function openDeadlinesByColour(client: Client): () => Promise<Record<string, number>> {
  return async () => {
    const counts = await Promise.all(
      OPEN_COLOURS.map(
        async (c) =>
          (
            await client.workflow.count(
              `WorkflowType = 'deadlineWorkflow' AND ExecutionStatus = 'Running' AND ${keywordIs(DeadlineStateKey, c)}`,
            )
          ).count,
      ),
    );
    return Object.fromEntries(OPEN_COLOURS.map((c, i) => [c, counts[i] ?? 0]));
  };
}

/** The mailer, counting each send by kind and outcome. */
export function instrumentMailer(mailer: Mailer, m: ServiceMetrics): Mailer {
  return {
    async send(msg, opts) {
      let result;
      try {
        result = await mailer.send(msg, opts);
      } catch (err) {
        // A send aborted by its caller (a stopping worker) is no failure of the mail server's.
        if (!(err instanceof Error && err.name === 'AbortError')) m.mailsFailed.inc({ kind: msg.kind });
        throw err;
      }
      if (result.status === 'sent') {
        m.mailsSent.inc({ kind: msg.kind });
        if (ESCALATION_KINDS.has(msg.kind)) m.escalations.inc({ kind: msg.kind });
        if (result.deferred?.length) m.recipientsDeferred.inc({ kind: msg.kind }, result.deferred.length);
      } else if (result.status === 'already-sent') m.mailsAlreadySent.inc({ kind: msg.kind });
      else m.mailsFailed.inc({ kind: msg.kind });
      return result;
    },
    async redeliver(msg, recipients, opts) {
      const r = await mailer.redeliver(msg, recipients, opts);
      if (r.accepted.length > 0) m.recipientsRedelivered.inc({ kind: msg.kind }, r.accepted.length);
      return r;
    },
    async abandon(msg, recipients, error) {
      const given = await mailer.abandon(msg, recipients, error);
      if (given.length > 0) m.recipientsAbandoned.inc({ kind: msg.kind }, given.length);
      return given;
    },
    close: () => mailer.close(),
  };
}

/**
 * The ledger, timing its writes. A proxy rather than a wrapper class, so that a method added to
 * the store later passes through unchanged.
 */
export function instrumentLedger(ledger: LedgerStore, m: ServiceMetrics): LedgerStore {
  return new Proxy(ledger, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      const fn = value as (...args: unknown[]) => unknown;
      if (typeof prop !== 'string' || !LEDGER_WRITES.has(prop)) return fn.bind(target);
      return async (...args: unknown[]) => {
        const end = m.ledgerWrite.startTimer({ op: prop });
        try {
          return await fn.apply(target, args);
        } finally {
          end();
        }
      };
    },
  });
}
