/**
 * Waits until the web service answers /healthz on the address it listens on (WEB_HOST and its
 * port, web/config.ts), for at most WAIT_SECONDS (default 60). scripts/start.sh runs it before it
 * says the service is running: a web service that could not listen (its port taken) used to
 * leave the script announcing a sign-in page nobody served. With `--pid N` it stops waiting as
 * soon as process N (the web service) has ended. Exits 1 if the web service did not answer.
 */
import { listenPort, parseWebConfig } from '../web/config';

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it runs, as someone else
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether /healthz answers as the web service does (and not some other server on the port), within
 * two seconds. The timer is a timer of ours, not `AbortSignal.timeout`'s: that one does not keep
 * Node running, and a fetch to a port whose holder drops every connection was seen never to settle,
 * so that the script ended with nothing left to wait for, and exit code 0.
 */
async function answers(url: string): Promise<boolean> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), 2_000);
  try {
    const res = await fetch(url, { signal: abort.signal });
    return res.ok && ((await res.json()) as { ok?: unknown }).ok === true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

async function main(): Promise<void> {
  // A failure unless it is seen to answer: however this script ends otherwise, start.sh stops.
  process.exitCode = 1;
  const config = parseWebConfig(process.env);
  const pidAt = process.argv.indexOf('--pid');
  const pid = pidAt === -1 ? undefined : Number(process.argv[pidAt + 1]);
  const host = ['0.0.0.0', '::', ''].includes(config.WEB_HOST) ? '127.0.0.1' : config.WEB_HOST;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${listenPort(config)}/healthz`;
  const waitMs = Number(process.env.WAIT_SECONDS ?? 60) * 1000;
  const until = Date.now() + waitMs;
  while (!(await answers(url))) {
    if (pid !== undefined && !running(pid)) {
      console.error(`wait-for-web: the web service ended before it answered ${url}`);
      return;
    }
    if (Date.now() > until) {
      console.error(`wait-for-web: the web service did not answer ${url} within ${waitMs / 1000} s`);
      return;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  process.exitCode = 0;
}

main().catch((err: unknown) => {
  console.error(`wait-for-web: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
