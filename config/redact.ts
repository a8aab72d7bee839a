/**
 * Secrets out of everything printed: every URL the service shows (the worker's start line, the
 * ledger's and the mailer's errors, the command line's errors) goes through `redactUrl`, and
 * text from elsewhere (a library's error message) through `redactSecrets` with the URLs of the
 * configuration, so a password appears in no log line and no error.
 *
 * People write passwords into URLs as they are, `/`, `@` and `:` included, so the credentials
 * are found without a URL parser: they run from after `scheme://` to the last `@`. A URL whose
 * query or path holds an `@` loses more than its password; a log line may lose a host name, but
 * it never shows a password.
 */

const SCHEME = /^([a-z][a-z0-9+.-]*:\/\/)/i;
/** Query parameters that carry a secret in the URLs the service takes (pg's `password=`, tokens). */
const SECRET_PARAM = /([?&;](?:[a-z_-]*pass(?:word)?|pwd|secret|token|api[_-]?key|auth)=)[^&#;]*/gi;
const MASK = '***';

/** `url` with the password of its user and any secret query parameter replaced by `***`. */
export function redactUrl(url: string): string {
  const scheme = SCHEME.exec(url);
  if (!scheme) return url; // sqlite:<file>, outbox:<dir>: nothing secret in them
  const rest = url.slice(scheme[1]!.length);
  const at = rest.lastIndexOf('@');
  let out = rest;
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    const colon = userinfo.indexOf(':');
    out = `${colon >= 0 ? `${userinfo.slice(0, colon)}:` : ''}${MASK}@${rest.slice(at + 1)}`;
  }
  return scheme[1]! + out.replace(SECRET_PARAM, `$1${MASK}`);
}

/** The secrets a URL carries: its password (as written, and decoded) and secret parameters. */
export function secretsOf(url: string): string[] {
  const scheme = SCHEME.exec(url);
  if (!scheme) return [];
  const rest = url.slice(scheme[1]!.length);
  const at = rest.lastIndexOf('@');
  const found: string[] = [];
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    const colon = userinfo.indexOf(':');
    found.push(colon >= 0 ? userinfo.slice(colon + 1) : userinfo);
  }
  for (const m of rest.matchAll(SECRET_PARAM)) found.push(m[0].slice(m[1]!.length));
  const decoded = (s: string): string[] => {
    try {
      return [decodeURIComponent(s)];
    } catch {
      return [];
    }
  };
  const forms = found.flatMap((s) => [s, ...decoded(s), encodeURIComponent(s)]);
  // A secret of one or two characters would blank half a message; such a secret is no secret.
  return [...new Set(forms)].filter((s) => s.length >= 3);
}

/**
 * `text` with every URL in it redacted and every secret of `urls` (the configuration's) masked
 * wherever it appears: a library may quote a password outside any URL.
 */
export function redactSecrets(text: string, urls: readonly string[] = []): string {
  let out = text.replace(/\b[a-z][a-z0-9+.-]*:\/\/\S+/gi, (u) => redactUrl(u));
  const secrets = urls.flatMap(secretsOf).sort((a, b) => b.length - a.length);
  for (const s of secrets) out = out.split(s).join(MASK);
  return out;
}
