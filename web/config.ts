/**
 * The web service's configuration: the service's own (config/index.ts) plus what only the
 * front door needs. LINK_SECRET is required here: every page hangs on it.
 */
import { z } from 'zod';
import { ConfigError, ConfigSchema, MIN_SECRET_LENGTH, type WithTemporal } from '../config';
import { loadTemporalSettings } from '../config/temporal-connection';
import { outboxDirOf } from '../mail/outbox';
import { WebError } from './errors';

export const WebConfigSchema = ConfigSchema.extend({
  LINK_SECRET: z.string().min(MIN_SECRET_LENGTH, `at least ${MIN_SECRET_LENGTH} characters`),
  /** The organisation file: who may sign in, and what each person sees. */
  ORG: z.string().min(1).default('plans/orgs/sample-university.yaml'),
  ATTACHMENTS_DIR: z.string().min(1).default('.data/attachments'),
  /** How often the web service sweeps files named by nobody out of ATTACHMENTS_DIR (web/attachment-sweep.ts); 0: never. */
  ATTACHMENT_SWEEP_HOURS: z.coerce
    .number()
    .min(0)
    .max(24 * 30)
    .default(24),
  /** How old a file named by nobody must be before a sweep removes it. */
  ATTACHMENT_GRACE_DAYS: z.coerce.number().min(1).max(365).default(7),
  /** How long a session lasts without signing in again. */
  SESSION_TTL_HOURS: z.coerce.number().positive().max(720).default(12),
  /** The office's token for the JSON API (`Authorization: Bearer …`); no token, no token access. */
  API_TOKEN: z.string().min(MIN_SECRET_LENGTH, `at least ${MIN_SECRET_LENGTH} characters`).optional(),
  /** The address to listen on; the port is BASE_URL's unless WEB_PORT says otherwise (behind a proxy). */
  WEB_HOST: z.string().min(1).default('127.0.0.1'),
  WEB_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /**
   * The web service's /live, /ready and /metrics (config/health.ts), on a port of their own that
   * must not face the internet (not BASE_URL's: the proxy forwards only that one); none without a port.
   */
  WEB_METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  WEB_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  /** Where the Temporal dev server's Web UI is served (`npm start`: http://127.0.0.1:8233): a deadline's page links its workflow there. */
  TEMPORAL_UI_URL: z.url().optional(),
});
export type WebConfig = WithTemporal<z.infer<typeof WebConfigSchema>>;

export function parseWebConfig(env: Record<string, string | undefined> = process.env): WebConfig {
  const r = WebConfigSchema.safeParse(env);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const config: WebConfig = { ...r.data, temporal: loadTemporalSettings(env) };
  if (config.WEB_METRICS_PORT !== undefined && config.WEB_METRICS_PORT === listenPort(config))
    throw new ConfigError(
      `invalid configuration:\n  WEB_METRICS_PORT: ${config.WEB_METRICS_PORT} is the port the web service serves people on; give the probes and metrics a port of their own`,
    );
  return config;
}

export function listenPort(c: WebConfig): number {
  if (c.WEB_PORT !== undefined) return c.WEB_PORT;
  const u = new URL(c.BASE_URL);
  return u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
}

/** Cookies are Secure when people reach the service over HTTPS (directly or through a proxy). */
export const secureCookies = (c: WebConfig): boolean => new URL(c.BASE_URL).protocol === 'https:';

/** The outbox this service's mail is written to (the console's and the API's 发件箱); 404 when mail goes out by SMTP. */
export function outboxDirIn(c: Pick<WebConfig, 'MAIL_URL'>): string {
  const dir = outboxDirOf(c.MAIL_URL);
  if (dir === undefined) throw new WebError(404, '没有发件箱', '邮件经 SMTP 发出，本服务不保存发件箱。');
  return dir;
}
