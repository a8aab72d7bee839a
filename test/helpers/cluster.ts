/**
 * A self-hosted Temporal cluster for the tests and benchmarks: the server built from its Go
 * module (scripts/install-temporal-server.sh) in a process of its own, on a PostgreSQL of the
 * test's (test/helpers/postgres.ts) for both persistence and SQL visibility, with mTLS on its
 * frontend. The certificates are made here with openssl: a CA, the frontend's certificate (for
 * the name CLUSTER_SERVER_NAME and 127.0.0.1), and a client certificate for the service's
 * processes and for the server's own system worker. The namespace is registered and the
 * engine's search attributes added through the operator API, as an operator would.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import YAML from 'yaml';
import { Connection, type TLSConfig } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { msToTs } from '@temporalio/common/lib/time';
import { SEARCH_ATTRIBUTE_KEYS } from '../../domain/engine/search-attributes';
import { TOOLS_BIN } from '../../worker/servers';
import { makeCa, makeLeaf } from './certs';
import { type PgCluster } from './postgres';
import { freePort } from './ports';
import { track, until, type Proc } from './processes';

const run = promisify(execFile);

export const TEMPORAL_SERVER = path.join(TOOLS_BIN, 'temporal-server');
export const TEMPORAL_SQL_TOOL = path.join(TOOLS_BIN, 'temporal-sql-tool');
/** The schemas the install script copies out of the server's module. */
const SCHEMA_DIR = path.resolve(TOOLS_BIN, '..', 'temporal-server-1.29.1', 'schema', 'postgresql', 'v12');
/** The name in the frontend's certificate, which clients check (TEMPORAL_TLS_SERVER_NAME). */
export const CLUSTER_SERVER_NAME = 'temporal-frontend.cluster.test';

export interface ClusterCerts {
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** A client certificate from a CA the server does not trust, for the failure tests. */
  strangerCert: string;
  strangerKey: string;
}

/** A CA, the frontend's certificate and two client certificates (one from our CA, one from another), in `dir`. */
export async function makeCerts(dir: string): Promise<ClusterCerts> {
  mkdirSync(dir, { recursive: true });
  const ca = await makeCa(dir, 'campaign-test-ca');
  const stranger = await makeCa(dir, 'stranger-ca');
  const server = await makeLeaf(dir, ca, CLUSTER_SERVER_NAME, { server: [CLUSTER_SERVER_NAME] });
  const client = await makeLeaf(dir, ca, 'campaign-worker', 'client');
  const strangerClient = await makeLeaf(dir, stranger, 'stranger-worker', 'client');
  return {
    caCert: ca.cert,
    serverCert: server.cert,
    serverKey: server.key,
    clientCert: client.cert,
    clientKey: client.key,
    strangerCert: strangerClient.cert,
    strangerKey: strangerClient.key,
  };
}

export interface TemporalCluster {
  /** The frontend, host:port (mTLS). */
  address: string;
  namespace: string;
  certs: ClusterCerts;
  /** TLS for an SDK connection with the trusted client certificate. */
  tls: TLSConfig;
  /** The TEMPORAL_* variables a worker or the CLI connects with (@temporalio/envconfig's names). */
  env: Record<string, string>;
  /** A client connection (mTLS) to the namespace's frontend. */
  connect(): Promise<Connection>;
  connectNative(): Promise<NativeConnection>;
  /** The server process as it runs now (a restart replaces it). */
  proc(): Proc;
  /** Kills the server (SIGKILL by default) and starts it again on the same ports and databases. */
  restart(signal?: NodeJS.Signals): Promise<void>;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  pg: PgCluster;
  /** A folder of the test's for the certificates, the configuration and the server's log. */
  dir: string;
  namespace?: string;
  /** Prefix of the two databases (`<prefix>` and `<prefix>_visibility`), so that clusters can share a PostgreSQL. */
  database?: string;
}

function need(file: string): string {
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`bash scripts/install-temporal-server.sh\` first`);
  return file;
}

