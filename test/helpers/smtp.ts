/**
 * A real SMTP server for mail tests (the `smtp-server` package) on a free loopback port: it
 * keeps every message it accepts, can reject chosen recipients, and can be stopped and
 * started again on the same port to play an outage.
 */
import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import { freePort } from './ports';

export interface Received {
  raw: Buffer;
  mail: ParsedMail;
  envelopeTo: string[];
}

export interface TestSmtp {
  port: number;
  url: string;
  received: Received[];
  /** Recipients the server answers 550 for. */
  reject: Set<string>;
  /** Recipients the server answers 451 for (try again later), as a full mailbox or greylisting does. */
  defer: Set<string>;
  /**
   * Called with each message before the server answers for it; a false answer drops it
   * unacknowledged (a test kills the sender at that moment: the message was never accepted).
   * `senderPort` is the client's end of the connection, to tell which process sent it.
   */
  beforeAccept?: (mail: ParsedMail, senderPort: number) => boolean | Promise<boolean>;
  stop(): Promise<void>;
  start(): Promise<void>;
}

/** With `auth`, the server asks for that login (AUTH PLAIN/LOGIN, over the plain connection) and refuses any other. */
export async function startSmtp(opts: { auth?: { user: string; pass: string } } = {}): Promise<TestSmtp> {
  const port = await freePort();
  const received: Received[] = [];
  const reject = new Set<string>();
  const defer = new Set<string>();
  let server: SMTPServer | undefined;
  const make = (): SMTPServer => {
    const s = new SMTPServer({
      authOptional: opts.auth === undefined,
      ...(opts.auth
        ? {
            allowInsecureAuth: true,
            onAuth(auth, _session, cb) {
              if (auth.username === opts.auth!.user && auth.password === opts.auth!.pass)
                cb(null, { user: auth.username });
              else cb(new Error('invalid login'));
            },
          }
        : {}),
      disabledCommands: ['STARTTLS'],
      logger: false,
      onRcptTo(address, _session, cb) {
        if (reject.has(address.address)) {
          const err = new Error(`mailbox ${address.address} unavailable`) as Error & { responseCode: number };
          err.responseCode = 550;
          cb(err);
          return;
        }
        if (defer.has(address.address)) {
          const err = new Error(`mailbox ${address.address} busy, try again later`) as Error & { responseCode: number };
          err.responseCode = 451;
          cb(err);
          return;
        }
        cb();
      },
      onData(stream, session, cb) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks);
          simpleParser(raw)
            .then(async (mail) => {
              if (t.beforeAccept && !(await t.beforeAccept(mail, session.remotePort))) {
                const err = new Error('dropped before acceptance') as Error & { responseCode: number };
                err.responseCode = 451;
                cb(err);
                return;
              }
              received.push({ raw, mail, envelopeTo: session.envelope.rcptTo.map((r) => r.address) });
              cb();
            })
            .catch(cb);
        });
      },
    });
    // A client that drops its connection in the middle of a message (a worker stopped while it
    // sends, a pool closed) is an error of that connection: smtp-server emits it on the server,
    // and without a listener it crashed the test process ("read ECONNRESET", a whole suite
    // failing). A real server survives it; the message it was sending is not accepted.
    s.on('error', () => undefined);
    return s;
  };
  const t: TestSmtp = {
    port,
    url: `smtp://127.0.0.1:${port}`,
    received,
    reject,
    defer,
    async start() {
      server = make();
      await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
    },
    async stop() {
      if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
      server = undefined;
    },
  };
  await t.start();
  return t;
}
