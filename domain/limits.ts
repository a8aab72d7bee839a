/**
 * How large the files people hand in may be, and how large a campaign's input may grow. A 50 MB
 * plan took 4.3 GB and 72 s of `preview` before Node ran out of memory; a 50 MB organisation
 * reached Temporal only to be refused with "Failed to start Workflow". Both are refused at once,
 * before anything is parsed, with a message that says the limit and what to do.
 */
import type { Plan } from './plan-schema';
import type { Org } from './org-schema';

export type FileKind = 'plan' | 'organisation' | 'behaviour';

/**
 * The shipped plans are under 20 KB and a 1,000-branch organisation about 300 KB; a plan of a
 * megabyte is not a plan. An organisation may be larger than the campaign input allows (it can
 * still be previewed), so its limit sits well above the 7,000 branches a campaign can carry.
 */
export const MAX_FILE_BYTES: Record<FileKind, number> = {
  plan: 1_000_000,
  organisation: 8_000_000,
  behaviour: 1_000_000,
};

/** Temporal refuses a payload over 2 MiB (the server's `limit.blobSize.error`). */
export const TEMPORAL_PAYLOAD_LIMIT_BYTES = 2 * 1024 * 1024;
/**
 * The campaign's input may use this much of it: each run hands its state (phase changes, cycles
 * opened, batch reports) on to the next beside the plan and the organisation.
 */
export const CAMPAIGN_INPUT_BUDGET_BYTES = 1_900_000;

export const megabytes = (bytes: number): string => `${(bytes / 1_000_000).toFixed(1)} MB`;

/** Why a file of `bytes` is refused, or undefined when its size is fine. */
export function fileSizeProblem(kind: FileKind, bytes: number): string | undefined {
  const max = MAX_FILE_BYTES[kind];
  if (bytes <= max) return undefined;
  const article = /^[aeiou]/.test(kind) ? 'an' : 'a';
  return `the file is ${megabytes(bytes)}; ${article} ${kind} file may be at most ${megabytes(max)}, so it is refused unread`;
}

/** UTF-8 bytes of a string (without Node's Buffer: domain/ runs inside workflows too). */
export function utf8Bytes(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4; // a surrogate pair: one character of four bytes
      i += 1;
    } else n += 3;
  }
  return n;
}

/** Thrown when a campaign's input would not fit in a Temporal payload. */
export class CampaignTooLargeError extends Error {
  override readonly name = 'CampaignTooLargeError';
  readonly code = 'CAMPAIGN_TOO_LARGE';
  constructor(
    readonly bytes: number,
    readonly branches: number,
  ) {
    super(
      `the campaign's input (plan and organisation, ${branches} branches) is ${megabytes(bytes)}, over the ` +
        `${megabytes(CAMPAIGN_INPUT_BUDGET_BYTES)} a campaign may carry within Temporal's payload limit ` +
        `(${TEMPORAL_PAYLOAD_LIMIT_BYTES / 1024 / 1024} MiB): about 7,000 branches fit. Split the organisation into ` +
        'campaigns of fewer committees (one plan id each), or leave out members the plan does not ask anything of',
    );
  }
}

/** Refuses a plan and an organisation that would make a campaign input Temporal cannot take. */
export function checkCampaignInputSize(plan: Plan, org: Org, extra: unknown = {}): void {
  const bytes = utf8Bytes(JSON.stringify({ plan, org, extra }));
  if (bytes > CAMPAIGN_INPUT_BUDGET_BYTES) {
    const branches = Object.values(org.units).filter((u) => u.level === 'branch').length;
    throw new CampaignTooLargeError(bytes, branches);
  }
}
