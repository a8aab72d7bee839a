/**
 * `status <campaign>`: the campaign's plan time now, its current phase, the next instant and
 * the deadline counts. The counts come from Temporal's visibility, as `list` does, so that the
 * two agree; the plan time is the campaign's clock read now, not its last wake-up (a rehearsal
 * sleeps up to a day of plan time between wake-ups). Who started the campaign comes from the
 * ledger, where it has one (`recordedStarts`).
 */
import type { Command } from 'commander';
import { formatInstant } from '../../../domain/format';
import { goneFromEngineText, startedPlan, type CampaignStart } from '../../../ledger/campaign-starts';
import { CampaignRequestError } from '../../campaigns';
import {
  campaignClient,
  fromLedgerIfAny,
  print,
  recordedStarts,
  startedText,
  withCommon,
  type CommonOptions,
} from '../campaign-command';
import { lang, say } from '../lang';
import { pad, stateWord } from '../words';

/**
 * A campaign the engine no longer holds (past its namespace's retention, or deleted) whose start
 * the ledger recorded: the error says so, with who started it and where its history is read.
 */
async function goneFromEngine(
  err: unknown,
  campaignId: string,
  recorded: Promise<CampaignStart[] | undefined>,
): Promise<CampaignRequestError | undefined> {
  if ((err as { code?: string }).code !== 'CAMPAIGN_NOT_FOUND') return undefined;
  const starts = await recorded.catch(() => undefined);
  const s = starts?.at(-1);
  if (!s) return undefined;
  const plan = await fromLedgerIfAny((ledger) => startedPlan(ledger, campaignId));
  const title = (lang() === 'en' ? (plan?.titleEn ?? plan?.title) : plan?.title) ?? campaignId;
  const at = formatInstant(s.recordedAt, plan?.timeZone ?? 'Asia/Shanghai', lang());
  const words = goneFromEngineText(campaignId, s, at, `npm run cli -- audit --campaign ${campaignId}`, title);
  return new CampaignRequestError('CAMPAIGN_NOT_FOUND', say(words.zh, words.en));
}

export function registerStatus(program: Command): void {
  withCommon(
    program
      .command('status')
      .description('plan time now, current phase, next instant and deadline counts')
      .argument('<campaign>', 'campaign id'),
  ).action(async (campaignId: string, o: CommonOptions) => {
    const cc = await campaignClient(o);
    const recorded = recordedStarts(campaignId);
    // Nothing here reads the campaign's organisation (a campaign holds it by reference, in the ledger).
    const [campaign, zone, now, counts, reviews, planned, starts] = await Promise.all([
      cc.status(campaignId),
      cc.directoryWithoutUnits(campaignId).then((d) => d.timeZone),
      cc.planNow(campaignId),
      cc.deadlineCounts(campaignId),
      cc.openReviewCount(campaignId),
      cc.startInput(campaignId).then((i) => i?.plan),
      recorded,
    ]).catch(async (err: unknown) => {
      throw (await goneFromEngine(err, campaignId, recorded)) ?? err;
    });
    const open = counts.green + counts.blue + counts.yellow + counts.red;
    const s = {
      ...campaign,
      now,
      lastWakeAt: campaign.now,
      counts,
      open,
      overdue: counts.yellow + counts.red,
      reviews,
      // Who started it (the latest start), as `GET /api/v1/campaigns/{id}` says; absent without a ledger here.
      ...(starts?.length ? { started: starts.at(-1) } : {}),
    };
    const t = (iso: string): string => formatInstant(iso, zone, lang());
    const line = (zh: string, en: string, value: string | number): string => say(`${zh}：${value}`, `${en}: ${value}`);
    const none = say('（无）', '(none)');
    // A phase by its name in the run's language, with the key that `advance --to` takes; the key
    // alone only where the campaign's input carries no plan to name it.
    const phase = (key: string): string => {
      const p = planned?.phases.find((x) => x.key === key);
      return p ? say(`${p.name}（${key}）`, `${p.label} (${key})`) : key;
    };
    const byColour = (['green', 'blue', 'yellow', 'red'] as const)
      .map((c) => `${stateWord(c)} ${counts[c]}`)
      .join(say('，', ', '));
    print(o, s, () =>
      [
        say(`活动 ${s.campaignId}：${s.title}`, `campaign ${s.campaignId}: ${s.title}`),
        ...(starts ? [startedText(starts, zone)] : []),
        ...(s.stopped
          ? [
              say(
                `已终止：${t(s.stopped.at)}（${s.stopped.by}），理由：${s.stopped.reason}`,
                `stopped at ${t(s.stopped.at)} by ${s.stopped.by}: ${s.stopped.reason}`,
              ),
            ]
          : []),
        line('计划时间', 'plan time now', t(s.now)),
        line('当前阶段', 'current phase', s.currentPhase ? phase(s.currentPhase) : none),
        line('下一时点', 'next instant', s.nextAt ? t(s.nextAt) : none),
        line('未结事项', 'open deadlines', say(`${s.open}（${byColour}）`, `${s.open} (${byColour})`)),
        line('其中逾期', 'of them overdue', s.overdue),
        line('其中领导点评', "of them leaders' reviews", s.reviews),
        line('已结束', 'closed', s.counts.closed),
        say(
          `已开启周期 ${s.cyclesLaunched}；批次 ${s.batchesDone}/${s.batchesLaunched} 完成；第 ${s.runs} 轮运行`,
          `cycles opened ${s.cyclesLaunched}; batches ${s.batchesDone}/${s.batchesLaunched} done; run ${s.runs}`,
        ),
        say('阶段：', 'phases:'),
        ...s.phases.map(
          (p) =>
            `  ${pad(phase(p.key), 40)} ${t(p.startAt)} → ${p.endAt ? t(p.endAt) : say('由党委决定结束', 'ended by the committee')}`,
        ),
      ].join('\n'),
    );
  });
}
