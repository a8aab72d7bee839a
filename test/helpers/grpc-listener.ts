/**
 * A tiny gRPC endpoint on Node's own HTTP/2 server, plain or TLS (optionally demanding a client
 * certificate): it records the path, headers and client certificate of every call and answers
 * each with an empty message, which is a valid answer to the unary calls a Temporal client makes
 * when it connects (GetSystemInfo, DescribeNamespace). It shows what really crosses the wire.
 */
import http2 from 'node:http2';
import { readFileSync } from 'node:fs';
import type { TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';

export interface ReceivedCall {
  path: string;
  headers: http2.IncomingHttpHeaders;
  /** The common name of the client's certificate, when it presented one. */
  clientCn?: string;
}

export interface GrpcListener {
  port: number;
  calls: ReceivedCall[];
  close(): Promise<void>;
}

export interface ListenerTls {
  cert: string;
  key: string;
  /** With a CA file, a client must present a certificate it signed (mTLS). */
  clientCa?: string;
}

/** An empty protobuf message, framed: not compressed, length 0. */
const EMPTY_MESSAGE = Buffer.alloc(5);

/**
 * With `bearer`, a call without `authorization: Bearer <bearer>` is answered UNAUTHENTICATED (16),
 * as a server that checks API keys answers.
 */
export async function startGrpcListener(tls?: ListenerTls, opts: { bearer?: string } = {}): Promise<GrpcListener> {
  const calls: ReceivedCall[] = [];
  const server = tls
    ? http2.createSecureServer({
        cert: readFileSync(tls.cert),
        key: readFileSync(tls.key),
        ...(tls.clientCa ? { ca: readFileSync(tls.clientCa), requestCert: true, rejectUnauthorized: true } : {}),
      })
    : http2.createServer();
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (s: http2.ServerHttp2Session) => {
    sessions.add(s);
    s.once('close', () => sessions.delete(s));
  });
  server.on('stream', (stream, headers) => {
    const socket = stream.session?.socket as TLSSocket | undefined;
    const peer = tls && socket?.getPeerCertificate ? socket.getPeerCertificate() : undefined;
    const cn = peer?.subject?.CN;
    calls.push({
      path: String(headers[':path']),
      headers,
      ...(typeof cn === 'string' ? { clientCn: cn } : {}),
    });
    stream.on('data', () => undefined);
    stream.on('end', () => {
      if (opts.bearer !== undefined && headers.authorization !== `Bearer ${opts.bearer}`) {
        // A refusal is a response with only trailers (a "trailers-only" response).
        stream.respond(
          { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '16', 'grpc-message': 'bad API key' },
          { endStream: true },
        );
        return;
      }
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(EMPTY_MESSAGE);
    });
  });
  // TLS failures are the tests' subject: the server must not crash on them.
  server.on('tlsClientError', () => undefined);
  server.on('sessionError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sessions) s.destroy();
        server.close(() => resolve());
      }),
  };
}
