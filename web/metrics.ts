/**
 * The web service's Prometheus metrics (prom-client), served on WEB_METRICS_PORT by
 * config/health.ts beside Node's own:
 *
 * - `campaign_web_http_requests_total{method,route,status}` and
 *   `campaign_web_http_request_seconds{method,route}`: every request, by its route's template
 *   (`/s/:token`, never the URL asked for: a link's token, a sign-in token or a campaign's id in
 *   a path is a secret or a name, and an unbounded label); a request no route matched is
 *   `unmatched`;
 * - `campaign_web_submissions_total{kind,outcome}`: reports (`submission`) and review comments
 *   (`review`) posted through a link or the API, `accepted` (a receipt), `refused` (4xx: the
 *   link, the form, the scope, the deadline or the campaign said no) or `failed` (5xx);
 * - `campaign_web_sign_ins_total{outcome}`: sign-in links redeemed (`accepted`), refused (used,
 *   expired, a form without its CSRF token) or `failed`.
 *
 * A route says what its POST counts as in its config (`counts`).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Counter, Histogram, type Registry } from 'prom-client';
import { processRegistry } from '../config/health';

export type CountedAs = 'submission' | 'review' | 'sign-in';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** What a POST to this route counts as (a link's answer depends on its token, hence a function). */
    counts?: CountedAs | ((req: FastifyRequest) => CountedAs);
  }
}

export interface WebMetrics {
  registry: Registry;
  requests: Counter<'method' | 'route' | 'status'>;
  latency: Histogram<'method' | 'route'>;
  submissions: Counter<'kind' | 'outcome'>;
  signIns: Counter<'outcome'>;
}

export function createWebMetrics(): WebMetrics {
  const registry = processRegistry();
  return {
    registry,
    requests: new Counter({
      name: 'campaign_web_http_requests_total',
      help: 'HTTP requests answered, by method, route template and status',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    latency: new Histogram({
      name: 'campaign_web_http_request_seconds',
      help: 'Time to answer an HTTP request, by method and route template',
      labelNames: ['method', 'route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    submissions: new Counter({
      name: 'campaign_web_submissions_total',
      help: 'Reports and review comments posted (link or API), by kind and outcome (accepted, refused, failed)',
      labelNames: ['kind', 'outcome'],
      registers: [registry],
    }),
    signIns: new Counter({
      name: 'campaign_web_sign_ins_total',
      help: 'Sign-in links redeemed, by outcome (accepted, refused, failed)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
  };
}

const outcomeOf = (status: number): 'accepted' | 'refused' | 'failed' =>
  status < 400 ? 'accepted' : status < 500 ? 'refused' : 'failed';

/** Counts and times every answer of `app` (register before the routes, so that every route has the hook). */
export function registerHttpMetrics(app: FastifyInstance, m: WebMetrics): void {
  app.addHook('onResponse', async (req, reply) => {
    // The template the router matched; the URL itself never becomes a label.
    const route = req.routeOptions.url ?? 'unmatched';
    const status = reply.statusCode;
    m.requests.inc({ method: req.method, route, status: String(status) });
    m.latency.observe({ method: req.method, route }, reply.elapsedTime / 1000);
    const counts = req.routeOptions.config.counts;
    if (counts === undefined || req.method !== 'POST') return;
    const kind = typeof counts === 'function' ? counts(req) : counts;
    if (kind === 'sign-in') m.signIns.inc({ outcome: outcomeOf(status) });
    else m.submissions.inc({ kind, outcome: outcomeOf(status) });
  });
}
