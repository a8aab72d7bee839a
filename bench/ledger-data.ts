/**
 * The ledger of a generated campaign, for the benchmarks (bench/ledger.bench.ts, bench/web.bench.ts):
 * N branches in 40 committees over Y years, five obligations (monthly, quarterly with its review,
 * half-yearly, yearly); each deadline opened, mailed, and then handed in on time (70%), late by
 * up to 20 days (25%) after two escalations, or never, ending in a rectification order.
 * Deterministic: the same sizes give the same campaign on every database.
 */
import type { LedgerEvent, LedgerUnit } from '../ledger/types';

const DAY = 86_400_000;
export const BENCH_START = Date.parse('2010-07-01T00:00:00Z');
const KINDS = ['教工', '学生', '机关', '教辅后勤'];

/** The committees and branches, as the campaign registers them in the ledger. */
export function benchUnits(branches: number): LedgerUnit[] {
  const committees = Array.from({ length: Math.min(40, branches) }, (_, c) => ({
    campaignId: 'bench',
    unitId: `c-${String(c).padStart(2, '0')}`,
    name: `第${c + 1}党委`,
    level: 'committee',
    committeeId: `c-${String(c).padStart(2, '0')}`,
  }));
  return [
    ...committees,
    ...Array.from({ length: branches }, (_, b) => ({
      campaignId: 'bench',
      unitId: `b-${String(b).padStart(5, '0')}`,
      name: `支部${b}`,
      level: 'branch',
      kind: KINDS[b % KINDS.length]!,
      parentId: `c-${String(b % 40).padStart(2, '0')}`,
      committeeId: `c-${String(b % 40).padStart(2, '0')}`,
    })),
  ];
}

/** A deterministic pseudo-random stream, so both databases get the same campaign. */
function rng(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

/** One deadline's events: opened, its mail (intent + sent each), maybe escalations, maybe a submission. */
export function* benchCampaign(BRANCHES: number, YEARS: number): Generator<LedgerEvent[]> {
  const rand = rng(42);
  const obligations = [
    { key: 'study-record', months: 1 },
    { key: 'quarterly-report', months: 3 },
    { key: 'quarterly-report.review', months: 3 },
    { key: 'evaluation', months: 6 },
    { key: 'commendation', months: 12 },
  ];
  for (let b = 0; b < BRANCHES; b++) {
    const unit = `b-${String(b).padStart(5, '0')}`;
    const committee = `c-${String(b % 40).padStart(2, '0')}`;
    const batch: LedgerEvent[] = [];
    for (const ob of obligations) {
      for (let m = 0; m < YEARS * 12; m += ob.months) {
        const cycle = `${2010 + Math.floor(m / 12)}-${m % 12}`;
        const due = BENCH_START + (m + ob.months) * 30 * DAY;
        const base = {
          campaignId: 'bench',
          obligationKey: ob.key,
          cycleKey: cycle,
          unitId: unit,
          committeeId: committee,
          phaseKey: 'engage',
        };
        const id = `${ob.key}/${cycle}/${unit}`;
        batch.push({
          ...base,
          id: `${id}:opened`,
          kind: 'deadline-opened',
          at: new Date(due - 20 * DAY).toISOString(),
          dueAt: new Date(due).toISOString(),
        });
        const r = rand();
        const lateDays = r < 0.7 ? 0 : r < 0.95 ? Math.ceil(rand() * 20) : -1; // -1: never
        const steps = ['notice', 'reminder-1', 'reminder-2', 'due'];
        if (lateDays !== 0) steps.push('escalation-1', 'escalation-2');
        for (const step of steps) {
          const at = new Date(due - 10 * DAY).toISOString();
          batch.push({
            ...base,
            id: `msg:${id}:${step}:intent`,
            kind: 'message-intent',
            at,
            step,
            recipients: [`${unit}@example.org`],
          });
          batch.push({
            ...base,
            id: `msg:${id}:${step}:sent`,
            kind: 'message-sent',
            at,
            step,
            recipients: [`${unit}@example.org`],
            messageId: `<${id}-${step}@bench>`,
          });
        }
        if (lateDays !== 0) {
          batch.push({
            ...base,
            id: `${id}:escalated:1`,
            kind: 'escalated',
            at: new Date(due + DAY).toISOString(),
            step: 'escalation-1',
          });
          batch.push({
            ...base,
            id: `${id}:escalated:2`,
            kind: 'escalated',
            at: new Date(due + 3 * DAY).toISOString(),
            step: 'escalation-2',
          });
        }
        if (lateDays >= 0) {
          batch.push({
            ...base,
            id: `${id}:submission`,
            kind: 'submission',
            at: new Date(due + lateDays * DAY - DAY).toISOString(),
            dueAt: new Date(due).toISOString(),
            lateMs: Math.max(0, lateDays * DAY - DAY),
            data: { text: '报告' },
          });
        } else {
          batch.push({
            ...base,
            id: `${id}:rectification`,
            kind: 'rectification-ordered',
            at: new Date(due + 14 * DAY).toISOString(),
            data: { deadline: new Date(due + 28 * DAY).toISOString() },
          });
        }
      }
    }
    yield batch;
  }
}
