/**
 * People's API tokens in the ledger (ledger/api-tokens.ts), on SQLite and PostgreSQL: only the
 * secret's hash is kept, a token is refused once revoked or expired or altered, a person holds at
 * most ten live ones, and a revocation is recorded once.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { openSqlLedger, type SqlLedger } from '../../ledger/store';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import { ApiTokenRefused, ApiTokenStore, LAST_USED_GRAIN_MS, MAX_TOKENS_PER_PERSON } from '../../ledger/api-tokens';
import { migrations, type WebApiTokensTable } from '../../ledger/schema';
import { ledgerBackends } from '../helpers/postgres';

const backends = ledgerBackends('api-tokens');
const DAY = 86_400_000;

/** Every row of the tokens' table as the database holds it, read past the store. */
async function rawRows(url: string): Promise<unknown[]> {
  if (url.startsWith('sqlite:')) {
    const db = new Database(url.slice('sqlite:'.length), { readonly: true });
    try {
      return db.prepare('select * from web_api_tokens').all();
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<Record<string, unknown>>('select * from web_api_tokens')).rows;
  } finally {
    await client.end();
  }
}

/** A Kysely of its own on the ledger's database, to migrate it part of the way as an older release did. */
function kyselyOn(url: string): Kysely<unknown> {
  return url.startsWith('sqlite:')
    ? new Kysely({ dialect: new SqliteDialect({ database: new Database(url.slice('sqlite:'.length)) }) })
    : new Kysely({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url }) }) });
}

/** One token's row as the database holds it. */
async function rawRow(url: string, id: string): Promise<WebApiTokensTable> {
  const row = (await rawRows(url)).find((r) => (r as { id: string }).id === id);
  if (!row) throw new Error(`no token ${id}`);
  return row as WebApiTokensTable;
}

