/**
 * The worker's HTTP endpoint for the machines that watch it (systemd, Kubernetes, Prometheus),
 * on METRICS_PORT:
 *
 * - `GET /live`: 200 while the worker runs (polls or drains), 503 once it failed or stopped;
 * - `GET /ready`: 200 when Temporal, the ledger and the mail server all answer now, else 503;
 *   the body names each check and, for a failed one, why (redacted);
 * - `GET /metrics`: the service's metrics (worker/metrics.ts) followed by the Temporal SDK's.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface HealthCheck {
  name: string;
  /** Resolves when the dependency answers. */
  run(): Promise<void>;
}

export interface HealthOptions {
  host: string;
  port: number;
  live(): boolean;
  checks: HealthCheck[];
  registry: Registry;
  /** Where the SDK's core serves its own metrics, if it does. */
  sdkMetricsUrl?: string;
  /** How a check's failure is shown (redacted: a driver's message may quote a URL). */
  describe(err: unknown): string;
  checkTimeoutMs?: number;
}

export interface HealthServer {
  port: number;
  close(): Promise<void>;
}

function withTimeout(p: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

async function readiness(opts: HealthOptions): Promise<{ ready: boolean; checks: Record<string, string> }> {
  const results = await Promise.all(
    opts.checks.map(async (c) => {
      try {
        await withTimeout(c.run(), opts.checkTimeoutMs ?? 3000);
        return [c.name, 'ok'] as const;
      } catch (err) {
        return [c.name, opts.describe(err)] as const;
      }
    }),
  );
  return { ready: results.every(([, r]) => r === 'ok'), checks: Object.fromEntries(results) };
}

async function metricsPage(opts: HealthOptions): Promise<string> {
  const own = await opts.registry.metrics();
  if (!opts.sdkMetricsUrl) return own;
  try {
    const res = await fetch(opts.sdkMetricsUrl, { signal: AbortSignal.timeout(3000) });
    return `${own}\n${await res.text()}`;
  } catch (err) {
    return `${own}\n# the Temporal SDK's metrics could not be read: ${opts.describe(err)}\n`;
  }
}

export async function startHealthServer(opts: HealthOptions): Promise<HealthServer> {
  const server = http.createServer((req, res) => {
    const send = (status: number, type: string, body: string): void => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    const json = (status: number, body: unknown): void => send(status, 'application/json', JSON.stringify(body));
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') return json(405, { error: 'GET only' });
    if (path === '/live') return opts.live() ? json(200, { status: 'live' }) : json(503, { status: 'stopped' });
    if (path === '/ready') {
      void readiness(opts).then(
        (r) => json(r.ready ? 200 : 503, { status: r.ready ? 'ready' : 'not ready', checks: r.checks }),
        (err: unknown) => json(503, { status: 'not ready', error: opts.describe(err) }),
      );
      return;
    }
    if (path === '/metrics') {
      void metricsPage(opts).then(
        (page) => send(200, opts.registry.contentType, page),
        (err: unknown) => send(500, 'text/plain', opts.describe(err)),
      );
      return;
    }
    json(404, { error: 'not found: /live, /ready, /metrics' });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
