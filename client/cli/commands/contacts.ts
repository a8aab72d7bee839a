/**
 * `contacts <campaign>`: what of the campaign's contacts the mail cannot use, as the console's
 * roster page lists it (client/org-reimport.ts `contactProblemsOf`): the units without a usable
 * address and who is mailed in their stead, the addresses the mail server refused for good that
 * the roster still names, and those it is deferring (asked again for three days). Mended by
 * `appoint --org` with a corrected file.
 */
import type { Command } from 'commander';
import type { ContactProblems, Post } from '../../../domain/contact-problems';
import { formatInstant } from '../../../domain/format';
import { REDELIVERY_DAYS } from '../../../domain/engine/inputs';
import { contactProblemsOf } from '../../org-reimport';
import { CampaignRequestError } from '../../campaigns';
import { withGrades } from '../grade-command';
import { campaignClient, print, withCommon, type CommonOptions } from '../campaign-command';
import { lang, say } from '../lang';

const POST_NAME: Record<Post, [string, string]> = {
  secretary: ['书记', 'secretary'],
  liaison: ['联络员', 'liaison'],
  unit: ['单位邮箱', 'mailbox'],
};

function holdersText(holders: ContactProblems['refused'][number]['holders']): string {
  return holders
    .map(
      (h) => `${h.unitId} ${h.unitName} ${POST_NAME[h.post][lang() === 'zh' ? 0 : 1]}${h.person ? ` ${h.person}` : ''}`,
    )
    .join(say('；', '; '));
}

/** Messages no redelivery asks again any more: they reach the address only if someone tells it. */
function stalledText(stalled: number): string {
  if (stalled === 0) return '';
  return say(
    `（其中 ${stalled} 封已停止重投，不会再自动送达）`,
    ` (${stalled} no longer asked again: they will not arrive)`,
  );
}

function problemLines(p: ContactProblems, zone: string): string[] {
  if (p.noAddress.length === 0 && p.refused.length === 0 && p.deferred.length === 0)
    return [say('通讯录没有需要补正的联系人', 'every contact gets its mail')];
  return [
    ...p.noAddress.map((u) =>
      u.toldInstead
        ? say(
            `${u.unitId} ${u.unitName}：没有可用邮箱，邮件改发 ${u.toldInstead.unitName}`,
            `${u.unitId} ${u.unitName}: no usable address; its mail goes to ${u.toldInstead.unitName}`,
          )
        : say(
            `${u.unitId} ${u.unitName}：没有可用邮箱，邮件无人接收`,
            `${u.unitId} ${u.unitName}: no usable address; its mail reaches nobody`,
          ),
    ),
    ...p.refused.map((r) => {
      const holders = holdersText(r.holders);
      const last = formatInstant(r.lastAt, zone, lang());
      return say(
        `${r.email}（${holders}）：被退回 ${r.times} 封，最近一次 ${last}${r.error ? `：${r.error}` : ''}`,
        `${r.email} (${holders}): ${r.times} refused, the last ${last}${r.error ? `: ${r.error}` : ''}`,
      );
    }),
    ...p.deferred.map((d) => {
      const since = formatInstant(d.since, zone, lang());
      return say(
        `${d.email}（${holdersText(d.holders)}）：暂缓投递 ${d.messages} 封，自 ${since} 起重投中，${REDELIVERY_DAYS} 天内未送达即计为退信${stalledText(d.stalled)}${d.error ? `：${d.error}` : ''}`,
        `${d.email} (${holdersText(d.holders)}): ${d.messages} deferred, asked again since ${since}; refused if not delivered within ${REDELIVERY_DAYS} days${stalledText(d.stalled)}${d.error ? `: ${d.error}` : ''}`,
      );
    }),
  ];
}

export function registerContacts(program: Command): void {
  withCommon(
    program
      .command('contacts')
      .description(
        "what of a campaign's contacts the mail cannot use: units without an address, addresses the mail server refused",
      )
      .argument('<campaign>', 'campaign id'),
  ).action(async (campaignId: string, o: CommonOptions) => {
    const cc = await campaignClient(o);
    const zone = (await cc.directory(campaignId)).timeZone;
    const problems = await withGrades({}, async (ledger) => {
      const units = await ledger.units(campaignId);
      if (units.length === 0)
        throw new CampaignRequestError(
          'CAMPAIGN_NOT_FOUND',
          say(`台帐中没有活动 ${campaignId}`, `no campaign ${campaignId} in the ledger`),
        );
      return contactProblemsOf(
        cc,
        ledger,
        campaignId,
        units.map((u) => u.unitId),
      );
    });
    print(o, problems, () => problemLines(problems, zone).join('\n'));
  });
}
