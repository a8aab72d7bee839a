// A separate writer process for the concurrency test: records the events it is sent, one by one.
import { openLedger } from '../../ledger';
import type { LedgerEvent } from '../../ledger/types';

process.once('message', (events: LedgerEvent[]) => {
  void (async () => {
    const ledger = await openLedger(process.argv[2]!);
    for (const e of events) await ledger.record(e);
    await ledger.close();
    process.exit(0);
  })().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
});
