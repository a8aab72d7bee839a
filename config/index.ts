/**
 * The service's configuration, read from the environment by every process that needs it (the
 * worker, the command line, the HTTP service) through one schema. Defaults are the embedded
 * setup: a local dev server, a SQLite ledger and a mail outbox under `.data/`. Where Temporal is
 * and how to reach it (TEMPORAL_*, temporal.toml profiles) is Temporal's own configuration, read
 * by `temporal-connection.ts` into `temporal`.
 */
import { z } from 'zod';
import { loadTemporalSettings, type TemporalSettings } from './temporal-connection';
import { LEDGER_POOL_DEFAULTS, type LedgerPoolOptions } from '../ledger/pool';

/**
 * The least length of a secret that signs or authorises (LINK_SECRET, API_TOKEN): an HMAC key is
 * as strong as its entropy, so shorter ones are refused when the configuration is read.
 */
export const MIN_SECRET_LENGTH = 32;

export const ConfigSchema = z.object({
  TASK_QUEUE: z.string().min(1).default('campaigns'),
  LEDGER_URL: z.string().min(1).default('sqlite:.data/ledger.sqlite'),
  /** A PostgreSQL ledger's connections per process, and how long a write waits for one (ledger/pool.ts). */
  LEDGER_POOL_SIZE: z.coerce.number().int().min(1).max(1000).default(LEDGER_POOL_DEFAULTS.size),
  LEDGER_POOL_WAIT_SECONDS: z.coerce
    .number()
    .min(0.1)
    .max(3600)
    .default(LEDGER_POOL_DEFAULTS.waitMs / 1000),
  MAIL_URL: z.string().min(1).default('outbox:.data/outbox'),
  MAIL_FROM: z.string().min(1).default('创先争优活动领导小组办公室 <campaign-office@example.org>'),
  BASE_URL: z.url().default('http://localhost:8080'),
  /** Signs the links in mail (web/links.ts); `npm start` keeps one in .data/link-secret. */
  LINK_SECRET: z.string().min(MIN_SECRET_LENGTH, `at least ${MIN_SECRET_LENGTH} characters`).optional(),
  /** The JSON logs' least level (config/log.ts). */
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info'),
  /** The worker's /live, /ready and /metrics (config/health.ts); none without a port. */
  METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  /** How long a stopping worker lets the activities in flight (a mail being sent) finish. */
  SHUTDOWN_GRACE_SECONDS: z.coerce.number().int().min(0).max(3600).default(30),
  /**
   * How soon a re-imported organisation file (`appoint --org`) reaches the worker's mail: each
   * campaign's contacts are read from the ledger at most this often (mail/current-contacts.ts).
   */
  CONTACTS_FRESH_SECONDS: z.coerce.number().min(0).max(3600).default(2),
});
/** What the schema gives, plus the Temporal settings. */
export type WithTemporal<T> = T & { temporal: TemporalSettings };
export type Config = WithTemporal<z.infer<typeof ConfigSchema>>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'CONFIG_INVALID';
}

export function parseConfig(env: Record<string, string | undefined> = process.env): Config {
  const r = ConfigSchema.safeParse(env);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  // Mail that leaves the machine must carry signed links; only the embedded outbox may do without.
  if (r.data.LINK_SECRET === undefined && !r.data.MAIL_URL.startsWith('outbox:')) {
    throw new ConfigError(
      'invalid configuration:\n  LINK_SECRET: required when MAIL_URL sends mail (smtp://, smtps://)',
    );
  }
  return { ...r.data, temporal: loadTemporalSettings(env) };
}

/** The ledger's connection pool as the configuration sets it. */
export function ledgerPoolOf(config: Pick<Config, 'LEDGER_POOL_SIZE' | 'LEDGER_POOL_WAIT_SECONDS'>): LedgerPoolOptions {
  return { size: config.LEDGER_POOL_SIZE, waitMs: Math.round(config.LEDGER_POOL_WAIT_SECONDS * 1000) };
}

let parsed: Config | undefined;

/** This process's configuration: its environment, parsed on first use and kept. */
export function processConfig(): Config {
  return (parsed ??= parseConfig(process.env));
}
