import path from 'node:path';
import os from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { fork } from 'node:child_process';
import { openLedger } from '../../ledger';
import type { LedgerEvent, LedgerStore } from '../../ledger/types';
import {
  lagRanking,
  laggingUnits,
  lateReviewers,
  openRectifications,
  unitHistory,
  deadlineRows,
} from '../../ledger/audit';
import { startPostgres, createDatabase, type PgCluster } from '../helpers/postgres';
import { freePort } from '../helpers/ports';

const DAY = 86_400_000;
const C = 'camp';
const iso = (ms: number): string => new Date(ms).toISOString();
const T0 = Date.parse('2010-07-01T00:00:00.000Z');

/** A small campaign whose audit answer is known by construction. */
function seedEvents(): LedgerEvent[] {
  const ev: LedgerEvent[] = [];
  const deadline = (ob: string, cycle: string, unit: string, committee: string, due: number) => {
    const base = {
      campaignId: C,
      obligationKey: ob,
      cycleKey: cycle,
      unitId: unit,
      committeeId: committee,
      phaseKey: 'engage',
    };
    ev.push({
      ...base,
      id: `${ob}/${cycle}/${unit}:opened`,
      kind: 'deadline-opened',
      at: iso(due - 14 * DAY),
      dueAt: iso(due),
    });
    return {
      submit: (lateDays: number) =>
        ev.push({
          ...base,
          id: `${ob}/${cycle}/${unit}:submission`,
          kind: ob.endsWith('.review') ? 'review-comment' : 'submission',
          at: iso(due + lateDays * DAY),
          dueAt: iso(due),
          lateMs: Math.max(0, lateDays * DAY),
          actor: 'sec',
        }),
      escalate: (n: number) =>
        ev.push({
          ...base,
          id: `${ob}/${cycle}/${unit}:escalated:escalation-${n}`,
          kind: 'escalated',
          at: iso(due + n * DAY),
          step: `escalation-${n}`,
        }),
      rectify: () =>
        ev.push({
          ...base,
          id: `${ob}/${cycle}/${unit}:rectification`,
          kind: 'rectification-ordered',
          at: iso(due + 10 * DAY),
          data: { deadline: iso(due + 20 * DAY) },
        }),
      extend: (days: number) =>
        ev.push({
          ...base,
          id: `${ob}/${cycle}/${unit}:extension:1`,
          kind: 'extension',
          at: iso(due - DAY),
          dueAt: iso(due + days * DAY),
          actor: 'office',
          reason: 'illness',
        }),
      waive: () =>
        ev.push({
          ...base,
          id: `${ob}/${cycle}/${unit}:waiver`,
          kind: 'waiver',
          at: iso(due - DAY),
          actor: 'office',
          reason: 'merged',
        }),
    };
  };
  const q3 = T0 + 80 * DAY;
  const q4 = T0 + 170 * DAY;
  // b1: always on time. b2: 3 days late in Q3, escalation-1; 5 days late in Q4.
  // b3: never in Q3 (escalation-2 and a rectification order), waived in Q4. b4: extended by 10 days, submits 4 days after the old due (on time).
  deadline('report', '2010-Q3', 'b1', 'c1', q3).submit(-1);
  deadline('report', '2010-Q4', 'b1', 'c1', q4).submit(-2);
  const b2q3 = deadline('report', '2010-Q3', 'b2', 'c1', q3);
  b2q3.escalate(1);
  b2q3.submit(3);
  deadline('report', '2010-Q4', 'b2', 'c1', q4).submit(5);
  const b3q3 = deadline('report', '2010-Q3', 'b3', 'c2', q3);
  b3q3.escalate(1);
  b3q3.escalate(2);
  b3q3.rectify();
  deadline('report', '2010-Q4', 'b3', 'c2', q4).waive();
  const b4 = deadline('report', '2010-Q3', 'b4', 'c2', q3);
  b4.extend(10);
  ev.push({
    id: 'b4-late-sub',
    campaignId: C,
    kind: 'submission',
    obligationKey: 'report',
    cycleKey: '2010-Q3',
    unitId: 'b4',
    committeeId: 'c2',
    at: iso(q3 + 4 * DAY),
    dueAt: iso(q3 + 10 * DAY),
    lateMs: 0,
  });
  deadline('report', '2010-Q4', 'b4', 'c2', q4).submit(0);
  // Reviews: c1 reviews b1 two days late; c2 never reviews b3.
  deadline('report.review', '2010-Q3:b1', 'c1', 'c1', q3 + 10 * DAY).submit(2);
  deadline('report.review', '2010-Q3:b3', 'c2', 'c2', q3 + 10 * DAY);
  return ev;
}

