/**
 * The one place the worker, the command line and the HTTP service get their Temporal connection
 * from: Temporal's own environment configuration (`@temporalio/envconfig`), so that the same
 * variables and `temporal.toml` profiles that the `temporal` CLI reads work here too.
 *
 * - `TEMPORAL_ADDRESS`, `TEMPORAL_NAMESPACE`, `TEMPORAL_API_KEY`;
 * - `TEMPORAL_TLS_CLIENT_CERT_PATH` / `_KEY_PATH`, `TEMPORAL_TLS_SERVER_CA_CERT_PATH`,
 *   `TEMPORAL_TLS_SERVER_NAME`, `TEMPORAL_TLS` (`true`/`false`), the `_DATA` forms of the files;
 * - `TEMPORAL_CONFIG_FILE` (else `~/.config/temporalio/temporal.toml`) and `TEMPORAL_PROFILE`
 *   (else the profile `default`); a variable overrides its profile's field.
 *
 * Every failure to connect becomes a `TemporalConnectionError`: one line, Chinese first, that says
 * what is wrong and what to check, with no stack trace and no secret.
 */
import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import { checkServerIdentity, connect as tlsConnect } from 'node:tls';
import {
  loadClientConfigProfile,
  toClientOptions,
  type ClientConfigProfile,
  type ClientConfigTLS,
} from '@temporalio/envconfig';
import { Client, Connection, type ConnectionOptions } from '@temporalio/client';
import type { Duration } from '@temporalio/common';
// Types only: the worker's native bridge is loaded by the worker alone (connectTemporalWorker).
import type { NativeConnection, NativeConnectionOptions } from '@temporalio/worker';

export const DEFAULT_TEMPORAL_ADDRESS = '127.0.0.1:7233';
export const DEFAULT_TEMPORAL_NAMESPACE = 'default';
const DEFAULT_CONNECT_TIMEOUT: Duration = '5s';

/** Where and how to reach Temporal; certificate files are named here and read when connecting. */
export interface TemporalSettings {
  address: string;
  namespace: string;
  /** The `temporal.toml` profile asked for by TEMPORAL_PROFILE, if any. */
  profile?: string;
  /** The profile as envconfig resolved it (file, then variables), API key and TLS included. */
  resolved: ClientConfigProfile;
}

export type TemporalConnectionErrorCode =
  'TEMPORAL_CONFIG_INVALID' | 'SERVER_UNREACHABLE' | 'TLS_FAILED' | 'AUTH_FAILED' | 'NAMESPACE_NOT_FOUND';

/**
 * Thrown when the Temporal settings cannot be read or the server cannot be used with them.
 * `zh` and `en` say the same thing; `message` is both on one line, Chinese first.
 */
export class TemporalConnectionError extends Error {
  override readonly name = 'TemporalConnectionError';
  constructor(
    readonly code: TemporalConnectionErrorCode,
    readonly zh: string,
    readonly en: string,
  ) {
    super(`${zh}（${en}）`);
  }
}

type Env = Record<string, string | undefined>;

