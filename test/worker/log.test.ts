/**
 * The JSON logs (config/log.ts): every line an object, and the configuration's secrets out of
 * it in any form, whether logged as a message, inside an error, in the SDK's metadata, or
 * JSON-escaped by the serializer.
 */
import { createLog, temporalLogger } from '../../config/log';

const PASSWORD = 'Rq2"pass\\word/@:x';
const API_KEY = 'temporal-cloud-key-1234567890';
const env = {
  LEDGER_URL: `postgres://ledger:${encodeURIComponent(PASSWORD)}@db.example.org/ledger`,
  MAIL_URL: 'smtp://office:Mx9-mail-secret@smtp.example.org:587',
  TEMPORAL_API_KEY: API_KEY,
};

function capture(): { lines: string[]; destination: { write(line: string): void } } {
  const lines: string[] = [];
  return { lines, destination: { write: (line: string) => lines.push(...line.trim().split('\n')) } };
}

describe('the JSON logs', () => {
  it('write one object a line and mask every secret of the configuration', () => {
    const { lines, destination } = capture();
    const log = createLog({ service: 'worker', env, destination });
    log.info(`ledger at ${env.LEDGER_URL}`);
    log.error({ err: new Error(`auth failed for "${PASSWORD}" with key ${API_KEY}`) }, 'ledger write failed');
    log.warn({ password: PASSWORD, nested: { url: env.MAIL_URL } }, 'as metadata');
    temporalLogger(log).warn('Activity failed', { error: new Error(`smtp said Mx9-mail-secret`), attempt: 2 });
    expect(lines).toHaveLength(4);
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records[0]).toMatchObject({
      level: 'info',
      service: 'worker',
      msg: 'ledger at postgres://ledger:***@db.example.org/ledger',
    });
    expect(records[3]).toMatchObject({ level: 'warn', sdk: true, msg: 'Activity failed', attempt: 2 });
    for (const line of lines) {
      for (const secret of [PASSWORD, encodeURIComponent(PASSWORD), JSON.stringify(PASSWORD).slice(1, -1), API_KEY])
        expect(line).not.toContain(secret);
      expect(line).not.toContain('Mx9-mail-secret');
    }
  });

  it('keeps below its level out', () => {
    const { lines, destination } = capture();
    const log = createLog({ service: 'web', env, destination, level: 'warn' });
    log.info('not shown');
    temporalLogger(log).debug('not shown either');
    log.warn('shown');
    expect(lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(['shown']);
  });
});
