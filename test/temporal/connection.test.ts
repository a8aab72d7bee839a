/**
 * The one Temporal connection module (config/temporal-connection.ts) against real servers: a
 * temporal.toml profile, an API key and client certificates as they arrive at a gRPC endpoint
 * (Node's HTTP/2 server with TLS, certificates made by openssl), bad certificates, an unreachable
 * address and an unknown namespace on the dev server, each one line that says what to check.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import {
  connectTemporalClient,
  connectTemporalWorker,
  describeTemporal,
  loadTemporalSettings,
  securityOf,
  withAddress,
  type TemporalConnectionError,
} from '../../config/temporal-connection';
import { parseConfig } from '../../config';
import { describeError } from '../../web/errors';
import { makeCa, makeLeaf, type CertFiles } from '../helpers/certs';
import { startGrpcListener, type GrpcListener } from '../helpers/grpc-listener';
import { freePort } from '../helpers/ports';
import { runCli, startDevServer, type Proc } from '../helpers/processes';

const ROOT = path.resolve(__dirname, '..', '..');
const API_KEY = 'key-7f3a9c51d2e84b06a1c4';
const SYSTEM_INFO = '/temporal.api.workflowservice.v1.WorkflowService/GetSystemInfo';
const DESCRIBE_NAMESPACE = '/temporal.api.workflowservice.v1.WorkflowService/DescribeNamespace';

/** The error a connection attempt ends in (the test fails if it connects). */
async function failure(attempt: Promise<unknown>): Promise<TemporalConnectionError> {
  const r = await attempt.then(
    (v) => ({ ok: true as const, v }),
    (e: unknown) => ({ ok: false as const, e }),
  );
  if (r.ok) throw new Error('connected, but a failure was expected');
  return r.e as TemporalConnectionError;
}

/** Both kinds of connection (the CLI's and web's grpc-js client, the worker's native one) fail alike. */
async function bothFail(env: Record<string, string>): Promise<TemporalConnectionError[]> {
  const s = loadTemporalSettings(env);
  return [await failure(connectTemporalClient(s, '3s')), await failure(connectTemporalWorker(s))];
}

/** One line, Chinese first, the English after it; no stack trace, no secret. */
function expectOneLine(e: TemporalConnectionError, code: string, zh: RegExp): void {
  expect(e.name).toBe('TemporalConnectionError');
  expect(e.code).toBe(code);
  expect(e.zh).toMatch(zh);
  expect(e.message.startsWith(e.zh)).toBe(true);
  expect(e.message).toContain(e.en);
  expect(e.message).not.toMatch(/\n|\.[jt]s:\d|tonic|grpc-js|Failed to connect before the deadline/);
  expect(e.message).not.toContain(API_KEY);
}

