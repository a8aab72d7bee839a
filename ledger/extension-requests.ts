/**
 * A unit's request for more time (申请延期). Without it a branch that cannot make a due date (its
 * secretary away, a meeting not yet held) telephones the office, which extends the deadline
 * or not, and nobody can later say who asked, when, for how long and why. Through its link the
 * unit asks for a new due instant and says why; the office grants it (the console's extend form,
 * filled from the request) or declines it saying why, and the unit is mailed either way.
 *
 * Each request, grant and decline is a fact of its own, numbered per deadline, so that of two
 * recorded at once the second is refused rather than lost. One request is pending at a time: it is
 * answered by the office's grant or decline, and also by anything that settles the question
 * otherwise (an extension the office granted by another way since it was asked, a report handed
 * in, a waiver, the deadline closing).
 */
import { deadlineIdOfLedgerKeys } from '../domain/engine/context';
import type { EventKind, LedgerEvent, LedgerStore } from './types';

export interface DeadlineKeys {
  campaignId: string;
  obligationKey: string;
  cycleKey: string;
  unitId: string;
}

export interface ExtensionAsked extends DeadlineKeys {
  /** The campaign's time now (a rehearsal's plan time), ISO-8601. */
  at: string;
  by: string;
  reason: string;
  /** The due instant the unit asks for, ISO-8601. */
  until: string;
}

export class ExtensionRequestRefused extends Error {
  override readonly name = 'ExtensionRequestRefused';
  constructor(
    /**
     * NOT_OPEN: the deadline has not opened in the ledger; PENDING: a request waits for the office
     * already; NO_REQUEST: the request answered is not the one pending; CONFLICT: another was
     * recorded meanwhile.
     */
    readonly code: 'NOT_OPEN' | 'PENDING' | 'NO_REQUEST' | 'CONFLICT',
    message: string,
  ) {
    super(message);
  }
}

/** The kinds `extensionRequests` reads. */
export const EXTENSION_REQUEST_KINDS = [
  'deadline-opened',
  'extension-requested',
  'extension-granted',
  'extension-declined',
  'extension',
  'submission',
  'waiver',
  'deadline-closed',
] as const satisfies readonly EventKind[];

/** What settles a pending request without the office answering it by number. */
const SETTLING_KINDS: readonly string[] = ['extension', 'submission', 'waiver', 'deadline-closed'];

export interface ExtensionRequests {
  /** Oldest first. */
  requests: LedgerEvent[];
  /** The newest request while nothing has answered it: what the office has to decide. */
  pending?: LedgerEvent;
  /** The office's answer to the newest request, by its number. */
  granted?: LedgerEvent;
  declined?: LedgerEvent;
}

const numberOf = (e: LedgerEvent): number => (typeof e.data?.request === 'number' ? e.data.request : 0);

/** One deadline's requests for more time, from its events of `EXTENSION_REQUEST_KINDS`. */
export function extensionRequests(events: readonly LedgerEvent[]): ExtensionRequests {
  const requests = events.filter((e) => e.kind === 'extension-requested').sort((a, b) => numberOf(a) - numberOf(b));
  const newest = requests.at(-1);
  if (!newest) return { requests };
  const n = numberOf(newest);
  const granted = events.find((e) => e.kind === 'extension-granted' && numberOf(e) === n);
  const declined = events.find((e) => e.kind === 'extension-declined' && numberOf(e) === n);
  // Settled otherwise: something that answers the question happened at or after the request.
  const settled = events.some((e) => SETTLING_KINDS.includes(e.kind) && e.at >= newest.at);
  return {
    requests,
    ...(granted ? { granted } : {}),
    ...(declined ? { declined } : {}),
    ...(!granted && !declined && !settled ? { pending: newest } : {}),
  };
}

/** One deadline's requests for more time as the ledger holds them. */
export async function readExtensionRequests(ledger: LedgerStore, keys: DeadlineKeys): Promise<ExtensionRequests> {
  return extensionRequests(await ledger.events({ ...keys, kinds: [...EXTENSION_REQUEST_KINDS] }));
}

/** Records the unit's request; refused while another waits for the office, or before the deadline opened. */
export async function recordExtensionRequest(ledger: LedgerStore, req: ExtensionAsked): Promise<LedgerEvent> {
  return recordNext(
    ledger,
    req,
    'extension-requested',
    (state) => {
      if (state.pending)
        throw new ExtensionRequestRefused('PENDING', `request ${numberOf(state.pending)} waits for the office`);
      return state.requests.length + 1;
    },
    { until: req.until },
  );
}