const UNITS = [
  ['c1', '机械工程学院党委', 'committee', undefined, 'office', 'c1'],
  ['c2', '信息学院党总支', 'committee', undefined, 'office', 'c2'],
  ['b1', '机械学院教工第1党支部', 'branch', '教工', 'c1', 'c1'],
  ['b2', '机械学院本科生第1党支部', 'branch', '学生', 'c1', 'c1'],
  ['b3', '信息学院教工第1党支部', 'branch', '教工', 'c2', 'c2'],
  ['b4', '信息学院研究生第1党支部', 'branch', '学生', 'c2', 'c2'],
].map(([unitId, name, level, kind, parentId, committeeId]) => ({
  campaignId: C,
  unitId: unitId!,
  name: name!,
  level: level!,
  kind,
  parentId,
  committeeId,
}));

let pg: PgCluster;
let tmp: string;
beforeAll(async () => {
  pg = await startPostgres();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'ledger-test-'));
});
afterAll(() => {
  pg?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

let n = 0;
const backends: [string, () => Promise<string>][] = [
  ['SQLite', () => Promise.resolve(`sqlite:${path.join(tmp, `ledger-${++n}.sqlite`)}`)],
  ['PostgreSQL', () => createDatabase(pg, `ledger_${++n}`)],
];

describe.each(backends)('the ledger on %s', (name, urlFor) => {
  let ledger: LedgerStore;
  let url: string;
  beforeEach(async () => {
    url = await urlFor();
    ledger = await openLedger(url);
    await ledger.upsertUnits(UNITS);
  });
  afterEach(async () => {
    await ledger.close();
  });

  it('records a fact once, however often it is recorded', async () => {
    const e: LedgerEvent = {
      id: 'x:1',
      campaignId: C,
      kind: 'submission',
      at: iso(T0),
      unitId: 'b1',
      obligationKey: 'report',
      cycleKey: 'once',
      lateMs: 7,
      data: { text: '报告', attachments: ['a.pdf'] },
      recipients: ['a@example.org'],
    };
    expect(await ledger.record(e)).toEqual({ inserted: true });
    expect(await ledger.record({ ...e, lateMs: 99 })).toEqual({ inserted: false });
    expect(await ledger.recordMany([e, e, { ...e, id: 'x:2' }])).toBe(1);
    expect(await ledger.get('x:1')).toEqual(e);
    expect((await ledger.events({ campaignId: C })).map((x) => x.id)).toEqual(['x:1', 'x:2']);
    const [row] = await deadlineRows(ledger, { campaignId: C });
    expect(row!.lateMs).toBe(7); // the retried copy did not count twice or overwrite
  });

  it('finds refused messages and the latest delivery to an address, in any unit, without case', async () => {
    const mail = (
      id: string,
      kind: LedgerEvent['kind'],
      at: number,
      unitId: string,
      recipients: string[],
      error?: string,
    ) => ledger.record({ id, campaignId: C, kind, at: iso(at), unitId, recipients, ...(error ? { error } : {}) });
    await mail('m:1', 'message-sent', T0, 'b1', ['Wang_Li@example.org', 'office@example.org']);
    await mail('m:2', 'message-sent', T0 + DAY, 'b2', ['wang_li@example.org']);
    // Not a delivery: refused, or to another address that LIKE's `_` would match unescaped.
    await mail('m:3', 'message-failed', T0 + 2 * DAY, 'b1', ['wang_li@example.org'], '550 unavailable');
    await mail('m:4', 'message-sent', T0 + 3 * DAY, 'b1', ['wangXli@example.org'], 'rejected: office@example.org');
    await ledger.record({
      id: 'm:5',
      campaignId: 'other',
      kind: 'message-sent',
      at: iso(T0 + 4 * DAY),
      recipients: ['wang_li@example.org'],
    });
    const first = (asks: [string, number][]) =>
      ledger.firstDeliveriesAfter(
        C,
        asks.map(([email, after]) => ({ email, after: iso(after) })),
      );
    expect(
      await first([
        ['WANG_LI@example.org', 0],
        ['wangxli@example.org', 0],
        ['office@example.org', 0],
        ['nobody@example.org', 0],
        ['%', 0],
      ]),
    ).toEqual(
      new Map([
        ['wang_li@example.org', iso(T0)],
        ['wangxli@example.org', iso(T0 + 3 * DAY)],
        ['office@example.org', iso(T0)],
      ]),
    );
    // The first after each instant: a refusal at T0 is answered by the delivery of the next day.
    expect(
      await first([
        ['office@example.org', T0],
        ['wang_li@example.org', T0],
        ['wangxli@example.org', T0 + 3 * DAY],
      ]),
    ).toEqual(new Map([['wang_li@example.org', iso(T0 + DAY)]]));
    // Among some units' messages only: b2's delivery is not b1's; no unit, no delivery.
    const among = (unitIds: string[]) =>
      ledger.firstDeliveriesAfter(C, [{ email: 'wang_li@example.org', after: iso(T0), unitIds }]);
    expect(await among(['b1'])).toEqual(new Map());
    expect(await among(['b1', 'b2'])).toEqual(new Map([['wang_li@example.org', iso(T0 + DAY)]]));
    expect(await among([])).toEqual(new Map());
    const refused = await ledger.events({ campaignId: C, kinds: ['message-failed', 'message-sent'], withError: true });
    expect(refused.map((e) => e.id)).toEqual(['m:3', 'm:4']);
  });

  it('sums many events written at once, over several statements, as it sums them written one by one', async () => {
    // 1,200 deadlines: more rows than one PostgreSQL statement takes (ledger/store.ts).
    const once = (campaignId: string): LedgerEvent[] => {
      const base = { campaignId, obligationKey: 'report', unitId: 'b1', committeeId: 'c1' };
      const opened = Array.from({ length: 1200 }, (_, i): LedgerEvent => ({
        ...base,
        id: `${campaignId}/${i}:opened`,
        kind: 'deadline-opened',
        cycleKey: `k${i}`,
        at: iso(T0),
        dueAt: iso(T0 + 10 * DAY),
      }));
      const k7 = { ...base, cycleKey: 'k7' };
      const later: LedgerEvent[] = [
        { ...k7, id: `${campaignId}/7:escalated-2`, kind: 'escalated', at: iso(T0 + 12 * DAY), step: 'escalation-2' },
        {
          ...k7,
          id: `${campaignId}/7:extension`,
          kind: 'extension',
          at: iso(T0 + 13 * DAY),
          dueAt: iso(T0 + 20 * DAY),
        },
        { ...k7, id: `${campaignId}/7:escalated-1`, kind: 'escalated', at: iso(T0 + 21 * DAY), step: 'escalation-1' },
        { ...k7, id: `${campaignId}/7:submission`, kind: 'submission', at: iso(T0 + 22 * DAY), lateMs: 2 * DAY },
        { ...k7, id: `${campaignId}/7:second`, kind: 'submission', at: iso(T0 + 23 * DAY), lateMs: 3 * DAY },
      ];
      // A fact repeated within the write counts once, with its first copy.
      return [...opened.slice(0, 600), ...later, { ...later[1]!, dueAt: iso(T0 + 30 * DAY) }, ...opened.slice(600)];
    };
    const atOnce = once('all');
    expect(await ledger.recordMany(atOnce)).toBe(1205);
    for (const e of once('each')) await ledger.record(e);
    const rows = async (campaignId: string) =>
      (await deadlineRows(ledger, { campaignId })).map((r) => ({ ...r, campaignId: undefined }));
    expect(await rows('all')).toEqual(await rows('each'));
    expect((await rows('all')).find((r) => r.cycleKey === 'k7')).toMatchObject({
      highestEscalation: 2,
      lateMs: 2 * DAY,
    });

    // Units: 1,200 at once, one of them twice, the later copy standing, as one by one.
    const units = Array.from({ length: 1200 }, (_, i) => ({
      campaignId: 'u',
      unitId: `b${i}`,
      name: `支部${i}`,
      level: 'branch' as const,
    }));
    await ledger.upsertUnits([...units, { ...units[3]!, name: '改名支部' }]);
    const stored = await ledger.units('u');
    expect(stored).toHaveLength(1200);
    expect(stored.find((u) => u.unitId === 'b3')?.name).toBe('改名支部');
  });

  it('answers the audit on data whose answer is known', async () => {
    await ledger.recordMany(seedEvents());
    const asOf = iso(T0 + 400 * DAY);
    const lag = await laggingUnits(ledger, { campaignId: C, asOf });
    const by = Object.fromEntries(lag.map((l) => [l.unitId, l]));
    // c1 commented late on b1's report and c2 never on b3's: lateness as reviewers, not as
    // submitters, so neither committee is among the lagging units.
    expect(Object.keys(by).sort()).toEqual(['b2', 'b3']);
    expect(by.b2).toMatchObject({
      deadlines: 2,
      late: 2,
      missing: 0,
      totalLateMs: 8 * DAY,
      longestLateMs: 5 * DAY,
      highestEscalation: 1,
      openRectifications: 0,
      committeeId: 'c1',
      unitName: '机械学院本科生第1党支部',
    });
    expect(by.b3).toMatchObject({ deadlines: 2, late: 0, missing: 1, highestEscalation: 100, openRectifications: 1 });

    const ranking = await lagRanking(ledger, { campaignId: C, asOf });
    expect(ranking.map((r) => r.unitId)).toEqual(['b2', 'b3']); // branches only; 2 late beats 1 missing

    expect((await laggingUnits(ledger, { campaignId: C, asOf, committeeId: 'c2' })).map((l) => l.unitId)).toEqual([
      'b3',
    ]);
    expect((await laggingUnits(ledger, { campaignId: C, asOf, cycleKey: '2010-Q4' })).map((l) => l.unitId)).toEqual([
      'b2',
    ]);
    // Before Q3's due instant nothing is missing yet.
    expect(
      (await laggingUnits(ledger, { campaignId: C, asOf: iso(T0 + 79 * DAY) })).filter((l) => l.missing > 0),
    ).toEqual([]);

    const reviewers = await lateReviewers(ledger, { campaignId: C, asOf });
    expect(reviewers).toEqual([
      {
        reviewerId: 'c1',
        reviewerName: '机械工程学院党委',
        obligationKey: 'report',
        cycleKey: '2010-Q3',
        reviewedUnitId: 'b1',
        reviewedUnitName: '机械学院教工第1党支部',
        dueAt: iso(T0 + 90 * DAY),
        commentedAt: iso(T0 + 92 * DAY),
        lateMs: 2 * DAY,
        missing: false,
      },
      expect.objectContaining({ reviewerId: 'c2', reviewedUnitId: 'b3', cycleKey: '2010-Q3', missing: true }),
    ]);
    // Asked for by the reviewed report's obligation and cycle, as a person names them.
    expect(
      await lateReviewers(ledger, { campaignId: C, asOf, obligationKey: 'report', cycleKey: '2010-Q3' }),
    ).toHaveLength(2);
    expect(await lateReviewers(ledger, { campaignId: C, asOf, cycleKey: '2010-Q4' })).toEqual([]);

    const open = await openRectifications(ledger, { campaignId: C, asOf });
    expect(open).toEqual([
      expect.objectContaining({
        unitId: 'b3',
        cycleKey: '2010-Q3',
        rectificationDeadline: iso(T0 + 100 * DAY),
        overdue: true,
      }),
    ]);

    const history = await unitHistory(ledger, C, 'b3');
    expect(history.map((e) => e.kind)).toEqual([
      'deadline-opened',
      'escalated',
      'escalated',
      'rectification-ordered',
      'deadline-opened',
      'waiver',
    ]);
    const b4 = (await deadlineRows(ledger, { campaignId: C, unitId: 'b4' })).find((d) => d.cycleKey === '2010-Q3')!;
    expect(b4).toMatchObject({ extensions: 1, dueAt: iso(T0 + 90 * DAY), lateMs: 0 });
  });

  it('lists the first rows of a long list as the whole list begins, and counts the whole list', async () => {
    // Many orders and late reviews sharing their instants, so that only a total order keeps a
    // limited list the beginning of the whole one.
    const ev: LedgerEvent[] = [];
    const units = ['b1', 'b2', 'b3', 'b4'];
    for (let i = 0; i < 12; i++) {
      for (const unitId of units) {
        const committeeId = unitId < 'b3' ? 'c1' : 'c2';
        const due = T0 + (i % 3) * DAY;
        const base = { campaignId: C, cycleKey: `2010-M${String(i).padStart(2, '0')}`, unitId, committeeId };
        for (const obligationKey of ['report', 'record']) {
          ev.push({
            ...base,
            obligationKey,
            id: `${obligationKey}/${i}/${unitId}:o`,
            kind: 'deadline-opened',
            at: iso(T0 - DAY),
            dueAt: iso(due),
          });
          ev.push({
            ...base,
            obligationKey,
            id: `${obligationKey}/${i}/${unitId}:r`,
            kind: 'rectification-ordered',
            at: iso(due + DAY),
            data: { deadline: iso(due + 10 * DAY) },
          });
        }
        const review = {
          campaignId: C,
          obligationKey: 'report.review',
          cycleKey: `2010-M${i}:${unitId}`,
          unitId: committeeId,
          committeeId,
        };
        ev.push({ ...review, id: `rev/${i}/${unitId}:o`, kind: 'deadline-opened', at: iso(T0 - DAY), dueAt: iso(due) });
        if (i % 2 === 0)
          ev.push({
            ...review,
            id: `rev/${i}/${unitId}:s`,
            kind: 'review-comment',
            at: iso(due + DAY),
            dueAt: iso(due),
            lateMs: DAY,
          });
      }
    }
    // Answered and waived orders are not open: they count nowhere.
    ev.push({
      id: 'answered',
      campaignId: C,
      kind: 'submission',
      obligationKey: 'report',
      cycleKey: '2010-M00',
      unitId: 'b1',
      committeeId: 'c1',
      at: iso(T0 + 2 * DAY),
      lateMs: 2 * DAY,
    });
    ev.push({
      id: 'waived',
      campaignId: C,
      kind: 'waiver',
      obligationKey: 'record',
      cycleKey: '2010-M00',
      unitId: 'b2',
      committeeId: 'c1',
      at: iso(T0 + 2 * DAY),
    });
    await ledger.recordMany(ev);
    const asOf = iso(T0 + 400 * DAY);
    for (const f of [
      { campaignId: C, asOf },
      { campaignId: C, asOf, committeeId: 'c2' },
    ]) {
      const orders = await openRectifications(ledger, f);
      expect(orders).toHaveLength(f.committeeId ? 48 : 94);
      expect(await ledger.openRectifications(f, { limit: 20 })).toEqual(orders.slice(0, 20));
      expect(await ledger.openRectificationCount(f)).toBe(orders.length);
      const reviews = await lateReviewers(ledger, f);
      expect(reviews).toHaveLength(f.committeeId ? 24 : 48);
      expect(await ledger.lateReviews(f, { limit: 20 })).toEqual(reviews.slice(0, 20));
      expect(await ledger.lateReviewCount(f)).toBe(reviews.length);
    }
  });

  it('answers each of many writes asked for at once on its own, a failed one alone', async () => {
    const e = (id: string, extra: Partial<LedgerEvent> = {}): LedgerEvent => ({
      id,
      campaignId: C,
      kind: 'deadline-opened',
      at: iso(T0),
      unitId: 'b1',
      obligationKey: 'report',
      cycleKey: id,
      ...extra,
    });
    // Asked for in one turn of the event loop: on SQLite they share a transaction.
    const results = await Promise.allSettled([
      ledger.recordMany([e('g:1'), e('g:2')]),
      ledger.recordMany([e('g:3'), e('g:4', { at: null as unknown as string })]), // violates NOT NULL
      ledger.recordMany([e('g:2'), e('g:5')]), // g:2 is the first write's
      ledger.record(e('g:1')),
    ]);
    const values = results.map((r) => (r.status === 'fulfilled' ? r.value : 'rejected'));
    expect(values[1]).toBe('rejected');
    // Three facts are new (g:1, g:2, g:5), each counted by exactly one caller. On SQLite the
    // writes commit in the order asked; on PostgreSQL concurrent writers may race for g:1 and g:2.
    const [a, , b, c] = values as [number, string, number, { inserted: boolean }];
    expect(a + b + (c.inserted ? 1 : 0)).toBe(3);
    if (name === 'SQLite') expect(values).toEqual([2, 'rejected', 1, { inserted: false }]);
    // The failed write left nothing behind, not even its valid first event; the others are all there.
    expect((await ledger.events({ campaignId: C })).map((x) => x.id)).toEqual(['g:1', 'g:2', 'g:5']);
    expect((await deadlineRows(ledger, { campaignId: C })).map((d) => d.cycleKey).sort()).toEqual([
      'g:1',
      'g:2',
      'g:5',
    ]);
  });

  it('never loses or doubles a row with concurrent writers', async () => {
    const events = seedEvents();
    const writers = await Promise.all([0, 1, 2, 3].map(() => openLedger(url)));
    // Four connections write overlapping halves of the same facts at once.
    await Promise.all(
      writers.map((w, i) => Promise.all(events.filter((_, j) => (j + i) % 2 === 0).map((e) => w.record(e)))),
    );
    await Promise.all(writers.map((w) => w.close()));
    const stored = await ledger.events({ campaignId: C });
    expect(stored.map((e) => e.id).sort()).toEqual(events.map((e) => e.id).sort());
    const lag = await laggingUnits(ledger, { campaignId: C, asOf: iso(T0 + 400 * DAY) });
    expect(lag.find((l) => l.unitId === 'b2')).toMatchObject({ late: 2, totalLateMs: 8 * DAY });
  });

  it('never loses or doubles a row with writers in separate processes', async () => {
    const events = seedEvents();
    const script = path.join(__dirname, 'write-events.ts');
    const run = (slice: LedgerEvent[]) =>
      new Promise<void>((resolve, reject) => {
        const child = fork(script, [url], {
          execArgv: ['--import', 'tsx'],
          stdio: ['pipe', 'inherit', 'inherit', 'ipc'],
        });
        child.send(slice);
        child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`writer exited ${code}`))));
      });
    await Promise.all([run(events), run([...events].reverse()), run(events.slice(3))]);
    expect((await ledger.events({ campaignId: C })).length).toBe(events.length);
  });

  // `npm start` opens a new ledger from the worker, the web service and `start` at once: on
  // SQLite two of them ran the same migration, and one ended with "table already exists".
  it('opens a new ledger from several openers at once, in this process and in others', async () => {
    const fresh = await urlFor();
    const events = seedEvents();
    const writer = (slice: LedgerEvent[]) =>
      new Promise<void>((resolve, reject) => {
        const child = fork(path.join(__dirname, 'write-events.ts'), [fresh], {
          execArgv: ['--import', 'tsx'],
          stdio: ['pipe', 'inherit', 'inherit', 'ipc'],
        });
        child.send(slice);
        child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`writer exited ${code}`))));
      });
    const [opened] = await Promise.all([
      Promise.all([0, 1, 2].map(() => openLedger(fresh))),
      writer(events.slice(0, 4)),
      writer(events.slice(4)),
    ]);
    await Promise.all(opened.map((l, i) => l.record({ ...events[0]!, id: `opener-${i}` })));
    expect((await opened[0]!.events({ campaignId: C })).length).toBe(events.length + 3);
    await Promise.all(opened.map((l) => l.close()));
  });
});

