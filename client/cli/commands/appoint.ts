/**
 * `appoint <campaign> <unit> --secretary <name>`: a new branch secretary, which opens her training
 * (任职培训) if the plan declares it (`openedBy: { event: secretary-appointed }`).
 * `appoint <campaign> --org <file>`: the organisation file re-imported; every branch whose
 * secretary changed since the last import is an appointment, and the file becomes the campaign's
 * contacts: every mail from then on goes to the addresses it names (mail/current-contacts.ts),
 * and the cycles the campaign opens from then on are for its units (a branch new in it included).
 * With `--join-open` the file's units without a deadline in a cycle open now (a branch founded
 * since it opened) join it too. With `--dry-run` it says what the import would change and records
 * nothing.
 */
import type { Command } from 'commander';
import { formatDay, formatInstant, localIsoDate } from '../../../domain/format';
import type {
  CampaignDirectory,
  EventOpening,
  OpenCycle,
  OpenCyclesJoined,
  OrgFollowed,
} from '../../../domain/engine/requests';
import type { Org } from '../../../domain/org-schema';
import type { JoinChoice } from '../../../domain/engine/requests';
import { isId } from '../../../domain/ids';
import { JoinChoiceError, resolveJoinChoice, type AskedJoin, type OpenCycleToJoin } from '../../../domain/join-choice';
import { loadOrgFile } from '../../../plans/load';
import { previewReimport, reimportOrg, type ReimportPreview } from '../../org-reimport';
import { withGrades } from '../grade-command';
import { CampaignRequestError, type CampaignClient } from '../../campaigns';
import { campaignClient, instant, print, withCommon, type CommonOptions } from '../campaign-command';
import { lang, say } from '../lang';

interface AppointOptions extends CommonOptions {
  secretary?: string;
  org?: string;
  by: string;
  at?: string;
  dryRun?: boolean;
  joinOpen?: boolean;
  joinCycle?: string[];
  joinUnit?: string[];
}

/**
 * What `--join-open`, `--join-cycle` and `--join-unit` ask: nothing, every unit that would join
 * every cycle open now, or the office's choice: the cycles named (else every one open now), each
 * joined by the units named that would join it (else all of them). A unit named that would join
 * none of them, or a cycle not open now, is an error before anything is recorded.
 */
function joinAsked(o: AppointOptions, file: Org): boolean | ((open: OpenCycleToJoin[]) => JoinChoice[]) {
  if (o.joinCycle === undefined && o.joinUnit === undefined) return o.joinOpen ?? false;
  const cycles = o.joinCycle?.map((spec): AskedJoin => {
    const [obligationKey = '', cycleKey = '', ...rest] = spec.split('/');
    if (rest.length > 0 || !isId('key', obligationKey) || !isId('cycle', cycleKey))
      throw new JoinChoiceError(
        '--join-cycle',
        `"${spec}" is not <obligation>/<cycle>, such as quarterly-report/2010-Q3`,
      );
    return { obligationKey, cycleKey };
  });
  return (open) => {
    const asked =
      cycles ?? open.filter((c) => !c.stillOpening).map(({ obligationKey, cycleKey }) => ({ obligationKey, cycleKey }));
    // Each cycle checked (open now, settled, named once), with every unit that would join it.
    const all = resolveJoinChoice(asked, open, file, '--join-cycle');
    const units = o.joinUnit;
    if (units === undefined) return all;
    for (const u of units)
      if (!all.some((c) => c.unitIds.includes(u)))
        throw new JoinChoiceError(
          '--join-unit',
          say(
            `${u} 不能补充参加所选的任何周期：名册中没有它，或它已有这些周期的任务，或不承担这些事项`,
            `${u} would join none of the cycles chosen: it is not in the file, has its deadline in them already, or does not owe them`,
          ),
        );
    return all
      .map((c) => ({ ...c, unitIds: c.unitIds.filter((u) => units.includes(u)) }))
      .filter((c) => c.unitIds.length > 0);
  };
}

const POST_NAME = {
  secretary: ['书记', 'secretary'],
  liaison: ['联络员', 'liaison'],
  address: ['邮箱', 'address'],
} as const;

