/**
 * A private, throwaway PostgreSQL cluster for a test file: initdb into a temporary folder,
 * pg_ctl start on a free loopback port, one database, stopped and removed at the end. Uses
 * Debian's packages (scripts/install-postgres.sh); as root, the server runs as `postgres`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, chmodSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './ports';

export interface PgCluster {
  url: string;
  /** A URL to the same server with a wrong password, for error tests. */
  port: number;
  stop(): void;
}

function pgBin(name: string): string {
  const base = '/usr/lib/postgresql';
  const versions = readdirSync(base).sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0) throw new Error('PostgreSQL is not installed: run bash scripts/install-postgres.sh');
  return path.join(base, versions[0]!, 'bin', name);
}

export async function startPostgres(): Promise<PgCluster> {
  const root = process.getuid?.() === 0;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ledger-pg-'));
  chmodSync(dir, 0o777);
  const data = path.join(dir, 'data');
  const run = (cmd: string, args: string[]): void => {
    if (root) execFileSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { stdio: 'pipe' });
    else execFileSync(cmd, args, { stdio: 'pipe' });
  };
  const port = await freePort();
  const password = 'ledger-test-pw';
  const pwfile = path.join(dir, 'pw');
  execFileSync('bash', ['-c', `printf %s '${password}' > '${pwfile}' && chmod 644 '${pwfile}'`]);
  run(pgBin('initdb'), [
    '-D',
    data,
    '-U',
    'ledger',
    '--pwfile',
    pwfile,
    '-A',
    'scram-sha-256',
    '-E',
    'UTF8',
    '--no-sync',
  ]);
  run(pgBin('pg_ctl'), [
    '-D',
    data,
    '-w',
    '-l',
    path.join(dir, 'log'),
    '-o',
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`,
    'start',
  ]);
  const url = `postgres://ledger:${password}@127.0.0.1:${port}/postgres`;
  return {
    url,
    port,
    stop() {
      try {
        run(pgBin('pg_ctl'), ['-D', data, '-w', '-m', 'fast', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** A fresh, empty database on the cluster; returns its URL. */
export async function createDatabase(cluster: PgCluster, name: string): Promise<string> {
  const { Client } = await import('pg');
  const client = new Client({ connectionString: cluster.url });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  return cluster.url.replace(/\/postgres$/, `/${name}`);
}

/**
 * The two databases a ledger test runs on, for `describe.each`: registers the hooks that start
 * PostgreSQL and a scratch directory for SQLite's files, and names a new empty ledger of each
 * per call (`prefix` tells a test's databases apart).
 */
export function ledgerBackends(prefix: string): [string, () => Promise<string>][] {
  let cluster: PgCluster | undefined;
  let tmp = '';
  beforeAll(async () => {
    cluster = await startPostgres();
    tmp = mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  });
  afterAll(() => {
    cluster?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });
  let n = 0;
  return [
    ['SQLite', () => Promise.resolve(`sqlite:${path.join(tmp, `${prefix}-${++n}.sqlite`)}`)],
    ['PostgreSQL', () => createDatabase(cluster!, `${prefix.replace(/\W/g, '_')}_${++n}`)],
  ];
}