describe('a ledger that cannot be opened', () => {
  it('names the URL with the password masked: refused connection', async () => {
    const port = await freePort();
    await expect(openLedger(`postgres://auditor:s3cret@127.0.0.1:${port}/ledger`)).rejects.toMatchObject({
      name: 'LedgerConnectionError',
      code: 'LEDGER_UNAVAILABLE',
      message: expect.stringContaining(`postgres://auditor:***@127.0.0.1:${port}/ledger`),
    });
  });

  it('wrong password', async () => {
    const wrong = pg.url.replace('ledger-test-pw', 'not-the-password');
    const err = await openLedger(wrong).catch((e: Error) => e);
    expect((err as Error).name).toBe('LedgerConnectionError');
    expect((err as Error).message).toContain('postgres://ledger:***@127.0.0.1');
    expect((err as Error).message).not.toContain('not-the-password');
    expect((err as Error).message).toMatch(/password authentication failed/);
  });

  it('an unwritable SQLite path and a URL of no known kind', async () => {
    await expect(openLedger('sqlite:/etc/hostname/ledger.sqlite')).rejects.toMatchObject({
      name: 'LedgerConnectionError',
    });
    await expect(openLedger('mysql://u:p@h/db')).rejects.toThrow(
      /cannot open the ledger at mysql:\/\/u:\*\*\*@h\/db: expected a URL starting with sqlite: or postgres:\/\//,
    );
  });
});