/** What `--org … --dry-run` says: the import's changes, one line each. */
function previewLines(p: ReimportPreview, units: number): string[] {
  const none = say('（无）', '(none)');
  return [
    p.updatesContacts
      ? say(
          `预览（未记录任何变更）：通讯录将更新为这份文件（${units} 个单位）`,
          `preview (nothing recorded): the contacts would become this file (${units} units)`,
        )
      : say(
          '预览：组织文件与当前通讯录相同，不会更新',
          'preview: the file is the contacts already; nothing would change',
        ),
    ...p.appointments.map((a) =>
      say(
        `${a.unitId} ${a.unitName}：书记 ${a.previous ?? none} → ${a.secretary}（将记为任命）`,
        `${a.unitId} ${a.unitName}: secretary ${a.previous ?? none} → ${a.secretary} (an appointment)`,
      ),
    ),
    ...p.contacts.map((c) =>
      say(
        `${c.unitId} ${c.unitName} · ${POST_NAME[c.post][0]}：${c.was ?? none} → ${c.now ?? none}`,
        `${c.unitId} ${c.unitName} · ${POST_NAME[c.post][1]}: ${c.was ?? none} → ${c.now ?? none}`,
      ),
    ),
    ...p.newBranches.map((id) =>
      p.followsFile
        ? say(`${id}：新党支部，将参加各事项此后开启的周期`, `${id}: a new branch, in every cycle opened from now on`)
        : say(`${id}：新党支部，不在本活动的组织中`, `${id}: a new branch, not in this campaign's organisation`),
    ),
    ...p.missing.map((id) =>
      p.followsFile
        ? say(
            `${id}：文件中没有：已开启的事项照常（邮件仍发往原联系人），此后开启的周期不再包括它`,
            `${id}: not in the file: what is open goes on (its mail as before), no later cycle includes it`,
          )
        : say(`${id}：文件中没有，其邮件仍发往原联系人`, `${id}: not in the file; its mail goes on as before`),
    ),
  ];
}

/** The cycles open now, as a line each: the title, the cycle and its due instant. */
function openCycleLine(c: OpenCycle, dir: CampaignDirectory): string {
  const title = dir.obligations.find((o) => o.key === c.obligationKey)?.title ?? c.obligationKey;
  return say(
    `  ${title} ${c.cycleLabel}，截止 ${formatInstant(c.dueAt, dir.timeZone, 'zh')}`,
    `  ${c.obligationKey} ${c.cycleLabelEn}, due ${formatInstant(c.dueAt, dir.timeZone, 'en')}`,
  );
}

/** Units by their id and the file's name, as every line of the command names them. */
const named = (ids: string[], file: Org, sep: string): string =>
  ids.map((id) => `${id} ${file.units[id]?.name ?? ''}`.trim()).join(sep);

/** What `--dry-run` says of the cycles open now: each with who of the file `--join-open` would have join it. */
function openCyclesLines(p: ReimportPreview, dir: CampaignDirectory, file: Org): string[] {
  if (!p.followsFile || p.openCycles.length === 0) return [];
  return [
    say(
      '正在进行的周期（加 --join-open，文件中尚无本期任务的单位，如新成立的党支部，一并参加；--join-cycle、--join-unit 只选其中的周期、单位）：',
      'cycles open now (with --join-open, units of the file without a deadline in one, such as a founded branch, join it; --join-cycle and --join-unit choose some of them):',
    ),
    ...p.openCycles.map((c) => {
      const line = `${openCycleLine(c, dir)} [${c.obligationKey}/${c.cycleKey}]`;
      if (c.stillOpening)
        return say(`${line}：刚开启，任务仍在建立中`, `${line}: opened just now, its deadlines still being started`);
      return c.wouldJoin.length === 0
        ? say(`${line}：各单位均已有本期任务`, `${line}: every unit has its deadline already`)
        : say(
            `${line}：可补充参加 ${named(c.wouldJoin, file, '、')}`,
            `${line}: may join: ${named(c.wouldJoin, file, ', ')}`,
          );
    }),
  ];
}

