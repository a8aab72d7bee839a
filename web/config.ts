/**
 * The web service's configuration: the service's own (worker/config.ts) plus what only the
 * front door needs. LINK_SECRET is required here: every page hangs on it.
 */
import { z } from 'zod';
import { ConfigError, ConfigSchema, type WithTemporal } from '../config';
import { loadTemporalSettings } from '../config/temporal-connection';
import { MIN_SECRET_LENGTH } from './links';

export const WebConfigSchema = ConfigSchema.extend({
  LINK_SECRET: z.string().min(MIN_SECRET_LENGTH, `at least ${MIN_SECRET_LENGTH} characters`),
  /** The organisation file: who may sign in, and what each person sees. */
  ORG: z.string().min(1).default('plans/orgs/sample-university.yaml'),
  ATTACHMENTS_DIR: z.string().min(1).default('.data/attachments'),
  /** How long a session lasts without signing in again. */
  SESSION_TTL_HOURS: z.coerce.number().positive().max(720).default(12),
  /** The office's token for the JSON API (`Authorization: Bearer …`); no token, no token access. */
  API_TOKEN: z.string().min(MIN_SECRET_LENGTH, `at least ${MIN_SECRET_LENGTH} characters`).optional(),
  /** The address to listen on; the port is BASE_URL's unless WEB_PORT says otherwise (behind a proxy). */
  WEB_HOST: z.string().min(1).default('127.0.0.1'),
  WEB_PORT: z.coerce.number().int().min(0).max(65535).optional(),
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
  return { ...r.data, temporal: loadTemporalSettings(env) };
}

export function listenPort(c: WebConfig): number {
  if (c.WEB_PORT !== undefined) return c.WEB_PORT;
  const u = new URL(c.BASE_URL);
  return u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
}

/** Cookies are Secure when people reach the service over HTTPS (directly or through a proxy). */
export const secureCookies = (c: WebConfig): boolean => new URL(c.BASE_URL).protocol === 'https:';
