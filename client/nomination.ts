/**
 * Submitting a nomination of advanced branches (推荐评选先进党支部，必须从A级党支部中产生): the one
 * submit path of the CLI, the console's form and the API. An obligation whose plan says
 * `nominates: advanced-branch` takes the nominated branches with its submission; each must be a
 * branch of the campaign whose latest final grade in the ledger is A. A refused nomination reaches
 * no workflow and records nothing. The nominees are written into the submitted text, so the
 * receipt's record names them.
 */
import type { GradeStore } from '../ledger/grades';
import { checkNomination } from '../domain/grading';
import { idProblem } from '../domain/ids';
import type { Obligation } from '../domain/plan-schema';
import type { CampaignClient } from './campaigns';
import type { Receipt, SubmitRequest } from '../workflows/messages';

/** Where the nominees came from, for messages: `--nominee`, the form's or the body's `nominees`. */
export interface Nominees {
  unitIds: readonly string[];
  field: string;
}

/** A nominee the request should not have named; `field` is the request's field. Nothing was recorded. */
export class NomineeInputError extends Error {
  override readonly name = 'NomineeInputError';
  readonly code = 'NOMINEE_INVALID';
  constructor(
    readonly field: string,
    zh: string,
    en: string,
  ) {
    super(`${field}：${zh} (${field}: ${en})`);
  }
}

/** The line added to the submitted text: what the office reads and the receipt keeps. */
export const nomineesLine = (unitIds: readonly string[]): string => `推荐先进党支部：${unitIds.join('、')}`;

/** What the check needs of the campaign: its plan's obligation and its units (empty when held by reference). */
export interface NominationContext {
  campaignId: string;
  obligation: Pick<Obligation, 'key' | 'nominates'> | undefined;
  units: readonly { id: string; level: string }[];
}

/**
 * Checks the nominees of a submission (throws, nothing recorded) and returns the text to submit,
 * which names them.
 */
export async function checkNominees(
  grades: Pick<GradeStore, 'latestFinal'>,
  ctx: NominationContext,
  text: string,
  nominees: Nominees,
): Promise<string> {
  const { field, unitIds } = nominees;
  const key = ctx.obligation?.key ?? '?';
  if (ctx.obligation?.nominates !== 'advanced-branch') {
    throw new NomineeInputError(
      field,
      `${key} 不是先进党支部推荐，不能附推荐对象`,
      `${key} nominates no advanced branches`,
    );
  }
  const levels = new Map(ctx.units.map((u) => [u.id, u.level]));
  const seen = new Set<string>();
  for (const unitId of unitIds) {
    const problem = idProblem('unit', unitId);
    if (problem)
      throw new NomineeInputError(field, `“${unitId}”不是支部编号`, `${JSON.stringify(unitId)} is not ${problem}`);
    if (seen.has(unitId)) throw new NomineeInputError(field, `${unitId} 重复`, `${unitId} named twice`);
    seen.add(unitId);
    // An organisation held by reference lists no units here: the grade check below still refuses
    // a unit the ledger has no grade for.
    if (levels.size > 0 && levels.get(unitId) !== 'branch') {
      throw new NomineeInputError(
        field,
        `${unitId} 不是本次活动的党支部`,
        `${unitId} is not a branch of campaign ${ctx.campaignId}`,
      );
    }
    checkNomination(unitId, await grades.latestFinal(ctx.campaignId, unitId));
  }
  return `${text}\n${nomineesLine(unitIds)}`;
}

/** Submits after the nominees' check: the submit of every edge (CLI, console, API). */
export async function submitNomination(
  cc: CampaignClient,
  grades: Pick<GradeStore, 'latestFinal'>,
  target: { campaignId: string; obligationKey: string; cycleKey: string; unitId: string },
  req: SubmitRequest,
  nominees: Nominees | undefined,
): Promise<Receipt> {
  const { campaignId, obligationKey, cycleKey, unitId } = target;
  if (!nominees || nominees.unitIds.length === 0) return cc.submit(campaignId, obligationKey, cycleKey, unitId, req);
  const ctx: NominationContext = {
    campaignId,
    obligation: await planObligation(cc, campaignId, obligationKey),
    units: (await cc.directory(campaignId)).units,
  };
  const text = await checkNominees(grades, ctx, req.text, nominees);
  return cc.submit(campaignId, obligationKey, cycleKey, unitId, { ...req, text });
}

async function planObligation(cc: CampaignClient, campaignId: string, obligationKey: string) {
  return (await cc.startInput(campaignId))?.plan?.obligations.find((o) => o.key === obligationKey);
}

/** Whether the plan's obligation takes nominees (the console's form then asks for them). */
export async function nominatesAdvanced(
  cc: CampaignClient,
  campaignId: string,
  obligationKey: string,
): Promise<boolean> {
  return (await planObligation(cc, campaignId, obligationKey))?.nominates === 'advanced-branch';
}

/** The nominees as a form field holds them: unit ids separated by spaces, commas or 、. */
export const parseNomineeList = (value: string): string[] => value.split(/[\s,，、]+/).filter((s) => s !== '');
