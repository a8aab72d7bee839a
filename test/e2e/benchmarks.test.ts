/**
 * Every benchmark under bench/ still runs to its end and prints its figures, at sizes that take
 * seconds: `npm run bench` stops at the first that fails, and a page or a query changed without
 * its benchmark went unnoticed once (the web benchmark counted a markup /me no longer had).
 * What is checked is that each figure is there and counts what it says, never how fast it came:
 * speed is the benchmarks' own business, on a quiet machine.
 */
import path from 'node:path';
import { runScript } from '../helpers/processes';

/** A benchmark as `npm run bench` runs it, its exit code and its output (stdout and stderr together). */
async function bench(file: string, args: string[]): Promise<{ code: number; out: string }> {
  const run = await runScript(path.join('bench', file), args);
  return { code: run.code, out: `${run.stdout}\n${run.stderr}` };
}

/** The rows a ledger benchmark's query line reports, by its label. */
function queryRows(out: string, db: string): Record<string, number> {
  const section = out.split(`\n${db}: `)[1]?.split('\n\n')[0] ?? '';
  return Object.fromEntries(
    [...section.matchAll(/^ {2}(.+?)\s+\d+ ms\s+\((\d+) rows\)$/gm)].map((m) => [m[1]!, Number(m[2])]),
  );
}

describe('the benchmarks, at small sizes', () => {
  it('ledger: fills SQLite and PostgreSQL and answers every audit query with rows', async () => {
    const run = await bench('ledger.bench.ts', ['--db', 'both', '--branches', '20', '--years', '2']);
    expect(run.code).toBe(0);
    for (const db of ['SQLite', 'PostgreSQL']) {
      expect(run.out).toMatch(new RegExp(`${db}: 10,880 events in [0-9.]+ s = [0-9,]+ events/s`));
      const {
        'refusals, answered (10 addresses)': answered,
        'refusal never answered': never,
        ...audit
      } = queryRows(run.out, db);
      expect(Object.keys(audit)).toHaveLength(7);
      for (const [label, n] of Object.entries(audit)) expect({ label, rows: n > 0 }).toEqual({ label, rows: true });
      // The refused branches mailed again later are answered (not those refused after their last
      // message); the address never mailed again is not.
      expect([db, answered! > 0 && answered! <= 10, never]).toEqual([db, true, 0]);
    }
    expect(run.out).toMatch(/database size \d+ MiB/);
  });

  it('mail: delivers every message to the SMTP sink once, and none on the resend', async () => {
    const run = await bench('mail.bench.ts', ['--messages', '200', '--concurrency', '4']);
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/render only: 200 messages in [0-9.]+ s = \d+ msg\/s/);
    expect(run.out).toMatch(/concurrency {2}4: 200 delivered \(0 failed\) in [0-9.]+ s = \d+ msg\/s/);
    expect(run.out).toMatch(/resend of all: 0 delivered/);
  });

  it('engine: rehearses the seed plan and fans out against the bare loop', async () => {
    const rehearsal = await bench('engine.bench.ts', ['--part', 'rehearsal', '--branches', '10']);
    expect(rehearsal.code).toBe(0);
    expect(rehearsal.out).toMatch(/rehearsal of seed 003, 10 branches: [0-9.]+ s wall; 50 deadlines/);
    expect(rehearsal.out).toMatch(/deadlineWorkflow: 50 run\(s\), [0-9.]+ workflow tasks/);

    const fanout = await bench('engine.bench.ts', [
      '--part',
      'fanout',
      '--fanout-branches',
      '50',
      '--lateness',
      'false',
    ]);
    expect(fanout.code).toBe(0);
    expect(fanout.out).toMatch(/bare loop of client\.workflow\.start: 106 deadlines in [0-9.]+ s = \d+\/s/);
    expect(fanout.out).toMatch(/campaign fan-out: 106 deadlines in [0-9.]+ s = \d+\/s/);
    expect(fanout.out).toMatch(/bare loop again, after the campaign: 106 deadlines/);
    expect(fanout.out).toMatch(/against the mean of the loops before and after it \(\d+\/s\): ratio [0-9.]+/);
  });

  it("web: a committee's /me, the API's submissions each recorded once, and the console's pages", async () => {
    const run = await bench('web.bench.ts', [
      ...['--part', 'both', '--branches', '10', '--views', '2'],
      ...['--console-branches', '40', '--years', '1', '--requests', '3'],
    ]);
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/my open deadlines \(c-[a-z0-9-]+, 5 branches, \d+ open deadlines\)/);
    expect(run.out).toMatch(/first: 10 concurrent API submissions in [0-9.]+ ms/);
    expect(run.out).toMatch(/again \(retries\): 10 concurrent API submissions/);
    expect(run.out).toContain('ledger: 10 submissions for 10 branches, each once: yes');
    expect(run.out).toMatch(/heatmap, quarterly report\s+p50 [0-9.]+ ms/);
    expect(run.out).toMatch(/heatmap PNG\s+p50 [0-9.]+ ms/);
    expect(run.out).toMatch(/materials: [1-9]\d* reports of 2010-9 given one file of 256 KiB each/);
    expect(run.out).toMatch(/ZIP run 2: \d+ MiB in [0-9.]+ s .*resident memory \d+ MiB before/);
  });
});
