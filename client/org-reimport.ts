/**
 * The organisation file re-imported for a running campaign (`appoint --org`, the API's
 * `POST …/campaigns/{id}/org`, the console's organisation page): the file becomes the campaign's
 * contacts, which every mail from then on goes to (mail/current-contacts.ts), and each branch
 * whose secretary it changes since the last import is an appointment, which may open her
 * training (the plan's openedBy). Since v0.22 the campaign also follows the file (`followOrg`):
 * the cycles it opens from then on are for the file's units, so a branch new in it takes part
 * from its obligations' next cycles, and a unit the file lacks is opened nothing more (what is
 * open keeps the organisation it opened with). On the office's word (`joinOpenCycles`, since
 * v0.23) the file's units without a deadline in a cycle open now join it too. `previewReimport`
 * says the same beforehand, recording nothing; `contactProblemsOf` says what of the contacts in
 * force the mail cannot use.
 */
import type { SecretaryChange } from '../domain/engine/events';
import { clip, OrgValidationError } from '../domain/errors';
import type { OrgRef } from '../domain/engine/org-ref';
import type { EventOpening, JoinChoice, OpenCyclesJoined, OrgFollowed } from '../domain/engine/requests';
import { wouldJoin, type OpenCycleToJoin } from '../domain/join-choice';
import type { Org } from '../domain/org-schema';
import { rosterChanges, type RosterChanges } from '../domain/roster-changes';
import { orgHash, reimportEvent, reimports, parsedOrgVersions } from '../ledger/org-versions';
import type { LedgerStore } from '../ledger/types';
import { unitsReaching, contactProblems, type ContactProblems } from '../domain/contact-problems';
import { mailRefusals } from '../mail/refusals';
import { CampaignRequestError, type CampaignClient } from './campaigns';
import { redeliveryRunning } from './redelivery';

export interface ReimportResult {
  appointments: (SecretaryChange & EventOpening)[];
  /** Branches new to the campaign with this file: in the cycles it opens from now on (`follows`). */
  newBranches: string[];
  /** The version the file was stored as, or null when it is the contacts already. */
  contacts: OrgRef | null;
  /** What the campaign follows now, and its next cycles; null when it carries its organisation in its input. */
  follows: OrgFollowed | null;
  /**
   * Asked with `joinOpenCycles`: the cycles open now and the units that joined each (a branch
   * founded since the cycle opened); null when not asked, or the campaign does not follow the file.
   */
  joined: OpenCyclesJoined | null;
}

/** What a re-import would do, recorded nowhere (the console's preview, the API's dry run). */
export interface ReimportPreview extends RosterChanges {
  /** False when the file is the contacts already: nothing would be updated. */
  updatesContacts: boolean;
  /**
   * The campaign would open its later cycles for the file's units (it holds its organisation by
   * reference); false for one that carries it in its input, whose cycles keep that organisation.
   */
  followsFile: boolean;
  /**
   * The cycles open now, each with the file's units without a deadline in it (`wouldJoin`,
   * `newBranches` among them), who join it if the import asks it (`joinOpenCycles`, all or the
   * office's choice); none when the campaign does not follow the file.
   */
  openCycles: OpenCycleToJoin[];
}

type ReimportLedger = Pick<LedgerStore, 'events' | 'orgVersion' | 'storeOrg' | 'record' | 'deadlineRows'>;

/**
 * The cycles open now and who of the file would join each: its units responsible for the cycle
 * without a deadline in it in the ledger. A cycle still opening offers nobody yet (its deadlines
 * are still being recorded, so the ledger cannot tell who lacks one).
 */
export async function openCyclesToJoin(
  cc: CampaignClient,
  ledger: Pick<LedgerStore, 'deadlineRows'>,
  campaignId: string,
  file: Org,
): Promise<OpenCycleToJoin[]> {
  const open = await cc.openCycles(campaignId);
  if (open.length === 0) return [];
  const plan = (await cc.startInput(campaignId))?.plan;
  return Promise.all(
    open.map(async (c) => {
      const obligation = plan?.obligations.find((o) => o.key === c.obligationKey);
      if (c.stillOpening || !obligation) return { ...c, wouldJoin: [] };
      const rows = await ledger.deadlineRows({ campaignId, obligationKey: c.obligationKey, cycleKey: c.cycleKey });
      return { ...c, wouldJoin: wouldJoin(file, obligation, new Set(rows.map((r) => r.unitId))) };
    }),
  );
}

/** What the file is compared with: the contacts before it, and the appointments already made from it. */
async function basisOf(cc: CampaignClient, ledger: ReimportLedger, campaignId: string, file: Org) {
  const campaignOrg = await cc.campaignOrg(campaignId);
  // Another organisation's roster (another university's, the sample's) would readdress every
  // mail to strangers: refused before anything is compared or recorded.
  if (file.officeId !== campaignOrg.officeId)
    throw new OrgValidationError('organisation', [
      {
        file: 'organisation',
        path: 'office.id',
        message: `is "${clip(file.officeId)}", but this campaign's office is "${campaignOrg.officeId}": a roster of another organisation cannot be its contacts`,
      },
    ]);
  const imports = await reimports(ledger, campaignId);
  const latest = imports.at(-1);
  // Run again (the same file after an appointment failed): compared with the contacts before
  // it, so that every appointment it makes is made.
  const again = latest?.data?.hash === orgHash(file);
  const previous = again ? imports.at(-2) : latest;
  // None before: the organisation the campaign started on (it may follow this file already).
  const before: Org =
    (previous && (await ledger.orgVersion(String(previous.data?.hash)))) ?? (await cc.startOrg(campaignId));
  // Run again: what the first run appointed is not told twice (it would open nothing, but
  // would read as a new appointment).
  const appointed = again
    ? new Set(
        (await ledger.events({ campaignId, kinds: ['secretary-appointed'] })).map(
          (e) => `${e.unitId ?? ''}\u0000${String(e.data?.secretary)}`,
        ),
      )
    : new Set<string>();
  const changes = rosterChanges(before, file, campaignOrg);
  return {
    updatesContacts: !again && orgHash(before) !== orgHash(file),
    changes: {
      ...changes,
      appointments: changes.appointments.filter((c) => !appointed.has(`${c.unitId}\u0000${c.secretary}`)),
    },
  };
}