/**
 * The office's answer to the request `request`: declined while it is the one pending, or granted
 * (with the new due instant) once the extension that grants it took.
 */
export async function recordExtensionAnswer(
  ledger: LedgerStore,
  req: DeadlineKeys & { at: string; by: string; reason: string },
  request: number,
  answer: { granted: true; newDueAt: string } | { granted: false },
): Promise<LedgerEvent> {
  return recordNext(
    ledger,
    req,
    answer.granted ? 'extension-granted' : 'extension-declined',
    (state) => {
      // A grant is recorded after the extension it answers, which the engine may have recorded
      // first and which settles the request: the newest one without an answer of its own will do.
      const open = answer.granted
        ? state.granted === undefined && state.declined === undefined
          ? state.requests.at(-1)
          : undefined
        : state.pending;
      if (open === undefined || numberOf(open) !== request)
        throw new ExtensionRequestRefused('NO_REQUEST', `request ${request} is not the one pending`);
      return request;
    },
    answer.granted ? { newDueAt: answer.newDueAt } : {},
  );
}

/** The id's word for each kind: `<deadline id>:extension-request:<n>`, `…:extension-granted:<n>`, `…:extension-declined:<n>`. */
const ID_WORD = {
  'extension-requested': 'extension-request',
  'extension-granted': 'extension-granted',
  'extension-declined': 'extension-declined',
} as const;

async function recordNext(
  ledger: LedgerStore,
  req: DeadlineKeys & { at: string; by: string; reason: string },
  kind: keyof typeof ID_WORD,
  numberFor: (state: ExtensionRequests) => number,
  data: Record<string, unknown>,
): Promise<LedgerEvent> {
  const { campaignId, obligationKey, cycleKey, unitId } = req;
  const events = await ledger.events({
    campaignId,
    obligationKey,
    cycleKey,
    unitId,
    kinds: [...EXTENSION_REQUEST_KINDS],
  });
  // The deadline's own opening gives the committee and phase, by which the dashboard scopes the list.
  const opened = events.find((e) => e.kind === 'deadline-opened');
  if (!opened) throw new ExtensionRequestRefused('NOT_OPEN', 'the deadline has not opened');
  const n = numberFor(extensionRequests(events));
  const event: LedgerEvent = {
    id: `${deadlineIdOfLedgerKeys(campaignId, obligationKey, cycleKey, unitId)}:${ID_WORD[kind]}:${n}`,
    campaignId,
    kind,
    at: req.at,
    obligationKey,
    cycleKey,
    unitId,
    ...(opened.committeeId ? { committeeId: opened.committeeId } : {}),
    ...(opened.phaseKey ? { phaseKey: opened.phaseKey } : {}),
    actor: req.by,
    reason: req.reason,
    data: { request: n, ...data },
  };
  if (!(await ledger.record(event)).inserted)
    throw new ExtensionRequestRefused('CONFLICT', `${ID_WORD[kind]} ${n} was recorded by someone else meanwhile`);
  return event;
}

/**
 * The requests for more time still to decide in a campaign, in a person's scope (a committee, or
 * the units they may see), the oldest first: of each deadline with a request, its newest while nothing answered it. Only the
 * deadlines with a request are read further, so a campaign without any costs one query.
 */
export async function pendingExtensionRequests(
  ledger: LedgerStore,
  campaignId: string,
  scope: { committeeId?: string; unitIds?: readonly string[] } = {},
): Promise<LedgerEvent[]> {
  const asked = await ledger.events({
    campaignId,
    kinds: ['extension-requested'],
    ...(scope.committeeId ? { committeeId: scope.committeeId } : {}),
  });
  const mine = scope.unitIds ? new Set(scope.unitIds) : undefined;
  const deadlines = new Map<string, DeadlineKeys>();
  for (const e of asked)
    if (e.obligationKey && e.cycleKey && e.unitId && (!mine || mine.has(e.unitId)))
      deadlines.set(`${e.obligationKey}|${e.cycleKey}|${e.unitId}`, {
        campaignId,
        obligationKey: e.obligationKey,
        cycleKey: e.cycleKey,
        unitId: e.unitId,
      });
  const pending: LedgerEvent[] = [];
  for (const keys of deadlines.values()) {
    const state = await readExtensionRequests(ledger, keys);
    if (state.pending) pending.push(state.pending);
  }
  return pending.sort((a, b) => a.at.localeCompare(b.at));
}