describe('Temporal connection settings and failures', () => {
  let dir: string;
  let ca: CertFiles;
  let otherCa: CertFiles;
  let serverCert: CertFiles;
  let clientCert: CertFiles;
  let strangerCert: CertFiles;
  let tlsServer: GrpcListener;
  let mtlsServer: GrpcListener;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'temporal-conn-'));
    ca = await makeCa(dir, 'campus-ca');
    otherCa = await makeCa(dir, 'other-ca');
    serverCert = await makeLeaf(dir, ca, 'temporal.campus.test', { server: ['temporal.campus.test'] });
    clientCert = await makeLeaf(dir, ca, 'campaign-worker', 'client');
    strangerCert = await makeLeaf(dir, otherCa, 'stranger', 'client');
    tlsServer = await startGrpcListener({ cert: serverCert.cert, key: serverCert.key });
    mtlsServer = await startGrpcListener({ cert: serverCert.cert, key: serverCert.key, clientCa: ca.cert });
  });
  afterAll(async () => {
    await tlsServer?.close();
    await mtlsServer?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const tlsEnv = (port: number): Record<string, string> => ({
    TEMPORAL_ADDRESS: `127.0.0.1:${port}`,
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: ca.cert,
    TEMPORAL_TLS_SERVER_NAME: 'temporal.campus.test',
  });

  it('reads a profile from temporal.toml chosen by TEMPORAL_PROFILE, variables over the profile', async () => {
    const file = path.join(dir, 'temporal.toml');
    await writeFile(
      file,
      [
        '[profile.default]',
        'address = "127.0.0.1:1"',
        '',
        '[profile.campus]',
        `address = "127.0.0.1:${tlsServer.port}"`,
        'namespace = "campaigns"',
        `api_key = "${API_KEY}"`,
        '[profile.campus.tls]',
        `server_ca_cert_path = "${ca.cert}"`,
        'server_name = "temporal.campus.test"',
      ].join('\n'),
    );
    const base = { TEMPORAL_CONFIG_FILE: file };
    expect(loadTemporalSettings(base)).toMatchObject({ address: '127.0.0.1:1', namespace: 'default' });
    const campus = loadTemporalSettings({ ...base, TEMPORAL_PROFILE: 'campus' });
    expect(campus).toMatchObject({ address: `127.0.0.1:${tlsServer.port}`, namespace: 'campaigns', profile: 'campus' });
    expect(securityOf(campus)).toBe('tls');
    // The start-up line names the profile and says a key is used, never the key.
    expect(describeTemporal(campus)).toBe(
      `127.0.0.1:${tlsServer.port} (namespace campaigns, tls, API key, profile campus)`,
    );
    expect(loadTemporalSettings({ ...base, TEMPORAL_PROFILE: 'campus', TEMPORAL_NAMESPACE: 'other' }).namespace).toBe(
      'other',
    );
    // The service's configuration takes its Temporal settings from the same place.
    expect(parseConfig({ ...base, TEMPORAL_PROFILE: 'campus' }).temporal).toEqual(campus);

    const before = tlsServer.calls.length;
    const client = await connectTemporalClient(campus);
    expect(client.options.namespace).toBe('campaigns');
    await client.connection.close();
    const calls = tlsServer.calls.slice(before);
    expect(calls.map((c) => c.path)).toEqual([SYSTEM_INFO, DESCRIBE_NAMESPACE]);
    for (const c of calls) expect(c.headers.authorization).toBe(`Bearer ${API_KEY}`);
  });

  it('sends TEMPORAL_API_KEY as a bearer header over TLS, from the client and from the worker', async () => {
    const settings = loadTemporalSettings({ ...tlsEnv(tlsServer.port), TEMPORAL_API_KEY: API_KEY });
    const before = tlsServer.calls.length;
    const client = await connectTemporalClient(settings);
    await client.connection.close();
    const worker = await connectTemporalWorker(settings);
    await worker.close();
    const calls = tlsServer.calls.slice(before);
    expect(calls.filter((c) => c.path === DESCRIBE_NAMESPACE)).toHaveLength(2);
    for (const c of calls) expect(c.headers.authorization).toBe(`Bearer ${API_KEY}`);
  });

  it('says when the server refuses the API key', async () => {
    const strict = await startGrpcListener({ cert: serverCert.cert, key: serverCert.key }, { bearer: API_KEY });
    try {
      const good = await connectTemporalClient(
        loadTemporalSettings({ ...tlsEnv(strict.port), TEMPORAL_API_KEY: API_KEY }),
      );
      await good.connection.close();
      for (const e of await bothFail({ ...tlsEnv(strict.port), TEMPORAL_API_KEY: `${API_KEY}-revoked` }))
        expectOneLine(e, 'AUTH_FAILED', /拒绝了本服务的凭据：请检查 TEMPORAL_API_KEY/);
    } finally {
      await strict.close();
    }
  });

  it('presents the client certificate to a server that demands one (mTLS)', async () => {
    const settings = loadTemporalSettings({
      ...tlsEnv(mtlsServer.port),
      TEMPORAL_TLS_CLIENT_CERT_PATH: clientCert.cert,
      TEMPORAL_TLS_CLIENT_KEY_PATH: clientCert.key,
    });
    expect(securityOf(settings)).toBe('mtls');
    const before = mtlsServer.calls.length;
    const client = await connectTemporalClient(settings);
    await client.connection.close();
    const worker = await connectTemporalWorker(settings);
    await worker.close();
    const calls = mtlsServer.calls.slice(before);
    expect(calls.length).toBeGreaterThanOrEqual(4);
    for (const c of calls) expect(c.clientCn).toBe('campaign-worker');
  });

  it('says which certificate is wrong, in one line', async () => {
    const mtls = {
      ...tlsEnv(mtlsServer.port),
      TEMPORAL_TLS_CLIENT_CERT_PATH: clientCert.cert,
      TEMPORAL_TLS_CLIENT_KEY_PATH: clientCert.key,
    };
    for (const e of await bothFail({ ...mtls, TEMPORAL_TLS_SERVER_CA_CERT_PATH: otherCa.cert }))
      expectOneLine(e, 'TLS_FAILED', /TLS 连接失败：服务器证书不受信任.*TEMPORAL_TLS_SERVER_CA_CERT_PATH/);
    for (const e of await bothFail({ ...mtls, TEMPORAL_TLS_SERVER_NAME: 'temporal.elsewhere.test' }))
      expectOneLine(e, 'TLS_FAILED', /服务器证书与服务器名不符.*TEMPORAL_TLS_SERVER_NAME/);
    for (const e of await bothFail({
      ...mtls,
      TEMPORAL_TLS_CLIENT_CERT_PATH: strangerCert.cert,
      TEMPORAL_TLS_CLIENT_KEY_PATH: strangerCert.key,
    }))
      expectOneLine(e, 'TLS_FAILED', /服务器拒绝了客户端证书/);
    for (const e of await bothFail(tlsEnv(mtlsServer.port)))
      expectOneLine(e, 'TLS_FAILED', /服务器要求客户端证书（mTLS）.*TEMPORAL_TLS_CLIENT_CERT_PATH/);
  });

  it('prints a bad certificate as one line from the command line, in the language of the run', async () => {
    const env = {
      ...tlsEnv(tlsServer.port),
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: otherCa.cert,
      TEMPORAL_API_KEY: API_KEY,
    };
    const zh = await runCli(['status', 'mini'], { ...env, LANG: 'C.UTF-8', LC_ALL: '' });
    expect(zh.code).toBe(1);
    expect(zh.stderr).toBe(
      `error [TLS_FAILED]: 与 Temporal 服务器 127.0.0.1:${tlsServer.port} 的 TLS 连接失败：服务器证书不受信任，请检查 CA 证书（TEMPORAL_TLS_SERVER_CA_CERT_PATH）\n`,
    );
    const en = await runCli(['status', 'mini'], { ...env, LANG: 'en_GB.UTF-8', LC_ALL: '' });
    expect(en.stderr).toBe(
      `error [TLS_FAILED]: TLS with the Temporal server at 127.0.0.1:${tlsServer.port} failed: the server certificate is not trusted: check the CA certificate (TEMPORAL_TLS_SERVER_CA_CERT_PATH)\n`,
    );
  });

  it('says an address where nothing listens is unreachable', async () => {
    const port = await freePort();
    for (const e of await bothFail({ TEMPORAL_ADDRESS: `127.0.0.1:${port}` }))
      expectOneLine(e, 'SERVER_UNREACHABLE', new RegExp(`^无法连接 Temporal 服务器 127\\.0\\.0\\.1:${port}：`));
    // The CLI's --address keeps the rest of the settings and is the one reported.
    const s = withAddress(loadTemporalSettings({ TEMPORAL_API_KEY: API_KEY }), `127.0.0.1:${port}`);
    expect(s.address).toBe(`127.0.0.1:${port}`);
    expectOneLine(await failure(connectTemporalClient(s, '2s')), 'SERVER_UNREACHABLE', /^无法连接/);
  });

  it('refuses a profile, a file or a certificate file that is not there, naming it', async () => {
    const file = path.join(dir, 'campus.toml');
    await writeFile(file, '[profile.default]\naddress = "127.0.0.1:7233"\n');
    const missingProfile = (() => {
      try {
        loadTemporalSettings({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'cloud' });
      } catch (e) {
        return e as TemporalConnectionError;
      }
      throw new Error('no error');
    })();
    expectOneLine(missingProfile, 'TEMPORAL_CONFIG_INVALID', /TEMPORAL_PROFILE：.*campus\.toml 中没有配置档 "cloud"/);
    expect(() => loadTemporalSettings({ TEMPORAL_CONFIG_FILE: path.join(dir, 'nope.toml') })).toThrow(
      /TEMPORAL_CONFIG_FILE 指向的文件 .*nope\.toml 不存在/,
    );
    // A syntax error: one line that says where, and not the lines around it (a key may be there).
    await writeFile(path.join(dir, 'broken.toml'), `[profile.default]\naddress = "127.0.0.1\napi_key = "${API_KEY}"\n`);
    try {
      loadTemporalSettings({ TEMPORAL_CONFIG_FILE: path.join(dir, 'broken.toml') });
      throw new Error('no error');
    } catch (e) {
      expectOneLine(
        e as TemporalConnectionError,
        'TEMPORAL_CONFIG_INVALID',
        /broken\.toml 有误：.*\(line 2, column \d+\)$/,
      );
    }
    await writeFile(path.join(dir, 'typo.toml'), '[profile.default]\nadress = "127.0.0.1:7233"\n');
    expect(() => loadTemporalSettings({ TEMPORAL_CONFIG_FILE: path.join(dir, 'typo.toml') })).toThrow(/adress/);
    expect(() => loadTemporalSettings({ TEMPORAL_TLS_CLIENT_CERT_PATH: clientCert.cert })).toThrow(
      /同时提供客户端证书和私钥/,
    );
    const noFile = loadTemporalSettings({
      ...tlsEnv(mtlsServer.port),
      TEMPORAL_TLS_CLIENT_CERT_PATH: path.join(dir, 'gone.crt'),
      TEMPORAL_TLS_CLIENT_KEY_PATH: clientCert.key,
    });
    expectOneLine(
      await failure(connectTemporalClient(noFile)),
      'TEMPORAL_CONFIG_INVALID',
      /无法读取 TLS 证书或私钥文件 .*gone\.crt：ENOENT/,
    );
  });

  it('stops the web service with that line alone, and answers a request it cannot serve with 503', async () => {
    const port = await freePort();
    const out = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'web', 'main.ts')], {
        cwd: ROOT,
        env: {
          ...process.env,
          TEMPORAL_ADDRESS: `127.0.0.1:${port}`,
          TEMPORAL_API_KEY: API_KEY,
          TEMPORAL_TLS: 'false',
          LINK_SECRET: 'Nm4-web-link-key-for-this-test-0123456789',
          LEDGER_URL: `sqlite:${path.join(dir, 'web-ledger.sqlite')}`,
          MAIL_URL: `outbox:${path.join(dir, 'web-outbox')}`,
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.once('exit', (code) => resolve({ code, stderr }));
    });
    expect(out.code).toBe(1);
    expect(out.stderr).toBe(
      `无法连接 Temporal 服务器 127.0.0.1:${port}：请检查 TEMPORAL_ADDRESS 以及服务器是否在运行（cannot reach the Temporal server at 127.0.0.1:${port}: check TEMPORAL_ADDRESS and that the server runs）\n`,
    );
    const e = await failure(
      connectTemporalClient(loadTemporalSettings({ TEMPORAL_ADDRESS: `127.0.0.1:${port}` }), '1s'),
    );
    expect(describeError(e)).toMatchObject({ status: 503, title: '服务暂时不可用' });
  });

  describe('on the dev server', () => {
    let server: Proc;
    let address: string;
    beforeAll(async () => {
      const port = await freePort();
      address = `127.0.0.1:${port}`;
      server = await startDevServer({ dbFile: path.join(dir, 'temporal.sqlite'), port });
    });
    afterAll(async () => {
      await server?.kill('SIGTERM');
    });

    it('connects to a namespace that exists and refuses one that does not', async () => {
      const client = await connectTemporalClient(loadTemporalSettings({ TEMPORAL_ADDRESS: address }));
      expect(client.options.namespace).toBe('default');
      await client.connection.close();
      for (const e of await bothFail({ TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: 'no-such-campus' }))
        expectOneLine(
          e,
          'NAMESPACE_NOT_FOUND',
          new RegExp(`^Temporal 服务器 ${address.replace(/\./g, '\\.')} 上没有命名空间 "no-such-campus"`),
        );
    });

    it('stops the worker process on an unknown namespace with that line alone', async () => {
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'worker', 'main.ts')], {
        cwd: ROOT,
        env: {
          ...process.env,
          TEMPORAL_ADDRESS: address,
          TEMPORAL_NAMESPACE: 'no-such-campus',
          LEDGER_URL: `sqlite:${path.join(dir, 'ledger.sqlite')}`,
          MAIL_URL: `outbox:${path.join(dir, 'outbox')}`,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect(code).toBe(1);
      expect(stderr.trim().split('\n')).toEqual([
        `Temporal 服务器 ${address} 上没有命名空间 "no-such-campus"：请先创建它，或检查 TEMPORAL_NAMESPACE（the Temporal server at ${address} has no namespace "no-such-campus": create it, or check TEMPORAL_NAMESPACE）`,
      ]);
    });
  });
});