export async function previewReimport(
  cc: CampaignClient,
  ledger: ReimportLedger,
  campaignId: string,
  file: Org,
): Promise<ReimportPreview> {
  const { updatesContacts, changes } = await basisOf(cc, ledger, campaignId, file);
  const followsFile = (await cc.directoryWithoutUnits(campaignId)).orgRef !== undefined;
  const openCycles = followsFile ? await openCyclesToJoin(cc, ledger, campaignId, file) : [];
  // The file is the contacts already: no address changes, whatever it changed when imported.
  return updatesContacts
    ? { ...changes, updatesContacts, followsFile, openCycles }
    : { ...changes, contacts: [], missing: [], updatesContacts, followsFile, openCycles };
}

export async function reimportOrg(
  cc: CampaignClient,
  ledger: ReimportLedger,
  campaignId: string,
  file: Org,
  opts: {
    by: string;
    at: string;
    appointedAt?: string;
    /**
     * The file's units without a deadline in a cycle open now join it: every one (`true`), or the
     * office's choice, made of the cycles open now and who would join each, and checked before
     * anything is recorded (domain/join-choice.ts's `resolveJoinChoice` throws naming the field).
     */
    joinOpenCycles?: boolean | ((open: OpenCycleToJoin[]) => JoinChoice[]);
  },
): Promise<ReimportResult> {
  const { updatesContacts, changes } = await basisOf(cc, ledger, campaignId, file);
  const followsFile = (await cc.directoryWithoutUnits(campaignId)).orgRef !== undefined;
  // The office's choice checked before anything is recorded: a unit that cannot join is refused by name.
  const choose = followsFile ? opts.joinOpenCycles : undefined;
  const only = typeof choose === 'function' ? choose(await openCyclesToJoin(cc, ledger, campaignId, file)) : undefined;
  // The contacts first: the notice of a training the import opens goes to the new secretary.
  let contacts: OrgRef | null = null;
  if (updatesContacts) {
    contacts = await ledger.storeOrg(campaignId, file);
    await ledger.record(reimportEvent(campaignId, contacts, file.order.length, opts.at, opts.by));
  }
  // Then the campaign follows the file, before the appointments: the trainings they open are
  // for the file's organisation. Asked again when the same file is imported again (a run cut
  // short before it): the campaign answers `followed: false` for the version it follows already.
  let follows: OrgFollowed | null = null;
  if (followsFile) {
    const ref = contacts ?? (await ledger.storeOrg(campaignId, file));
    follows = await cc.followOrg(campaignId, { orgRef: ref, by: opts.by });
  }
  const appointments: ReimportResult['appointments'] = [];
  for (const c of changes.appointments) {
    const opened = await cc.openForEvent(campaignId, {
      event: 'secretary-appointed',
      unitId: c.unitId,
      secretary: c.secretary,
      actor: opts.by,
      at: opts.appointedAt,
    });
    appointments.push({ ...c, ...opened });
  }
  // Last, on the office's word: the file's units new to a cycle open now join it. Asked again
  // with the same file (a run cut short), only those still without a deadline there join.
  const joined =
    follows && choose ? await cc.joinOpenCycles(campaignId, { by: opts.by, ...(only ? { only } : {}) }) : null;
  return { appointments, newBranches: changes.newBranches, contacts, follows, joined };
}

/**
 * What of the campaign's contacts now (its latest re-import, else the organisation it started
 * on) the mail cannot use (domain/contact-problems.ts), from the ledger's refusals (mail/refusals.ts).
 * A campaign the engine no longer holds (finished) mails nobody and has none.
 */
export async function contactProblemsOf(
  cc: CampaignClient,
  ledger: Pick<LedgerStore, 'events' | 'orgVersion' | 'firstDeliveriesAfter' | 'get'>,
  campaignId: string,
  unitIds: readonly string[],
): Promise<ContactProblems> {
  let contacts: Org;
  try {
    // The campaign's own organisation first: it also says the campaign still runs.
    const campaignOrg = await cc.campaignOrg(campaignId);
    const latest = (await reimports(ledger, campaignId)).at(-1);
    contacts = (latest && (await parsedOrgVersions(ledger)(String(latest.data?.hash)))) ?? campaignOrg;
  } catch (err) {
    // A campaign the engine no longer holds mails nobody: nothing to mend for it.
    if (err instanceof CampaignRequestError && err.code === 'CAMPAIGN_NOT_FOUND')
      return { noAddress: [], refused: [], deferred: [] };
    throw err;
  }
  // Asked only of the messages that could reach each address; one the roster no longer names is
  // not listed, and not asked about.
  const { failures, deliveries, deferrals } = await mailRefusals(ledger, campaignId, unitsReaching(contacts));
  // Each deferral's redelivery asked whether it still runs: deferrals are few (a refusal for now).
  const running = await Promise.all(deferrals.map((d) => redeliveryRunning(cc.client, d.messageKey)));
  const checked = deferrals.map((d, i) => (running[i] ? d : { ...d, stalled: true as const }));
  return contactProblems(contacts, unitIds, failures, deliveries, checked);
}
