/**
 * What the `grade …` commands share: the ledger's grades, the plan's grading rules (from the
 * campaign on the Temporal server when it answers, else the seed's), the year and step options,
 * `unit=value` pairs, and the lines that show a step's A share.
 */
import type { Command } from 'commander';
import { processConfig } from '../../config';
import { openSqlLedger, type SqlLedger } from '../../ledger/store';
import {
  DEFAULT_GRADING_POLICY,
  isGradingStep,
  STEP_NAMES,
  type GradingPolicy,
  type GradingStep,
  type QuotaStatus,
} from '../../domain/grading';
import { checkId } from '../../domain/ids';
import { CampaignClient, connectClient } from '../campaigns';
import { campaignGradingPolicy } from '../grading';
import { lang, say } from './lang';

export interface GradeOptions {
  campaign: string;
  year: string;
  step?: string;
  ledger?: string;
  json?: boolean;
}

/** `--campaign`, `--year`, `--ledger`, `--json`. */
export function gradeOptions(c: Command): Command {
  return c
    .requiredOption('--campaign <id>', 'campaign id')
    .requiredOption('--year <yyyy>', 'the grading year, e.g. 2012')
    .option('--ledger <url>', 'ledger URL (default: LEDGER_URL or sqlite:.data/ledger.sqlite)')
    .option('--json', 'machine-readable output');
}

export function yearOf(value: string): number {
  if (!/^\d{4}$/.test(value)) throw new Error(`--year: "${value}" is not a year such as 2012`);
  return Number(value);
}

export function stepOf(value: string | undefined, fallback: GradingStep): GradingStep {
  const v = value ?? fallback;
  if (!isGradingStep(v)) throw new Error(`--step: "${v}" is not one of self, preliminary, final`);
  return v;
}

export function checkCampaign(id: string): string {
  return checkId('key', id, '--campaign');
}

export async function withGrades<T>(o: { ledger?: string }, fn: (ledger: SqlLedger) => Promise<T>): Promise<T> {
  const ledger = await openSqlLedger(o.ledger ?? processConfig().LEDGER_URL);
  try {
    return await fn(ledger);
  } finally {
    await ledger.close();
  }
}

/**
 * The plan's grading rules and the campaign's plan time now when the campaign answers on the
 * server (a rehearsal counts in its own 2012); the seed's rules and the wall clock otherwise
 * (said on stderr).
 */
export async function readableCampaign(campaignId: string): Promise<{ policy: GradingPolicy; asOf: string }> {
  const config = processConfig();
  try {
    const cc = new CampaignClient(await connectClient(config.temporal, '1s'));
    try {
      return { policy: await campaignGradingPolicy(cc, campaignId), asOf: await cc.planNow(campaignId) };
    } finally {
      await cc.client.connection.close();
    }
  } catch {
    console.error(
      say(
        '（未连上活动：按默认规则显示，A级不超过20%，学校定级的C、D级整改，按当前时间统计）',
        '(campaign not reachable: shown with the default rules, 20 % A, rectification by the final grade, as of now)',
      ),
    );
    return { policy: DEFAULT_GRADING_POLICY, asOf: new Date().toISOString() };
  }
}

/** `c1-b1=A` (or `c1-b1=理由`) pairs of a repeated option, by unit. */
export function pairs(values: string[] | undefined, option: string): { unitId: string; value: string }[] {
  return (values ?? []).map((v) => {
    const at = v.indexOf('=');
    if (at <= 0 || at === v.length - 1) throw new Error(`${option}: "${v}" is not <branch>=<value>`);
    return { unitId: checkId('unit', v.slice(0, at), option), value: v.slice(at + 1) };
  });
}

export function stepName(step: GradingStep): string {
  return STEP_NAMES[step][lang()];
}

/** One line per scope: "A级比例 c-mech：1/6，上限 1（20%）". */
export function quotaLines(quotas: QuotaStatus[], share: number, names: Map<string, string>): string[] {
  return quotas.map((q) => {
    const who = q.scope === 'university' ? say('全校', 'university') : (names.get(q.scope) ?? q.scope);
    const state = q.over
      ? q.overridden
        ? say('，超出（办公室已批准）', ', over (allowed by the office)')
        : say('，超出', ', over')
      : '';
    return say(
      `A级比例 ${who}：${q.aCount}/${q.graded}，上限 ${q.ceiling}（${share}%）${state}`,
      `A share ${who}: ${q.aCount}/${q.graded}, at most ${q.ceiling} (${share} %)${state}`,
    );
  });
}
