/**
 * The service's logs: one JSON object a line (pino) on stdout, for journald or any collector,
 * with no secret in them. Secrets come from the configuration (the ledger's and the mail
 * server's URLs, the link key, the API token and key); they are taken out twice: every string
 * logged goes through `redactSecrets` before it is written, and every line written has any
 * secret that still appears (in any form, JSON-escaped included) masked.
 *
 * The Temporal SDK's own logs (the worker's, and its Rust core's, forwarded) go through the same
 * logger (`temporalLogger`).
 */
import pino, { type DestinationStream, type Logger } from 'pino';
import type { LogLevel, LogMetadata, Logger as SdkLogger } from '@temporalio/common';
import { redactSecrets, secretsOf } from './redact';

type Env = Record<string, string | undefined>;

/** The configuration's URLs that may carry a password, and its other secrets, from `env`. */
export function secretsOfEnv(env: Env): { urls: string[]; plain: string[] } {
  const urls = [env.LEDGER_URL, env.MAIL_URL, env.BASE_URL, env.TEMPORAL_ADDRESS].filter(
    (u): u is string => u !== undefined,
  );
  const plain = [env.LINK_SECRET, env.API_TOKEN, env.TEMPORAL_API_KEY].filter(
    (s): s is string => s !== undefined && s.length >= 3,
  );
  return { urls, plain };
}

const MASK = '***';

/**
 * An error's message with the secrets of `env` out of it, for the one plain line a process
 * prints when it cannot start (or a health check's reason): a driver may quote a URL or a key.
 */
export function redactedMessage(err: unknown, env: Env = process.env): string {
  const { urls, plain } = secretsOfEnv(env);
  let line = redactSecrets(err instanceof Error ? err.message : String(err), urls);
  for (const s of plain) line = line.split(s).join(MASK);
  return line;
}

/** Every form in which a secret could reach a JSON line: as is, and JSON-escaped. */
function lineForms(secrets: { urls: string[]; plain: string[] }): string[] {
  const raw = [...secrets.urls.flatMap(secretsOf), ...secrets.plain];
  const forms = raw.flatMap((s) => [s, JSON.stringify(s).slice(1, -1)]);
  return [...new Set(forms)].filter((s) => s.length >= 3).sort((a, b) => b.length - a.length);
}

/** A line with every known secret masked; replacing a whole escaped form keeps the JSON valid. */
function maskLine(line: string, forms: readonly string[]): string {
  let out = line;
  for (const f of forms) if (out.includes(f)) out = out.split(f).join(MASK);
  return out;
}

/** `value` with every string in it redacted (objects and arrays walked, errors turned into plain objects). */
function redactValue(value: unknown, urls: readonly string[], depth = 0): unknown {
  if (typeof value === 'string') return redactSecrets(value, urls);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) {
    const e = value as Error & { code?: unknown };
    return redactValue(
      { type: e.name, message: e.message, ...(e.code !== undefined ? { code: e.code } : {}), stack: e.stack },
      urls,
      depth + 1,
    );
  }
  if (Array.isArray(value)) return value.map((v) => redactValue(v, urls, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactValue(v, urls, depth + 1)]));
}

export interface LogOptions {
  /** `worker` or `web`: the `service` field of every line. */
  service: string;
  env?: Env;
  /** LOG_LEVEL by default, else `info`. */
  level?: string;
  /** Where lines go (stdout by default); tests hand in their own. */
  destination?: { write(line: string): unknown };
  /** Paths of fields to mask whole (pino's `redact`), e.g. a request's cookie header. */
  redact?: string[];
}

export function createLog(opts: LogOptions): Logger {
  const env = opts.env ?? process.env;
  const secrets = secretsOfEnv(env);
  const forms = lineForms(secrets);
  const out = opts.destination ?? process.stdout;
  const destination: DestinationStream = { write: (line: string) => out.write(maskLine(line, forms)) };
  return pino(
    {
      level: opts.level ?? env.LOG_LEVEL ?? 'info',
      ...(opts.redact ? { redact: opts.redact } : {}),
      base: { service: opts.service, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        log: (obj) => redactValue(obj, secrets.urls) as Record<string, unknown>,
      },
      hooks: {
        logMethod(args, method) {
          const redacted = args.map((a) => (typeof a === 'string' ? redactSecrets(a, secrets.urls) : a));
          method.apply(this, redacted as Parameters<typeof method>);
        },
      },
    },
    destination,
  );
}

const SDK_LEVELS: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/** The Temporal SDK's Logger on top of ours: its lines carry `sdk: true` and their metadata. */
export function temporalLogger(log: Logger): SdkLogger {
  const child = log.child({ sdk: true });
  const write = (level: LogLevel, message: string, meta?: LogMetadata): void => {
    child[SDK_LEVELS[level]](meta ?? {}, message);
  };
  return {
    log: write,
    trace: (m, meta) => write('TRACE', m, meta),
    debug: (m, meta) => write('DEBUG', m, meta),
    info: (m, meta) => write('INFO', m, meta),
    warn: (m, meta) => write('WARN', m, meta),
    error: (m, meta) => write('ERROR', m, meta),
  };
}