/** The Temporal settings of `env`: its variables over its profile. Reads the TOML file, not the certificates. */
export function loadTemporalSettings(env: Env = process.env): TemporalSettings {
  const vars = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
  const file = vars.TEMPORAL_CONFIG_FILE;
  // envconfig takes a missing file for "no file"; one the operator named must exist.
  if (file !== undefined && !existsSync(file)) {
    throw configError(
      `TEMPORAL_CONFIG_FILE 指向的文件 ${file} 不存在`,
      `TEMPORAL_CONFIG_FILE names ${file}, which does not exist`,
    );
  }
  let resolved: ClientConfigProfile;
  try {
    resolved = loadClientConfigProfile({ overrideEnvVars: vars, configFileStrict: true });
  } catch (err) {
    // A TOML syntax error quotes the lines around the fault, an API key among them: keep its first
    // line and say where it is.
    const e = err as Error & { line?: number; column?: number };
    const at = typeof e.line === 'number' ? ` (line ${e.line}, column ${e.column ?? 0})` : '';
    const msg = `${e.message.split('\n')[0]!.trim()}${at}`;
    const where = file ?? '~/.config/temporalio/temporal.toml';
    const missing = /Profile '(.*)' not found/.exec(msg);
    if (missing) {
      throw configError(
        `TEMPORAL_PROFILE：${where} 中没有配置档 "${missing[1]}"`,
        `TEMPORAL_PROFILE: no profile "${missing[1]}" in ${where}`,
      );
    }
    throw configError(
      `Temporal 配置文件 ${where} 有误：${msg}`,
      `the Temporal config file ${where} is invalid: ${msg}`,
    );
  }
  const tls = resolved.tls;
  if (tls !== undefined && (tls.clientCert === undefined) !== (tls.clientKey === undefined)) {
    throw configError(
      'mTLS 需要同时提供客户端证书和私钥（TEMPORAL_TLS_CLIENT_CERT_PATH 与 TEMPORAL_TLS_CLIENT_KEY_PATH）',
      'mTLS needs both the client certificate and its key (TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH)',
    );
  }
  return {
    address: resolved.address ?? DEFAULT_TEMPORAL_ADDRESS,
    namespace: resolved.namespace ?? DEFAULT_TEMPORAL_NAMESPACE,
    profile: vars.TEMPORAL_PROFILE,
    resolved,
  };
}

/** Settings for a plain local server by its address alone (tests, benchmarks). */
export function localTemporalSettings(address: string, namespace = DEFAULT_TEMPORAL_NAMESPACE): TemporalSettings {
  return { address, namespace, resolved: { address, namespace } };
}

/** The same settings with another address (the CLI's `--address`), keeping TLS and the API key. */
export function withAddress(settings: TemporalSettings, address: string | undefined): TemporalSettings {
  return address === undefined ? settings : { ...settings, address, resolved: { ...settings.resolved, address } };
}

/** How the connection is secured: nothing, TLS, mutual TLS; and whether an API key goes along. */
export function securityOf(s: TemporalSettings): 'plain' | 'tls' | 'mtls' {
  const tls: ClientConfigTLS | undefined = s.resolved.tls;
  if (tls?.disabled === true) return 'plain';
  if (tls?.clientCert !== undefined) return 'mtls';
  return tls !== undefined || s.resolved.apiKey !== undefined ? 'tls' : 'plain';
}

/** One line for a start-up log: address, namespace, profile, security. Never the key or a certificate. */
export function describeTemporal(s: TemporalSettings): string {
  const parts = [`namespace ${s.namespace}`, securityOf(s)];
  if (s.resolved.apiKey !== undefined) parts.push('API key');
  if (s.profile !== undefined) parts.push(`profile ${s.profile}`);
  return `${s.address} (${parts.join(', ')})`;
}

/** The options both kinds of connection take, with the certificate files read now. */
function connectionOptions(s: TemporalSettings): NativeConnectionOptions {
  let options: NativeConnectionOptions;
  try {
    options = toClientOptions(s.resolved).connectionOptions;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const file = e.path ?? '';
    throw configError(
      `无法读取 TLS 证书或私钥文件 ${file}：${e.code ?? e.message}`,
      `cannot read the TLS certificate or key file ${file}: ${e.code ?? e.message}`,
    );
  }
  return { ...options, address: s.address };
}

/** A client connection (grpc-js) for the CLI, the HTTP service and the worker's own requests. */
export async function connectTemporalClient(
  s: TemporalSettings,
  connectTimeout: Duration = DEFAULT_CONNECT_TIMEOUT,
): Promise<Client> {
  const opts = connectionOptions(s);
  let connection: Connection;
  try {
    connection = await Connection.connect({ ...(opts as ConnectionOptions), connectTimeout });
  } catch (err) {
    throw connectionError(s, err, await probeTls(s, opts));
  }
  try {
    await checkNamespace(connection, s);
  } catch (err) {
    await connection.close();
    throw err;
  }
  return new Client({ connection, namespace: s.namespace });
}

/** The worker's native connection (the SDK's Rust core), checked the same way. */
export async function connectTemporalWorker(s: TemporalSettings): Promise<NativeConnection> {
  const opts = connectionOptions(s);
  const { NativeConnection: Native } = await import('@temporalio/worker');
  let connection: NativeConnection;
  try {
    connection = await Native.connect(opts);
  } catch (err) {
    throw connectionError(s, err, await probeTls(s, opts));
  }
  try {
    await checkNamespace(connection, s);
  } catch (err) {
    await connection.close();
    throw err;
  }
  return connection;
}

