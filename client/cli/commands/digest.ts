/**
 * `digest <campaign> [on|off]`: the office turns a running campaign's weekly digest (每周督办简报,
 * client/digest.ts) on or off, or asks whether it is on, as the dashboard's switch does.
 */
import type { Command } from 'commander';
import { processConfig } from '../../../config';
import { REAL_TIME } from '../../../domain/clock';
import { digestInputOf, digestOn, startDigest, stopDigest } from '../../digest';
import { campaignClient, print, withCommon, type CommonOptions } from '../campaign-command';
import { say } from '../lang';

export function registerDigest(program: Command): void {
  withCommon(
    program
      .command('digest')
      .description(
        "a running campaign's weekly digest to each committee and the office (08:30 on the first working day of each week): on, off, or whether it is on",
      )
      .argument('<campaign>', 'campaign id')
      .argument('[switch]', 'on or off (without it: whether it is on)'),
  ).action(async (campaignId: string, wanted: string | undefined, o: CommonOptions) => {
    if (wanted !== undefined && wanted !== 'on' && wanted !== 'off')
      throw new Error(`digest: the switch is "on" or "off", got "${wanted}"`);
    const cc = await campaignClient(o);
    if (wanted === 'on') {
      const input = await cc.startInput(campaignId);
      if (!input?.plan) throw new Error(`digest: no running campaign "${campaignId}"`);
      await startDigest(cc.client, processConfig().TASK_QUEUE, digestInputOf(input.plan, input.clock ?? REAL_TIME));
    } else if (wanted === 'off') await stopDigest(cc.client, campaignId);
    // Turned off, the workflow is cancelled; it closes at its next task.
    const on = wanted === undefined ? await digestOn(cc.client, campaignId) : wanted === 'on';
    print(o, { campaignId, digest: on }, () =>
      on
        ? say(`活动 ${campaignId} 的每周督办简报：已开启`, `the weekly digest of ${campaignId}: on`)
        : say(`活动 ${campaignId} 的每周督办简报：未开启`, `the weekly digest of ${campaignId}: off`),
    );
  });
}
