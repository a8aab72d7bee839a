/**
 * The ledger's location as a URL: `sqlite:<path>`, `sqlite::memory:`, `sqlite:///abs/path`,
 * or `postgres://user:pass@host:port/db`. Errors show the URL with its password masked.
 */
import { redactSecrets, redactUrl } from '../config/redact';

export type LedgerLocation = { dialect: 'sqlite'; file: string } | { dialect: 'postgres'; connectionString: string };

/** Raised when the ledger cannot be opened: bad URL, unreachable server, wrong password, unwritable file. */
export class LedgerConnectionError extends Error {
  override readonly name = 'LedgerConnectionError';
  readonly code = 'LEDGER_UNAVAILABLE';
  constructor(
    readonly url: string,
    reason: string,
  ) {
    super(`cannot open the ledger at ${redactUrl(url)}: ${redactSecrets(reason, [url])}`);
  }
}

/** The ledger's name for `redactUrl` (config/redact.ts), the one redaction of every URL. */
export const maskUrl = redactUrl;

export function parseLedgerUrl(url: string): LedgerLocation {
  if (url === 'sqlite::memory:') return { dialect: 'sqlite', file: ':memory:' };
  if (url.startsWith('sqlite://')) return { dialect: 'sqlite', file: url.slice('sqlite://'.length) };
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length);
    if (file === '') throw new LedgerConnectionError(url, 'no file path after "sqlite:"');
    return { dialect: 'sqlite', file };
  }
  if (/^postgres(ql)?:\/\//.test(url)) return { dialect: 'postgres', connectionString: url };
  throw new LedgerConnectionError(url, 'expected a URL starting with sqlite: or postgres://');
}