/** Who joined which cycle open now (`--join-open`), a line each, each unit by its id and the file's name. */
function joinedLines(j: OpenCyclesJoined, dir: CampaignDirectory, file: Org): string[] {
  if (j.cycles.length === 0) return [say('没有正在进行的周期，无需补充参加', 'no cycle is open now: none to join')];
  return j.cycles.map((c) => {
    const line = openCycleLine(c, dir).trimStart();
    if (c.notChosen) return say(`${line}：未选，无人补充参加`, `${line}: not chosen, nobody joined`);
    if (c.stillOpening)
      return say(
        `${line}：刚开启，任务仍在建立中，请稍后再加 --join-open 导入一次`,
        `${line}: opened just now, its deadlines are still being started; import again with --join-open in a minute`,
      );
    return c.joined.length === 0
      ? say(`${line}：各单位均已有本期任务`, `${line}: every unit has its deadline already`)
      : say(`${line}：补充参加 ${named(c.joined, file, '、')}`, `${line}: joined by ${named(c.joined, file, ', ')}`);
  });
}

/** What the campaign follows after the import: the version, and each obligation's next cycle with its opening. */
function followLines(f: OrgFollowed, dir: CampaignDirectory): string[] {
  const title = (key: string): string => dir.obligations.find((o) => o.key === key)?.title ?? key;
  // The day it opens: the engine opens a cycle at its due time of day, which would read as a deadline.
  const day = (iso: string, locale: 'zh' | 'en'): string => formatDay(localIsoDate(iso, dir.timeZone), locale);
  const cycles = f.nextCycles.map((c) =>
    say(
      `  ${title(c.obligationKey)} ${c.cycleLabel}：${day(c.opensAt, 'zh')}开启`,
      `  ${c.obligationKey} ${c.cycleLabelEn}: opens ${day(c.opensAt, 'en')}`,
    ),
  );
  return [
    f.nextCycles.length === 0
      ? say(
          `活动已没有待开启的周期：第 ${f.orgRef.version} 版组织不再开启新的事项`,
          `the campaign has no cycle left to open: version ${f.orgRef.version} opens nothing more`,
        )
      : say(
          `此后开启的周期按第 ${f.orgRef.version} 版组织（${f.units} 个单位），首先是：`,
          `cycles opened from now on are for version ${f.orgRef.version} (${f.units} units), first:`,
        ),
    ...cycles,
  ];
}

/** What one appointment opened, one line each, in the campaign's zone. */
export function openingLines(unitId: string, r: EventOpening, zone: string): string[] {
  const due = (iso: string): string => formatInstant(iso, zone, lang());
  return [
    ...r.opened.map((d) =>
      say(
        `${unitId}：已开启 ${d.obligationKey} ${d.cycleKey}，截止 ${due(d.dueAt)}`,
        `${unitId}: opened ${d.obligationKey} ${d.cycleKey}, due ${due(d.dueAt)}`,
      ),
    ),
    ...r.alreadyOpen.map((d) =>
      say(
        `${unitId}：${d.obligationKey} ${d.cycleKey} 已开启，截止 ${due(d.dueAt)}`,
        `${unitId}: ${d.obligationKey} ${d.cycleKey} was open already, due ${due(d.dueAt)}`,
      ),
    ),
    ...r.notOpened.map((n) =>
      say(
        `${unitId}：未开启 ${n.obligationKey}（${n.reason}）`,
        `${unitId}: ${n.obligationKey} not opened (${n.reason})`,
      ),
    ),
    ...(r.opened.length + r.alreadyOpen.length + r.notOpened.length === 0
      ? [say(`${unitId}：计划未规定因任命开启的事项`, `${unitId}: the plan opens nothing on an appointment`)]
      : []),
  ];
}

async function appointOne(
  cc: CampaignClient,
  campaignId: string,
  unitId: string,
  secretary: string,
  o: AppointOptions,
  zone: string,
): Promise<EventOpening> {
  const at = o.at === undefined ? undefined : instant(o.at, zone, '--at');
  return cc.openForEvent(campaignId, { event: 'secretary-appointed', unitId, secretary, actor: o.by, at });
}

