/**
 * Personal API tokens (migration 010): a person signed in to the web service makes a token for a
 * program of theirs (a spreadsheet's import, a committee's dashboard), and the token acts as that
 * person, in their scope as the organisation file gives it on each request. A token reads only,
 * or reads and writes, or serves only the person's calendar feed; it lasts a chosen number of days; its owner or the office revokes it.
 *
 * A token is `cpt_<id>_<secret>`: the id (12 hex digits) finds the row and is what lists show, so
 * a person can tell which token a program holds; only the SHA-256 of the secret is kept, so a copy
 * of the database authorises nobody. The prefix lets secret scanners recognise a leaked token.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { LedgerDb, WebApiTokensTable } from './schema';

/**
 * `read` and `write` serve programs through the API; `calendar` only the person's calendar feed
 * (`/calendar/<token>.ics`, web/routes/calendar.ts), whose address a phone's calendar keeps: a
 * copy of it in a calendar service reads the person's deadlines and nothing else.
 */
export type TokenAccess = 'read' | 'write' | 'calendar';

/** How many live (unrevoked, unexpired) tokens one person may hold. */
export const MAX_TOKENS_PER_PERSON = 10;
/** How stale a token's "last used" may get before a request writes it again (not a write per request). */
export const LAST_USED_GRAIN_MS = 60_000;

const TOKEN_SHAPE = /^cpt_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;
const hash = (s: string): Buffer => createHash('sha256').update(s).digest();

/** A token as lists show it: never its secret. */
export interface ApiTokenInfo {
  id: string;
  email: string;
  name: string;
  access: TokenAccess;
  createdAt: string;
  expiresAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  revokedBy: string | null;
}

/** Why a token was not made or not revoked. */
export class ApiTokenRefused extends Error {
  constructor(
    readonly code: 'TOO_MANY' | 'NOT_FOUND' | 'REVOKED',
    message: string,
    /** The token as it stands (a revoked one: who revoked it, when). */
    readonly token?: ApiTokenInfo,
  ) {
    super(message);
    this.name = 'ApiTokenRefused';
  }
}

export class ApiTokenStore {
  constructor(
    private readonly db: Kysely<LedgerDb>,
    private readonly now: () => number = Date.now,
  ) {}

  /** A new token for `email`; the caller shows it once and forgets it. */
  async create(input: {
    email: string;
    name: string;
    access: TokenAccess;
    days: number;
  }): Promise<{ token: string; info: ApiTokenInfo }> {
    const email = input.email.toLowerCase();
    const live = (await this.list(email)).filter((t) => this.isLive(t));
    if (live.length >= MAX_TOKENS_PER_PERSON)
      throw new ApiTokenRefused(
        'TOO_MANY',
        `已有 ${live.length} 个有效令牌，最多 ${MAX_TOKENS_PER_PERSON} 个；请先撤销不再使用的令牌。`,
      );
    const id = randomBytes(6).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    const now = this.now();
    const info: ApiTokenInfo = {
      id,
      email,
      name: input.name,
      access: input.access,
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(now + input.days * 86_400_000).toISOString(),
      lastUsedAt: null,
      revokedAt: null,
      revokedBy: null,
    };
    await this.db
      .insertInto('web_api_tokens')
      .values({
        id,
        secret_hash: hash(secret).toString('hex'),
        email,
        name: info.name,
        access: info.access,
        created_at: info.createdAt,
        expires_at: info.expiresAt,
        last_used_at: null,
        revoked_at: null,
        revoked_by: null,
      })
      .execute();
    return { token: `cpt_${id}_${secret}`, info };
  }

  /**
   * The live token a bearer value names, or undefined (malformed, unknown, wrong secret, revoked,
   * expired). Notes its use, at most once a minute.
   */
  async verify(bearer: string): Promise<ApiTokenInfo | undefined> {
    const m = TOKEN_SHAPE.exec(bearer);
    if (!m) return undefined;
    const row = await this.db.selectFrom('web_api_tokens').selectAll().where('id', '=', m[1]!).executeTakeFirst();
    if (!row || !timingSafeEqual(Buffer.from(row.secret_hash, 'hex'), hash(m[2]!))) return undefined;
    const info = toInfo(row);
    if (!this.isLive(info)) return undefined;
    const now = this.now();
    if (info.lastUsedAt === null || now - Date.parse(info.lastUsedAt) >= LAST_USED_GRAIN_MS) {
      info.lastUsedAt = new Date(now).toISOString();
      await this.db
        .updateTable('web_api_tokens')
        .set({ last_used_at: info.lastUsedAt })
        .where('id', '=', info.id)
        .execute();
    }
    return info;
  }

  /** One person's tokens, or everybody's (the office's list), the newest first. */
  async list(email?: string): Promise<ApiTokenInfo[]> {
    let q = this.db.selectFrom('web_api_tokens').selectAll();
    if (email !== undefined) q = q.where('email', '=', email.toLowerCase());
    const rows = await q.orderBy('created_at', 'desc').orderBy('id').execute();
    return rows.map(toInfo);
  }

  async get(id: string): Promise<ApiTokenInfo | undefined> {
    const row = await this.db.selectFrom('web_api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toInfo(row);
  }

  /** Revokes a token for good; the update that sets `revoked_at` is the check, so two revocations record one. */
  async revoke(id: string, by: string): Promise<ApiTokenInfo> {
    const r = await this.db
      .updateTable('web_api_tokens')
      .set({ revoked_at: new Date(this.now()).toISOString(), revoked_by: by })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    const info = await this.get(id);
    if (!info) throw new ApiTokenRefused('NOT_FOUND', `没有令牌 ${id}。`);
    if (Number(r.numUpdatedRows) !== 1)
      throw new ApiTokenRefused('REVOKED', `令牌 ${id} 已由 ${info.revokedBy ?? ''} 撤销。`, info);
    return info;
  }

  isLive(t: ApiTokenInfo): boolean {
    return t.revokedAt === null && Date.parse(t.expiresAt) > this.now();
  }
}

function toInfo(row: WebApiTokensTable): ApiTokenInfo {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    access: row.access === 'write' || row.access === 'calendar' ? row.access : 'read',
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
    revokedBy: row.revoked_by,
  };
}
