/**
 * What the server did inside a fan-out's windows (`--window-events true`): the requests each of
 * its services served and the operations it asked of its database, from the dev server's own
 * Prometheus counters, and the history events it wrote, from every history. Where a window's
 * server CPU went, when the campaign's costs more than the bare loop's.
 */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { tsToMs } from '@temporalio/common/lib/time';

/** A set's window: from its first start request to its last deadline's start, as the server recorded it. */
export interface StartWindow {
  label: string;
  from: number;
  to: number;
}

/** Counter lines of the two series read, with their operation and service labels, in any order. */
const COUNTER = /^(service_requests|persistence_requests)\{([^}]*)\} ([0-9.e+]+)$/;
/** The two labels read, compiled once: a read parses some thousands of counter lines every second, in the bench's process. */
const SERVICE = /(?:^|,)service_name="([^"]*)"/;
const OPERATION = /(?:^|,)operation="([^"]*)"/;

/**
 * Reads the server's request and database counters every second until `stop`. A read of the dev
 * server's metrics is about 1.6 MB of text, so the sampling itself costs the server a little CPU:
 * its figures explain a run, they are not the run to quote the ratio from.
 */
export function requestSampler(metricsUrl: string) {
  const samples: { at: number; counts: Map<string, number> }[] = [];
  let running = true;
  const read = async (): Promise<void> => {
    const at = Date.now();
    const text = await (await fetch(metricsUrl)).text();
    const counts = new Map<string, number>();
    for (const line of text.split('\n')) {
      const m = COUNTER.exec(line);
      if (!m) continue;
      const kind = m[1] === 'service_requests' ? 'requests' : 'database';
      const key = `${kind} ${SERVICE.exec(m[2]!)?.[1] ?? '?'} ${OPERATION.exec(m[2]!)?.[1] ?? '?'}`;
      counts.set(key, (counts.get(key) ?? 0) + Number(m[3]));
    }
    samples.push({ at, counts });
  };
  const loop = (async () => {
    while (running) {
      await read().catch(() => undefined); // a missed read widens the window, nothing more
      await new Promise((r) => setTimeout(r, 1000));
    }
  })();
  return {
    stop: async (): Promise<void> => {
      running = false;
      await loop;
    },
    /** The counts from the last read at or before the window's start to the first at or after its end. */
    within(w: StartWindow): string {
      const a = [...samples].reverse().find((s) => s.at <= w.from) ?? samples[0];
      const b = samples.find((s) => s.at >= w.to) ?? samples[samples.length - 1];
      if (!a || !b) return `${w.label}: no reading of the server's metrics`;
      const rows = [...b.counts]
        .map(([key, n]) => [key, n - (a.counts.get(key) ?? 0)] as const)
        .filter(([, n]) => n > 0)
        .sort((x, y) => y[1] - x[1]);
      return `${w.label} (read over ${((b.at - a.at) / 1000).toFixed(1)} s): ${rows.map(([key, n]) => `${key} ${n}`).join(', ')}`;
    },
  };
}

/**
 * The history events the server wrote inside each window, by workflow type and event type, read
 * from every history in the namespace: what a window's starts shared the server with (the
 * deadlines' first workflow tasks, the campaign's and batches' own work).
 */
export async function windowEvents(client: Client, windows: readonly StartWindow[]): Promise<string[]> {
  const ids: string[] = [];
  for await (const w of client.workflow.list()) ids.push(w.workflowId);
  const counts = windows.map(() => new Map<string, number>());
  const { EventType } = temporal.api.enums.v1;
  for (let i = 0; i < ids.length; i += 64) {
    const histories = await Promise.all(ids.slice(i, i + 64).map((id) => client.workflow.getHandle(id).fetchHistory()));
    for (const history of histories) {
      const events = history.events ?? [];
      const type = events[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name ?? '?';
      for (const e of events) {
        const at = tsToMs(e.eventTime);
        windows.forEach((w, k) => {
          if (at < w.from || at > w.to) return;
          const key = `${type} ${(EventType[e.eventType ?? 0] ?? '?').replace('EVENT_TYPE_', '').toLowerCase()}`;
          counts[k]!.set(key, (counts[k]!.get(key) ?? 0) + 1);
        });
      }
    }
  }
  return windows.map((w, k) => {
    const rows = [...counts[k]!].sort((a, b) => b[1] - a[1]);
    const sum = rows.reduce((n, [, c]) => n + c, 0);
    return (
      `${w.label} (${((w.to - w.from) / 1000).toFixed(1)} s): ${sum} events; ` +
      rows.map(([key, n]) => `${key} ${n}`).join(', ')
    );
  });
}