describe.each(backends)('API tokens in the ledger on %s', (_name, urlFor) => {
  let ledger: SqlLedger;
  let url: string;
  let clock: number;
  beforeEach(async () => {
    url = await urlFor();
    ledger = await openSqlLedger(url);
    clock = Date.parse('2026-12-05T08:00:00Z');
  });
  afterEach(async () => {
    await ledger.close();
  });
  const store = () => ledger.apiTokens(() => clock);

  it('keeps the hash of the secret only, verifies the token itself and refuses it altered', async () => {
    const { token, info } = await store().create({
      email: 'Liu.Yang@example.org',
      name: '看板',
      access: 'read',
      days: 90,
    });
    expect(token).toMatch(/^cpt_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(info).toMatchObject({ email: 'liu.yang@example.org', access: 'read', lastUsedAt: null });
    expect(info.expiresAt).toBe(new Date(clock + 90 * DAY).toISOString());
    const secret = token.split('_').slice(2).join('_');
    const dump = JSON.stringify(await rawRows(url));
    expect(dump).toContain(info.id);
    expect(dump).not.toContain(secret);

    expect(await store().verify(token)).toMatchObject({ id: info.id, email: 'liu.yang@example.org' });
    const last = token.at(-1) === 'A' ? 'B' : 'A';
    expect(await store().verify(token.slice(0, -1) + last)).toBeUndefined();
    expect(await store().verify(token.replace(info.id, '0'.repeat(12)))).toBeUndefined();
    expect(await store().verify(`Bearer ${token}`)).toBeUndefined();
    expect(await store().verify('')).toBeUndefined();
  });

  it('notes its last use at most once a minute, and refuses it once expired', async () => {
    const { token, info } = await store().create({ email: 'a@example.org', name: 'x', access: 'write', days: 30 });
    await store().verify(token);
    const first = (await store().get(info.id))!.lastUsedAt;
    expect(first).toBe(new Date(clock).toISOString());
    clock += LAST_USED_GRAIN_MS - 1;
    await store().verify(token);
    expect((await store().get(info.id))!.lastUsedAt).toBe(first);
    clock += 1;
    await store().verify(token);
    expect((await store().get(info.id))!.lastUsedAt).toBe(new Date(clock).toISOString());

    clock = Date.parse(info.expiresAt) - 1;
    expect(await store().verify(token)).toBeDefined();
    clock += 1;
    expect(await store().verify(token)).toBeUndefined();
  });

  it('revokes once, names who revoked, and refuses the token from then on', async () => {
    const { token, info } = await store().create({ email: 'a@example.org', name: 'x', access: 'read', days: 30 });
    clock += 5000;
    const revoked = await store().revoke(info.id, 'office@example.org');
    expect(revoked).toMatchObject({ revokedAt: new Date(clock).toISOString(), revokedBy: 'office@example.org' });
    expect(await store().verify(token)).toBeUndefined();
    await expect(store().revoke(info.id, 'a@example.org')).rejects.toMatchObject({ code: 'REVOKED' });
    expect((await store().get(info.id))!.revokedBy).toBe('office@example.org');
    await expect(store().revoke('0123456789ab', 'a@example.org')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('holds at most ten live tokens per person; a revoked or expired one frees its place', async () => {
    const made = [];
    for (let i = 0; i < MAX_TOKENS_PER_PERSON; i++)
      made.push(
        await store().create({ email: 'a@example.org', name: `t${i}`, access: 'read', days: i === 0 ? 30 : 90 }),
      );
    const refused = store().create({ email: 'A@example.org', name: 'one more', access: 'read', days: 30 });
    await expect(refused).rejects.toBeInstanceOf(ApiTokenRefused);
    await expect(refused).rejects.toMatchObject({ code: 'TOO_MANY' });
    // Another person is not counted against.
    await store().create({ email: 'b@example.org', name: 'b', access: 'read', days: 30 });

    await store().revoke(made[1]!.info.id, 'a@example.org');
    await store().create({ email: 'a@example.org', name: 'after revoking', access: 'read', days: 90 });
    await expect(store().create({ email: 'a@example.org', name: 'x', access: 'read', days: 30 })).rejects.toMatchObject(
      {
        code: 'TOO_MANY',
      },
    );
    clock += 30 * DAY; // the first, made for 30 days, has expired
    await store().create({ email: 'a@example.org', name: 'after expiry', access: 'read', days: 90 });

    const list = await store().list('a@example.org');
    expect(list).toHaveLength(MAX_TOKENS_PER_PERSON + 2);
    expect(list.filter((t) => store().isLive(t))).toHaveLength(MAX_TOKENS_PER_PERSON);
    expect((await store().list()).map((t) => t.email)).toContain('b@example.org');
  });

  it('keeps the tokens made before calendar tokens existed, and takes calendar tokens since', async () => {
    // A ledger as the release before made it: every migration but the one that allows calendar tokens.
    await ledger.close();
    const fresh = await urlFor();
    const old = kyselyOn(fresh);
    const before = Object.fromEntries(Object.entries(migrations).filter(([name]) => name !== '013-calendar-tokens'));
    const migrated = await new Migrator({
      db: old,
      provider: { getMigrations: () => Promise.resolve(before) },
    }).migrateToLatest();
    expect(migrated.error).toBeUndefined();
    const made = await new ApiTokenStore(old as never, () => clock).create({
      email: 'a@example.org',
      name: '看板',
      access: 'write',
      days: 30,
    });
    // Refused by the check (matched by message: the driver's error class may be another realm's).
    await expect(
      new ApiTokenStore(old as never, () => clock).create({
        email: 'a@example.org',
        name: '日历',
        access: 'calendar',
        days: 30,
      }),
    ).rejects.toMatchObject({ message: expect.stringMatching(/check constraint/i) });
    await old.destroy();

    ledger = await openSqlLedger(fresh);
    expect(await store().verify(made.token)).toMatchObject({ id: made.info.id, access: 'write' });
    const cal = await store().create({ email: 'a@example.org', name: '日历订阅', access: 'calendar', days: 365 });
    expect(await store().verify(cal.token)).toMatchObject({ access: 'calendar' });
    expect((await store().list('a@example.org')).map((t) => t.access).sort()).toEqual(['calendar', 'write']);
    // The check stands: no other access is kept.
    const raw = kyselyOn(fresh) as unknown as Kysely<{ web_api_tokens: WebApiTokensTable }>;
    try {
      const row = { ...(await rawRow(fresh, cal.info.id)), id: 'ffffffffffff', access: 'admin' };
      await expect(raw.insertInto('web_api_tokens').values(row).execute()).rejects.toMatchObject({
        message: expect.stringMatching(/check constraint/i),
      });
    } finally {
      await raw.destroy();
    }
  });
});
