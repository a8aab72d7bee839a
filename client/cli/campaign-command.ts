/**
 * What the commands that drive a running campaign share: the server options, the connection
 * to the Temporal server named by TEMPORAL_ADDRESS, printing as text or JSON, and the reading
 * of a local date-time in the campaign's zone.
 */
import type { Command } from 'commander';
import { DateTime } from 'luxon';
import { processConfig } from '../../config';
import { formatInstant } from '../../domain/format';
import { CampaignClient, connectClient } from '../campaigns';
import type { DeadlineStatus } from '../../workflows/messages';

export interface CommonOptions {
  address?: string;
  json?: boolean;
}

/** Adds the options every campaign command takes. */
export function withCommon(c: Command): Command {
  return c
    .option('--address <host:port>', 'Temporal server (default: TEMPORAL_ADDRESS or 127.0.0.1:7233)')
    .option('--json', 'machine-readable output');
}

/** The arguments that name one deadline: campaign, obligation, cycle, unit. */
export function deadlineArgs(c: Command): Command {
  return c.argument('<campaign>').argument('<obligation>').argument('<cycle>').argument('<unit>');
}

export async function campaignClient(opts: CommonOptions): Promise<CampaignClient> {
  const config = processConfig();
  return new CampaignClient(await connectClient(opts.address ?? config.TEMPORAL_ADDRESS, config.TEMPORAL_NAMESPACE));
}

export function print(opts: CommonOptions, value: unknown, text: () => string): void {
  console.log(opts.json ? JSON.stringify(value, null, 2) : text());
}

/** A local date-time in the campaign's zone (or an ISO instant with offset) to a UTC instant. */
export function instant(value: string, zone: string): string {
  const dt = DateTime.fromISO(value, { zone });
  if (!dt.isValid) throw new Error(`not a date-time: "${value}" (expected e.g. 2010-08-15T17:00)`);
  return dt.toUTC().toISO();
}

export function deadlineLine(d: DeadlineStatus, zone: string): string {
  return [
    d.state.padEnd(7),
    d.unitId.padEnd(12),
    `${d.obligationKey} ${d.cycleKey}`.padEnd(36),
    `due ${formatInstant(d.dueAt, zone, 'zh')}`,
    d.nextStep ? `next ${d.nextStep.step} ${formatInstant(d.nextStep.at, zone, 'zh')}` : '',
  ].join('  ');
}
