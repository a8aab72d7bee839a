/**
 * The HTTP endpoint each long-running process of the service (the worker, the web service)
 * serves for the machines that watch it (systemd, Kubernetes, Prometheus), on a port of its own
 * that never faces the internet (the worker's METRICS_PORT, the web's WEB_METRICS_PORT):
 *
 * - `GET /live`: 200 while the process serves (the worker polls or drains, the web listens), 503
 *   once it failed or is stopping;
 * - `GET /ready`: 200 when every dependency it needs answers now, else 503; the body names each
 *   check and, for a failed one, why (redacted);
 * - `GET /metrics`: the process's registry (Node's own metrics and the service's), followed, in
 *   the worker, by the Temporal SDK's.
 *
 * The checks both processes make are here too, so that "Temporal is ready" means one thing.
 */
import { access, constants, mkdir } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from '@temporalio/client';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { LedgerStore } from '../ledger/types';

export interface HealthCheck {
  name: string;
  /** Resolves when the dependency answers. */
  run(): Promise<void>;
}

/** How long a check may take before it counts as failed (a prober waits a few seconds at most). */
const CHECK_TIMEOUT_MS = 3000;

/** A registry with Node's process metrics (`process_*`, `nodejs_*`), for the service's own beside them. */
export function processRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** The Temporal server answers, and knows the client's namespace. */
export function temporalCheck(client: Client): HealthCheck {
  return {
    name: 'temporal',
    run: async () =>
      void (await client.connection.withDeadline(Date.now() + CHECK_TIMEOUT_MS, () =>
        client.workflowService.describeNamespace({ namespace: client.options.namespace }),
      )),
  };
}

/** The ledger answers a read. */
export function ledgerCheck(ledger: Pick<LedgerStore, 'get'>): HealthCheck {
  return { name: 'ledger', run: async () => void (await ledger.get('readiness-probe')) };
}

/** Resolves when `dir` exists (made if missing) and this process may write in it. */
export async function writableDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await access(dir, constants.W_OK);
}

export interface HealthOptions {
  host: string;
  port: number;
  live(): boolean;
  checks: HealthCheck[];
  registry: Registry;
  /** Where the Temporal SDK's core serves its own metrics, if it does (the worker's). */
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
        await withTimeout(c.run(), opts.checkTimeoutMs ?? CHECK_TIMEOUT_MS);
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