const GRPC_NOT_FOUND = 5;
const GRPC_PERMISSION_DENIED = 7;
const GRPC_UNAUTHENTICATED = 16;

/** The namespace must exist: otherwise every request fails later with a message about something else. */
async function checkNamespace(connection: Connection | NativeConnection, s: TemporalSettings): Promise<void> {
  try {
    await connection.workflowService.describeNamespace({ namespace: s.namespace });
  } catch (err) {
    const code = grpcCode(err);
    if (code === GRPC_NOT_FOUND) {
      throw new TemporalConnectionError(
        'NAMESPACE_NOT_FOUND',
        `Temporal 服务器 ${s.address} 上没有命名空间 "${s.namespace}"：请先创建它，或检查 TEMPORAL_NAMESPACE`,
        `the Temporal server at ${s.address} has no namespace "${s.namespace}": create it, or check TEMPORAL_NAMESPACE`,
      );
    }
    throw connectionError(s, err);
  }
}

function grpcCode(err: unknown): number | undefined {
  const e = err as { code?: unknown; cause?: { code?: unknown } };
  if (typeof e.code === 'number') return e.code;
  if (typeof e.cause?.code === 'number') return e.cause.code;
  return undefined;
}

/** All the text of an error and its causes, for telling one failure from another. */
function fullText(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err, depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    parts.push(e instanceof Error ? e.message : typeof e === 'string' ? e : JSON.stringify(e));
    e = (e as { cause?: unknown }).cause;
  }
  return parts.join(' | ');
}

const AUTH_WORDS = /does not have valid authentication credentials|permission to execute the specified operation/i;
const TLS_WORDS =
  /certificate|UnknownIssuer|unknown ca|self[- ]signed|handshake|ssl|tls|alert|NotValidForName|altname|CERT_|close_notify|wrong version number/i;

/**
 * The failure as the person who configured the service needs to hear it. `tlsFailure` is what a
 * handshake of our own found (grpc-js reports any failure as "Failed to connect before the
 * deadline" and keeps the reason to itself).
 */
function connectionError(s: TemporalSettings, err: unknown, tlsFailure?: string): TemporalConnectionError {
  if (err instanceof TemporalConnectionError) return err;
  const text = fullText(err);
  const code = grpcCode(err);
  // The native connection gives the status only as its description in the message.
  if (code === GRPC_UNAUTHENTICATED || code === GRPC_PERMISSION_DENIED || AUTH_WORDS.test(text)) {
    return new TemporalConnectionError(
      'AUTH_FAILED',
      `Temporal 服务器 ${s.address} 拒绝了本服务的凭据：请检查 TEMPORAL_API_KEY 或客户端证书`,
      `the Temporal server at ${s.address} refused our credentials: check TEMPORAL_API_KEY or the client certificate`,
    );
  }
  const tls = tlsFailure ?? (securityOf(s) !== 'plain' && TLS_WORDS.test(text) ? text : undefined);
  if (tls !== undefined) {
    const [zh, en] = tlsReason(tls, securityOf(s) === 'mtls');
    return new TemporalConnectionError(
      'TLS_FAILED',
      `与 Temporal 服务器 ${s.address} 的 TLS 连接失败：${zh}`,
      `TLS with the Temporal server at ${s.address} failed: ${en}`,
    );
  }
  return new TemporalConnectionError(
    'SERVER_UNREACHABLE',
    `无法连接 Temporal 服务器 ${s.address}：请检查 TEMPORAL_ADDRESS 以及服务器是否在运行`,
    `cannot reach the Temporal server at ${s.address}: check TEMPORAL_ADDRESS and that the server runs`,
  );
}

