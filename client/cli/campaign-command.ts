/**
 * What the commands that drive a running campaign share: the server options, the connection
 * to the Temporal server the configuration names (config/temporal-connection.ts), printing as text or JSON. Instants given on
 * the command line are read by `requestInstant` (domain/dates.ts).
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { processConfig } from '../../config';
import { formatInstant } from '../../domain/format';
import { requestInstant } from '../../domain/dates';
import { withAddress } from '../../config/temporal-connection';
import { CampaignClient, connectClient } from '../campaigns';
import { LedgerConnectionError, openLedger } from '../../ledger';
import { campaignStarts, START_VIA_NAMES, startModeNames, type CampaignStart } from '../../ledger/campaign-starts';
import { parseLedgerUrl } from '../../ledger/url';
import type { LedgerStore, OrgStore } from '../../ledger/types';
import type { DeadlineStatus, PhaseChange } from '../../workflows/messages';
import { lang, say } from './lang';
import { pad, stateWord, stepWord } from './words';

export interface CommonOptions {
  address?: string;
  json?: boolean;
}

/** Adds the options every campaign command takes. */
export function withCommon(c: Command): Command {
  return c
    .option(
      '--address <host:port>',
      'Temporal server (default: TEMPORAL_ADDRESS, the TEMPORAL_PROFILE profile, or 127.0.0.1:7233)',
    )
    .option('--json', 'machine-readable output');
}

/** The arguments that name one deadline: campaign, obligation, cycle, unit. */
export function deadlineArgs(c: Command): Command {
  return c
    .argument('<campaign>', 'campaign id')
    .argument('<obligation>', 'obligation key, e.g. branch-plan; its leader review: branch-plan.review')
    .argument('<cycle>', 'cycle key, e.g. once, 2010-Q3, 2011-H1, 2011')
    .argument('<unit>', 'unit id');
}

export async function campaignClient(opts: CommonOptions): Promise<CampaignClient> {
  const config = processConfig();
  return new CampaignClient(
    await connectClient(withAddress(config.temporal, opts.address)),
    0,
    ledgerOrgs(config.LEDGER_URL),
  );
}

/**
 * The ledger's organisations, opened on first use: `start` stores the organisation there (the
 * campaign holds it by reference), `list` and `submit` read a campaign's units from it; the other
 * commands never open it. The command's process exits when it is done, which closes it.
 */
function ledgerOrgs(url: string): OrgStore {
  let ledger: Promise<LedgerStore> | undefined;
  const open = (): Promise<LedgerStore> => (ledger ??= openLedger(url));
  return {
    storeOrg: async (campaignId, org) => (await open()).storeOrg(campaignId, org),
    orgVersion: async (hash) => (await open()).orgVersion(hash),
  };
}

/**
 * `read` on the configured ledger, for a command that otherwise asks only Temporal. Undefined when
 * the ledger is a SQLite file that does not exist (opening it would create one where the service
 * keeps none) or cannot be opened: then the command still answers from Temporal, and says on
 * stderr why the ledger's part is missing.
 */
export async function fromLedgerIfAny<T>(read: (ledger: LedgerStore) => Promise<T>): Promise<T | undefined> {
  const url = processConfig().LEDGER_URL;
  let ledger: LedgerStore;
  try {
    const where = parseLedgerUrl(url);
    if (where.dialect === 'sqlite' && (where.file === ':memory:' || !existsSync(where.file))) return undefined;
    ledger = await openLedger(url);
  } catch (err) {
    if (!(err instanceof LedgerConnectionError)) throw err;
    console.error(
      say(
        `（台帐无法打开，未列出发起人：${err.message}）`,
        `(the ledger cannot be opened, so who started the campaign is not shown: ${err.message})`,
      ),
    );
    return undefined;
  }
  try {
    return await read(ledger);
  } finally {
    await ledger.close();
  }
}

/** The campaign's recorded starts (ledger/campaign-starts.ts), the latest last, if a ledger is here. */
export const recordedStarts = (campaignId: string): Promise<CampaignStart[] | undefined> =>
  fromLedgerIfAny((ledger) => campaignStarts(ledger, campaignId));

/** Who started the campaign, from where, when (in the campaign's zone) and how: the console's line, in text. */
export function startedText(starts: CampaignStart[], zone: string): string {
  const s = starts.at(-1);
  if (!s) return say('发起：（台帐中无记录）', 'started by: (not in the ledger)');
  const via = START_VIA_NAMES[s.via];
  const mode = startModeNames(s);
  const at = formatInstant(s.recordedAt, zone, lang());
  const earlier = starts.length - 1;
  return say(
    `发起：${s.by} · 经${via.zh} · ${at} · ${mode.zh}${earlier > 0 ? ` · 此前曾启动 ${earlier} 次未成功` : ''}`,
    `started by ${s.by} · from ${via.en} · ${at} · ${mode.en}${earlier > 0 ? ` · started ${earlier} time${earlier > 1 ? 's' : ''} before, failed` : ''}`,
  );
}

export function print(opts: CommonOptions, value: unknown, text: () => string): void {
  console.log(opts.json ? JSON.stringify(value, null, 2) : text());
}

/**
 * A local date-time in the campaign's zone (or an ISO instant with offset) to a UTC instant; one
 * that is not real (2010-02-30, or a time the zone's clocks skip) is refused naming `option`.
 */
export function instant(value: string, zone: string, option = 'date-time'): string {
  return requestInstant(value, zone, option);
}

/** A phase started (advance) or ended (end-phase) by hand, with who did it, in the campaign's zone. */
export function phaseChangeLine(change: PhaseChange, zone: string): string {
  const at = formatInstant(change.at, zone, lang());
  const zh = change.action === 'started' ? '开始' : '结束';
  return say(
    `阶段 ${change.phaseKey} 于 ${at} ${zh}（${change.by}）`,
    `phase ${change.phaseKey} ${change.action} at ${at} by ${change.by}`,
  );
}

const COLUMNS = [16, 34, 36, 30] as const;

/** The titles of `deadlineLine`'s columns. */
export function deadlineHeader(): string {
  const [state, unit, what, due] = COLUMNS;
  return [
    pad(say('状态', 'state'), state),
    pad(say('单位', 'unit'), unit),
    pad(say('事项 周期', 'obligation cycle'), what),
    pad(say('截止', 'due'), due),
    say('下一步', 'next step'),
  ].join('  ');
}

/** One deadline on a line: colour, unit (id and name), obligation and cycle, due, next step. */
export function deadlineLine(d: DeadlineStatus, zone: string, unitName?: string): string {
  const [state, unit, what, due] = COLUMNS;
  const t = (iso: string): string => formatInstant(iso, zone, lang());
  return [
    pad(stateWord(d.state), state),
    pad(unitName ? `${d.unitId} ${unitName}` : d.unitId, unit),
    pad(`${d.obligationKey} ${d.cycleKey}`, what),
    pad(t(d.dueAt), due),
    d.nextStep ? `${stepWord(d.nextStep)} ${t(d.nextStep.at)}` : '',
  ]
    .join('  ')
    .trimEnd();
}
