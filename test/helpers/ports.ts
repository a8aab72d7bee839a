/**
 * Free loopback ports for the servers the tests and the benchmarks start (Temporal, web, SMTP,
 * PostgreSQL, probes).
 *
 * They are chosen below the system's ephemeral range (ip_local_port_range, 32768–60999 by
 * default), not by asking the kernel for port 0: a port the kernel hands out is one it will hand
 * out again, and the Temporal dev server binds several internal ports of its own from that range
 * after the test has chosen its ports. One of them once took the web service's port, which then
 * failed with EADDRINUSE while the test's requests reached a gRPC server. Below the range, only
 * another explicit choice can collide, and the port is checked free when chosen.
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';

/** The lowest port of the kernel's ephemeral range. */
function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    if (Number.isInteger(low) && low > 12_000) return low;
  } catch {
    // not Linux: the IANA dynamic range starts at 49152, and Linux's default at 32768
  }
  return 32_768;
}

const LOW = ephemeralLow();
/** Ports from here up to the ephemeral range: above the well-known services that run on 1024–10000. */
const FIRST = LOW - 12_000;

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** Ports this process has handed out, so that two calls never return the same one. */
const given = new Set<number>();

/**
 * A port below the ephemeral range that is free now. It is below 32768 too (with Linux's default
 * range), which the self-hosted server's membership ring needs: it stores the port in a smallint.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = FIRST + Math.floor(Math.random() * (LOW - FIRST));
    if (given.has(port)) continue;
    if (await isFree(port)) {
      given.add(port);
      return port;
    }
  }
}
