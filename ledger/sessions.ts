/**
 * The web service's sign-in links and the sessions they start, kept in the ledger's database
 * (tables of migration 002; open it with `SqlLedger.sessions`). A sign-in token is 32 random bytes, valid 15 minutes and usable once; a
 * session id is 32 random bytes. Only SHA-256 hashes of either are stored, so a copy of the
 * database signs nobody in.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { LedgerDb } from './schema';

export const SIGN_IN_TTL_MS = 15 * 60 * 1000;

const hash = (s: string): string => createHash('sha256').update(s).digest('hex');
const newSecret = (): string => randomBytes(32).toString('base64url');
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export class SessionStore {
  constructor(
    private readonly db: Kysely<LedgerDb>,
    private readonly sessionTtlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** A new sign-in token for a known address; the caller mails it and forgets it. */
  async issueSignIn(email: string): Promise<string> {
    const token = newSecret();
    await this.db
      .insertInto('web_sign_in_tokens')
      .values({
        token_hash: hash(token),
        email,
        expires_at: new Date(this.now() + SIGN_IN_TTL_MS).toISOString(),
        used_at: null,
      })
      .execute();
    return token;
  }

  /** Whether the token could still be used (for the confirmation page; does not use it). */
  async signInPending(token: string): Promise<boolean> {
    if (!TOKEN_SHAPE.test(token)) return false;
    const row = await this.db
      .selectFrom('web_sign_in_tokens')
      .select(['expires_at', 'used_at'])
      .where('token_hash', '=', hash(token))
      .executeTakeFirst();
    return !!row && row.used_at === null && Date.parse(row.expires_at) > this.now();
  }

  /**
   * Uses the token (once: the update that marks it used is the check) and starts a session;
   * returns the session id for the cookie, or undefined for an unknown, used or expired token.
   */
  async redeem(token: string): Promise<{ sessionId: string; email: string } | undefined> {
    if (!TOKEN_SHAPE.test(token)) return undefined;
    const nowIso = new Date(this.now()).toISOString();
    const r = await this.db
      .updateTable('web_sign_in_tokens')
      .set({ used_at: nowIso })
      .where('token_hash', '=', hash(token))
      .where('used_at', 'is', null)
      .where('expires_at', '>', nowIso)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) return undefined;
    const row = await this.db
      .selectFrom('web_sign_in_tokens')
      .select('email')
      .where('token_hash', '=', hash(token))
      .executeTakeFirstOrThrow();
    const sessionId = newSecret();
    await this.db
      .insertInto('web_sessions')
      .values({
        id_hash: hash(sessionId),
        email: row.email,
        created_at: nowIso,
        expires_at: new Date(this.now() + this.sessionTtlMs).toISOString(),
      })
      .execute();
    return { sessionId, email: row.email };
  }

  /** The address signed in under this session id, if the session is live. */
  async session(sessionId: string | undefined): Promise<string | undefined> {
    if (!sessionId || !TOKEN_SHAPE.test(sessionId)) return undefined;
    const row = await this.db
      .selectFrom('web_sessions')
      .select(['email', 'expires_at'])
      .where('id_hash', '=', hash(sessionId))
      .executeTakeFirst();
    return row && Date.parse(row.expires_at) > this.now() ? row.email : undefined;
  }

  async end(sessionId: string | undefined): Promise<void> {
    if (!sessionId || !TOKEN_SHAPE.test(sessionId)) return;
    await this.db.deleteFrom('web_sessions').where('id_hash', '=', hash(sessionId)).execute();
  }
}
