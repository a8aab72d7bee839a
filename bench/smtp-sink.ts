/**
 * The fan-out benchmark's SMTP server, in a process of its own as a real mail server would be,
 * so that receiving the campaign's mail does not take the worker's main thread. It tells its
 * parent, over the fork's IPC channel, when it accepted each message (by dedupe key), in batches.
 *   fork('bench/smtp-sink.ts', [port])  →  'listening', then { accepted: [key, ms][] } …
 */
import { SMTPServer } from 'smtp-server';

const port = Number(process.argv[2]);
let pending: [string, number][] = [];

const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  maxClients: 256,
  onData(stream, _session, cb) {
    let head = '';
    stream.on('data', (c: Buffer) => {
      if (head.length < 8192) head += c.toString('latin1');
    });
    stream.on('end', () => {
      const key = /^X-Campaign-Dedupe-Key: (.*)$/im.exec(head)?.[1]?.trim();
      if (key) pending.push([key, Date.now()]);
      cb();
    });
  },
});

setInterval(() => {
  if (pending.length === 0) return;
  process.send?.({ accepted: pending });
  pending = [];
}, 100).unref();

server.listen(port, '127.0.0.1', () => process.send?.('listening'));
process.on('disconnect', () => server.close(() => process.exit(0)));