/** temporal-sql-tool on one database of the test's PostgreSQL: created, then the schema at its newest version. */
async function setUpDatabase(pg: PgCluster, database: string, schema: 'temporal' | 'visibility'): Promise<void> {
  const url = new URL(pg.url);
  const common = [
    '--plugin',
    'postgres12',
    '--ep',
    url.hostname,
    '--port',
    url.port,
    '--user',
    decodeURIComponent(url.username),
    '--password',
    decodeURIComponent(url.password),
    '--db',
    database,
  ];
  const tool = need(TEMPORAL_SQL_TOOL);
  try {
    await run(tool, [...common, 'create-database']);
    await run(tool, [...common, 'setup-schema', '-v', '0.0']);
    await run(tool, [...common, 'update-schema', '-d', path.join(SCHEMA_DIR, schema, 'versioned')]);
  } catch (err) {
    const e = err as Error & { stderr?: string; stdout?: string };
    throw new Error(`temporal-sql-tool on ${database}: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

/** The server's configuration (Temporal's config/development.yaml format). */
function serverConfig(opts: {
  pg: PgCluster;
  database: string;
  ports: Record<
    | 'frontend'
    | 'frontendHttp'
    | 'frontendRing'
    | 'history'
    | 'historyRing'
    | 'matching'
    | 'matchingRing'
    | 'worker'
    | 'workerRing',
    number
  >;
  certs: ClusterCerts;
}): string {
  const url = new URL(opts.pg.url);
  const sql = (databaseName: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `${url.hostname}:${url.port}`,
      connectProtocol: 'tcp',
      user: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const service = (grpcPort: number, membershipPort: number, extra: Record<string, number> = {}) => ({
    rpc: { grpcPort, membershipPort, bindOnLocalHost: true, ...extra },
  });
  const { ports, certs } = opts;
  const client = { serverName: CLUSTER_SERVER_NAME, rootCaFiles: [certs.caCert] };
  return YAML.stringify({
    log: { stdout: true, level: 'warn' },
    persistence: {
      defaultStore: 'pg-default',
      visibilityStore: 'pg-visibility',
      numHistoryShards: 4,
      datastores: { 'pg-default': sql(opts.database, 20), 'pg-visibility': sql(`${opts.database}_visibility`, 4) },
    },
    global: {
      membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' },
      tls: {
        // The frontend asks every client for a certificate from our CA; the server's own
        // system worker presents the client certificate too.
        frontend: {
          server: {
            certFile: certs.serverCert,
            keyFile: certs.serverKey,
            clientCaFiles: [certs.caCert],
            requireClientAuth: true,
          },
          client,
        },
        systemWorker: { certFile: certs.clientCert, keyFile: certs.clientKey, client },
      },
    },
    services: {
      frontend: service(ports.frontend, ports.frontendRing, { httpPort: ports.frontendHttp }),
      history: service(ports.history, ports.historyRing),
      matching: service(ports.matching, ports.matchingRing),
      worker: service(ports.worker, ports.workerRing),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: {
        active: {
          enabled: true,
          initialFailoverVersion: 1,
          rpcName: 'frontend',
          rpcAddress: `127.0.0.1:${ports.frontend}`,
        },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    publicClient: { hostPort: `127.0.0.1:${ports.frontend}` },
  });
}

/** Starts a cluster: databases, configuration, server, namespace, search attributes. Resolves once a workflow list query on the attributes answers. */
export async function startCluster(opts: ClusterOptions): Promise<TemporalCluster> {
  need(TEMPORAL_SERVER);
  const namespace = opts.namespace ?? 'campaigns';
  const database = opts.database ?? 'temporal';
  const certs = await makeCerts(path.join(opts.dir, 'certs'));
  await setUpDatabase(opts.pg, database, 'temporal');
  await setUpDatabase(opts.pg, `${database}_visibility`, 'visibility');
  const names = [
    'frontend',
    'frontendHttp',
    'frontendRing',
    'history',
    'historyRing',
    'matching',
    'matchingRing',
    'worker',
    'workerRing',
  ] as const;
  const ports = {} as Record<(typeof names)[number], number>;
  for (const n of names) ports[n] = await freePort(); // below 32768, as the rings need (helpers/ports.ts)
  const configDir = path.join(opts.dir, 'config');
  mkdirSync(configDir, { recursive: true });
  writeFileSync(path.join(configDir, 'development.yaml'), serverConfig({ pg: opts.pg, database, ports, certs }));

  const address = `127.0.0.1:${ports.frontend}`;
  const tls: TLSConfig = {
    serverNameOverride: CLUSTER_SERVER_NAME,
    serverRootCACertificate: readFileSync(certs.caCert),
    clientCertPair: { crt: readFileSync(certs.clientCert), key: readFileSync(certs.clientKey) },
  };
  const connect = (): Promise<Connection> => Connection.connect({ address, tls, connectTimeout: 2000 });

  const launch = async (): Promise<Proc> => {
    const proc = track(
      spawn(TEMPORAL_SERVER, ['--root', configDir, '--config', '.', '--allow-no-auth', 'start'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    await until(
      `Temporal server on ${address}`,
      async () => {
        const c = await connect();
        try {
          await c.workflowService.getSystemInfo({});
          // The frontend answers before history owns its shards: ask something that needs them.
          await c.workflowService.describeNamespace({ namespace: 'temporal-system' });
          return true;
        } finally {
          await c.close();
        }
      },
      proc,
      120_000,
    );
    return proc;
  };
  let server = await launch();

  const connection = await connect();
  try {
    await connection.workflowService.registerNamespace({
      namespace,
      workflowExecutionRetentionPeriod: msToTs('3 days'),
    });
    await until(
      `namespace ${namespace}`,
      async () => (await connection.workflowService.describeNamespace({ namespace }), true),
      server,
    );
    const keyword = temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(SEARCH_ATTRIBUTE_KEYS.map((k) => [k.name, keyword])),
    });
    // Each frontend learns of the new namespace and attributes on its own cache refresh: wait
    // until a list query naming every attribute is accepted.
    const query = SEARCH_ATTRIBUTE_KEYS.map((k) => `${k.name} = 'x'`).join(' AND ');
    await until(
      'the search attributes',
      async () => (await connection.workflowService.countWorkflowExecutions({ namespace, query }), true),
      server,
    );
  } finally {
    await connection.close();
  }

  return {
    address,
    namespace,
    certs,
    tls,
    env: {
      TEMPORAL_ADDRESS: address,
      TEMPORAL_NAMESPACE: namespace,
      TEMPORAL_TLS: 'true',
      TEMPORAL_TLS_CLIENT_CERT_PATH: certs.clientCert,
      TEMPORAL_TLS_CLIENT_KEY_PATH: certs.clientKey,
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.caCert,
      TEMPORAL_TLS_SERVER_NAME: CLUSTER_SERVER_NAME,
    },
    connect,
    connectNative: () => NativeConnection.connect({ address, tls }),
    proc: () => server,
    async restart(signal = 'SIGKILL') {
      await server.kill(signal);
      server = await launch();
    },
    async stop() {
      await server.kill('SIGTERM');
    },
  };
}
