/** The ledger: open it by URL (SQLite file by default, PostgreSQL for larger deployments). */
import type { LedgerStore } from './types';
import { openSqlLedger } from './store';

export async function openLedger(url: string): Promise<LedgerStore> {
  return openSqlLedger(url);
}

export { LedgerConnectionError, maskUrl } from './url';
export type { LedgerStore, LedgerEvent, LedgerUnit, EventFilter, OrgStore } from './types';