/** What a person can act on in a TLS failure, in Chinese and in English. */
function tlsReason(text: string, mtls: boolean): [string, string] {
  if (/UnknownIssuer|issuer|self[- ]signed|unable to verify|UNABLE_TO_VERIFY|SELF_SIGNED/i.test(text))
    return [
      '服务器证书不受信任，请检查 CA 证书（TEMPORAL_TLS_SERVER_CA_CERT_PATH）',
      'the server certificate is not trusted: check the CA certificate (TEMPORAL_TLS_SERVER_CA_CERT_PATH)',
    ];
  if (/NotValidForName|altname|does not match|ERR_TLS_CERT_ALTNAME/i.test(text))
    return [
      '服务器证书与服务器名不符，请检查 TEMPORAL_TLS_SERVER_NAME',
      'the server certificate is not for that name: check TEMPORAL_TLS_SERVER_NAME',
    ];
  if (/expired|NotValidYet|not yet valid/i.test(text))
    return ['证书已过期或尚未生效', 'a certificate has expired or is not yet valid'];
  if (/certificate required|CertificateRequired/i.test(text))
    return [
      '服务器要求客户端证书（mTLS），请设置 TEMPORAL_TLS_CLIENT_CERT_PATH 和 TEMPORAL_TLS_CLIENT_KEY_PATH',
      'the server asks for a client certificate (mTLS): set TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH',
    ];
  if (/unknown ca|bad certificate|bad_certificate|BadCertificate|UnknownCA/i.test(text) || mtls)
    return [
      '服务器拒绝了客户端证书，请检查 TEMPORAL_TLS_CLIENT_CERT_PATH 是否由服务器信任的 CA 签发',
      'the server refused the client certificate: check that TEMPORAL_TLS_CLIENT_CERT_PATH is signed by a CA it trusts',
    ];
  if (/wrong version number|packet length too long|InvalidContentType|CorruptMessage/i.test(text))
    return [
      '服务器未启用 TLS（可设置 TEMPORAL_TLS=false）',
      'the server does not speak TLS (TEMPORAL_TLS=false turns TLS off)',
    ];
  return [`证书问题（${text}）`, `a certificate problem (${text})`];
}

/** How long a probe waits after its handshake for the server to refuse a client certificate. */
const PROBE_SETTLE_MS = 500;

/**
 * A TLS handshake of our own with the settings' certificates, to learn why a connection failed.
 * Resolves to the failure's text, or `undefined` when the handshake succeeds (or TLS is off).
 */
function probeTls(s: TemporalSettings, opts: NativeConnectionOptions): Promise<string | undefined> {
  const tls = opts.tls;
  if (tls === undefined || tls === false || tls === null) return Promise.resolve(undefined);
  const config = tls === true ? {} : tls;
  const { host, port } = splitAddress(s.address);
  return new Promise((resolve) => {
    const socket = tlsConnect({
      host,
      port,
      servername: config.serverNameOverride ?? (isIP(host) ? undefined : host),
      ca: config.serverRootCACertificate ? Buffer.from(config.serverRootCACertificate) : undefined,
      cert: config.clientCertPair ? Buffer.from(config.clientCertPair.crt) : undefined,
      key: config.clientCertPair ? Buffer.from(config.clientCertPair.key) : undefined,
      ALPNProtocols: ['h2'],
      // grpc-js checks the name against serverNameOverride too; Node checks it against `servername`.
      checkServerIdentity: (_host, cert) => checkServerIdentity(config.serverNameOverride ?? host, cert),
    });
    let settled = false;
    const done = (v: string | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => done(undefined), 5000);
    // Refused or unanswered before TCP connects: no TLS problem, the server is not there.
    let reached = false;
    socket.once('connect', () => (reached = true));
    socket.once('error', (e: NodeJS.ErrnoException) => done(reached ? `${e.code ?? ''} ${e.message}` : undefined));
    socket.once('secureConnect', () => {
      // Under TLS 1.3 the server judges the client's certificate after the client's handshake ends.
      socket.once('close', () => done('the server closed the connection after the handshake: bad certificate'));
      setTimeout(() => done(undefined), PROBE_SETTLE_MS);
    });
  });
}

function splitAddress(address: string): { host: string; port: number } {
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(address);
  return m ? { host: m[1]!, port: Number(m[2]) } : { host: address, port: 7233 };
}

function configError(zh: string, en: string): TemporalConnectionError {
  return new TemporalConnectionError('TEMPORAL_CONFIG_INVALID', zh, en);
}
