/**
 * LINK_SECRET: required by the web service and by a worker whose mail leaves the machine;
 * `npm start` makes one into .data/ on its first start (scripts/link-secret.sh) and keeps it.
 */
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { ConfigError, parseConfig } from '../../config';
import { parseWebConfig } from '../../web/config';

const ROOT = path.resolve(__dirname, '..', '..');
const secretOf = (dir: string): string =>
  execFileSync('bash', [path.join(ROOT, 'scripts', 'link-secret.sh'), dir], { encoding: 'utf8' });

describe('LINK_SECRET', () => {
  it('is required by the web service, and by a worker that mails by SMTP', () => {
    const refusal = (f: () => unknown): string => {
      try {
        f();
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as Error).message;
      }
      throw new Error('accepted');
    };
    expect(refusal(() => parseWebConfig({}))).toMatch(/LINK_SECRET/);
    expect(refusal(() => parseWebConfig({ LINK_SECRET: 'short' }))).toMatch(/LINK_SECRET: at least/);
    expect(refusal(() => parseConfig({ MAIL_URL: 'smtp://127.0.0.1:2525' }))).toMatch(/LINK_SECRET: required/);
    // The embedded outbox may go without: nothing it writes leaves the machine.
    expect(parseConfig({ MAIL_URL: 'outbox:.data/outbox' }).LINK_SECRET).toBeUndefined();
  });

  it('is made on the first start, kept for the next, and readable by its owner only', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'link-secret-'));
    try {
      const data = path.join(dir, '.data');
      const first = secretOf(data);
      expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 random bytes, base64url
      expect(secretOf(data)).toBe(first);
      expect((await stat(path.join(data, 'link-secret'))).mode & 0o777).toBe(0o600);
      expect(parseWebConfig({ LINK_SECRET: first }).LINK_SECRET).toBe(first);
      // Another installation gets a secret of its own.
      expect(secretOf(path.join(dir, 'other'))).not.toBe(first);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