export function registerAppoint(program: Command): void {
  withCommon(
    program
      .command('appoint')
      .description(
        'a new branch secretary (or, with --org, every one the re-imported organisation file names): opens the training the plan declares',
      )
      .argument('<campaign>', 'campaign id')
      .argument('[unit]', 'the branch (not with --org)')
      .option('--secretary <name>', 'the new secretary’s name')
      .option(
        '--org <file>',
        'the organisation file re-imported: each branch whose secretary changed is an appointment',
      )
      .requiredOption('--by <who>', 'who records the appointment')
      .option('--at <datetime>', "only a rehearsal's: the plan instant the appointment means")
      .option(
        '--join-open',
        "with --org: the file's units without a deadline in a cycle open now (a branch founded since it opened) join it",
      )
      .option(
        '--join-cycle <obligation/cycle...>',
        'with --org: only these cycles open now are joined (e.g. quarterly-report/2010-Q3); implies --join-open',
      )
      .option('--join-unit <unit...>', 'with --org: only these units join the cycles open now; implies --join-open')
      .option('--dry-run', 'with --org: say what the import would change, record nothing'),
  ).action(async (campaignId: string, unit: string | undefined, o: AppointOptions) => {
    if ((o.org === undefined) === (unit === undefined || o.secretary === undefined))
      throw new CampaignRequestError(
        'REJECTED',
        say(
          '请给出 <unit> 和 --secretary，或者只给 --org <组织文件>',
          'give <unit> and --secretary, or --org <file> alone',
        ),
      );
    const cc = await campaignClient(o);
    const dir = await cc.directory(campaignId);
    const zone = dir.timeZone;
    if (o.org === undefined) {
      const r = await appointOne(cc, campaignId, unit!, o.secretary!, o, zone);
      print(o, r, () => openingLines(unit!, r, zone).join('\n'));
      return;
    }
    const file = await loadOrgFile(o.org);
    if (o.dryRun) {
      const preview = await withGrades({}, (ledger) => previewReimport(cc, ledger, campaignId, file));
      print(o, preview, () =>
        [...previewLines(preview, file.order.length), ...openCyclesLines(preview, dir, file)].join('\n'),
      );
      return;
    }
    const appointedAt = o.at === undefined ? undefined : instant(o.at, zone, '--at');
    const at = appointedAt ?? (await cc.planNow(campaignId));
    const {
      appointments: results,
      newBranches,
      contacts,
      follows,
      joined,
    } = await withGrades({}, (ledger) =>
      reimportOrg(cc, ledger, campaignId, file, { by: o.by, at, appointedAt, joinOpenCycles: joinAsked(o, file) }),
    );
    print(o, { appointments: results, newBranches, contacts, follows, joined }, () =>
      [
        contacts
          ? say(
              `通讯录已更新为第 ${contacts.version} 版（${file.order.length} 个单位）：此后的邮件按新通讯录发送，新任书记即可登录网页`,
              `contacts now version ${contacts.version} (${file.order.length} units): mail from now on goes to its addresses, and new secretaries can sign in`,
            )
          : say('组织文件与当前通讯录相同，未更新', 'the file is the contacts already: nothing updated'),
        ...(follows?.followed ? followLines(follows, dir) : []),
        ...(joined ? joinedLines(joined, dir, file) : []),
        ...(results.length === 0 ? [say('没有党支部书记变更', 'no branch secretary changed')] : []),
        ...results.flatMap((r) => [
          say(
            `${r.unitId} ${r.unitName}：书记 ${r.previous ?? '（无）'} → ${r.secretary}`,
            `${r.unitId} ${r.unitName}: secretary ${r.previous ?? '(none)'} → ${r.secretary}`,
          ),
          ...openingLines(r.unitId, r, zone).map((l) => `  ${l}`),
        ]),
        ...newBranches.map((id) =>
          follows && joined
            ? say(
                `${id}：新党支部，参加正在进行的周期（见上）和各事项此后开启的周期`,
                `${id}: a new branch, in the cycles open now (above) and every cycle opened from now on`,
              )
            : follows
              ? say(
                  `${id}：新党支部，参加各事项此后开启的周期（已开启的不含；加 --join-open 可一并参加）`,
                  `${id}: a new branch, in every cycle opened from now on (not in those open already; --join-open has it join them)`,
                )
              : say(
                  `${id}：新党支部，不在本活动的组织中（未开启任何事项）`,
                  `${id}: a new branch, not in this campaign's organisation (nothing opened)`,
                ),
        ),
      ].join('\n'),
    );
  });
}
