/**
 * `correct <campaign> <obligation> <cycle> <unit>`: the office records a corrected report beside
 * the one received (ledger/corrections.ts). The original stays, and so does its lateness. The
 * unit (for a review comment, its reviewer) is mailed as the console's correction mails it, once
 * (the correction's own dedupe key), unless `--no-mail`.
 */
import type { Command } from 'commander';
import { processConfig } from '../../../config';
import { CorrectionRefused, readReport, recordCorrection, type CurrentReport } from '../../../ledger/corrections';
import type { LedgerEvent, LedgerStore } from '../../../ledger/types';
import { createMailer } from '../../../mail';
import { redelivering, startRedelivery } from '../../redelivery';
import { readdressing } from '../../../mail/current-contacts';
import type { Mailer, SendResult } from '../../../mail/types';
import type { CampaignClient } from '../../campaigns';
import { mailCorrection } from '../../../web/deadlines';
import { linkTargetOfLedgerKeys } from '../../../web/links';
import { fixedOrg } from '../../../web/live-org';
import { formatInstant } from '../../../domain/format';
import { campaignClient, deadlineArgs, print, withCommon, type CommonOptions } from '../campaign-command';
import { withGrades } from '../grade-command';
import { lang, say } from '../lang';

const REF = /^sha256:[0-9a-f]{64}$/;

export function registerCorrect(program: Command): void {
  withCommon(
    deadlineArgs(
      program
        .command('correct')
        .description(
          "the office corrects a unit's report received, or a leader's review comment (<obligation>.review <cycle>:<unit> <reviewer>); the original and its lateness stay",
        ),
    )
      .requiredOption('--by <who>', 'who corrects it')
      .requiredOption('--reason <why>', 'why')
      .requiredOption('--text <text>', 'the report as corrected, whole')
      .option('--attach <ref...>', 'its attachments as sha256:<hex> (default: keep the current ones)')
      .option('--ledger <url>', 'ledger URL (default: LEDGER_URL)')
      .option('--no-mail', 'record the correction without mailing the unit (or the reviewer)'),
  ).action(
    async (
      campaignId: string,
      ob: string,
      cycle: string,
      unit: string,
      o: CommonOptions & {
        by: string;
        reason: string;
        text: string;
        attach?: string[];
        ledger?: string;
        mail: boolean;
      },
    ) => {
      const text = o.text.trim();
      if (text === '') throw new Error(say('--text：更正后的内容不能为空', '--text: the corrected report is empty'));
      const bad = o.attach?.find((r) => !REF.test(r));
      if (bad !== undefined)
        throw new Error(
          say(`--attach：“${bad}”不是 sha256:<64位十六进制>`, `--attach: "${bad}" is not sha256:<64 hex>`),
        );
      const cc = await campaignClient(o);
      // The campaign's time now: a rehearsal records the correction on its own calendar.
      const [at, { timeZone }] = await Promise.all([cc.planNow(campaignId), cc.directory(campaignId)]);
      const keys = { campaignId, obligationKey: ob, cycleKey: cycle, unitId: unit };
      const { event, mail } = await withGrades(o, async (ledger) => {
        const current = await readReport(ledger, keys);
        let event: LedgerEvent;
        try {
          event = await recordCorrection(ledger, {
            ...keys,
            at,
            by: o.by,
            reason: o.reason,
            text,
            attachments: o.attach ?? current?.attachments ?? [],
          });
        } catch (err) {
          if (!(err instanceof CorrectionRefused)) throw err;
          throw Object.assign(
            new Error(
              err.code === 'NOT_SUBMITTED'
                ? say(
                    `${unit} 尚未报送 ${ob} ${cycle}，没有可更正的内容`,
                    `${unit} has not reported ${ob} ${cycle}: nothing to correct`,
                  )
                : err.code === 'COMMENT_HAS_NO_FILES'
                  ? say('--attach：点评意见只有文字，不能附文件', '--attach: a review comment has no files')
                  : say(
                      '刚才已有人更正了这份报送，请核对后再试',
                      'someone else corrected this report meanwhile: check it and try again',
                    ),
            ),
            { code: err.code },
          );
        }
        return { event, mail: o.mail && current ? await tell(cc, ledger, current, event) : undefined };
      });
      const n = String(event.data?.correction);
      print(o, { ...event, mail: mail ?? null }, () =>
        [
          say(
            `已更正（第 ${n} 次）：${formatInstant(at, timeZone, lang())}`,
            `corrected (correction ${n}): ${formatInstant(at, timeZone, lang())}`,
          ),
          ...(mail?.accepted.length
            ? [say(`已邮件告知 ${mail.accepted.join('、')}`, `mailed ${mail.accepted.join(', ')}`)]
            : []),
        ].join('\n'),
      );
      if (mail && mail.status === 'failed')
        console.error(
          say(
            `更正已记录，但邮件被拒收：${mail.error ?? ''}`,
            `the correction is recorded, but the mail was refused: ${mail.error ?? ''}`,
          ),
        );
    },
  );
}

/**
 * Mails the correction to whom it concerns, as the console does. A mail that cannot go now is
 * said on stderr and the correction stands: recording it again would make a second correction.
 */
async function tell(
  cc: CampaignClient,
  ledger: LedgerStore,
  before: CurrentReport,
  correction: LedgerEvent,
): Promise<SendResult | undefined> {
  const config = processConfig();
  let mailer: Mailer | undefined;
  try {
    mailer = readdressing(
      await createMailer({
        url: config.MAIL_URL,
        from: config.MAIL_FROM,
        baseUrl: config.BASE_URL,
        ...(config.LINK_SECRET ? { linkSecret: config.LINK_SECRET } : {}),
        ledger,
      }),
      ledger,
    );
    // A full mailbox: the worker asks it again, as it does for the console's mail.
    mailer = redelivering(
      mailer,
      (input) => startRedelivery(cc.client, config.TASK_QUEUE, input),
      (err) =>
        console.error(
          say(
            `邮件暂缓投递，重投未能启动：${err instanceof Error ? err.message : String(err)}`,
            `the mail was deferred, and its redelivery did not start: ${err instanceof Error ? err.message : String(err)}`,
          ),
        ),
    );
    const c = correction;
    const target = linkTargetOfLedgerKeys(c.campaignId, c.obligationKey ?? '', c.cycleKey ?? '', c.unitId ?? '');
    return await mailCorrection(
      { campaigns: cc, org: fixedOrg(await cc.campaignOrg(c.campaignId)), mailer },
      target,
      before.original,
      correction,
    );
  } catch (err) {
    console.error(
      say(
        `更正已记录，但邮件未发出：${err instanceof Error ? err.message : String(err)}`,
        `the correction is recorded, but the mail did not go: ${err instanceof Error ? err.message : String(err)}`,
      ),
    );
    return undefined;
  } finally {
    await mailer?.close();
  }
}
