/** The ledger: open it by URL (SQLite file by default, PostgreSQL for larger deployments). */
import type { LedgerStore } from './types';
import { openSqlLedger } from './store';
import type { LedgerPoolOptions } from './pool';

/** `pool`: a PostgreSQL ledger's connection pool (ledger/pool.ts has the defaults). */
export async function openLedger(url: string, pool?: LedgerPoolOptions): Promise<LedgerStore> {
  return openSqlLedger(url, pool);
}

export { LedgerConnectionError, maskUrl } from './url';
export { LEDGER_POOL_DEFAULTS, LedgerBusyError, type LedgerPoolOptions } from './pool';
export type { LedgerStore, LedgerEvent, LedgerUnit, EventFilter, OrgStore } from './types';
