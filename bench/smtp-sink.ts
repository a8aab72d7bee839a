/**
 * The fan-out benchmark's SMTP server, in a process of its own as a real mail server would be,
 * so that receiving the campaign's mail does not take the worker's main thread. It tells its
 * parent, over the fork's IPC channel, when it accepted each message (by dedupe key), in batches.
 *   fork('bench/smtp-sink.ts', [port])  →  'listening', then { accepted: [key, ms][], bytes, count, cpuMs } …
 * (bench/sink-process.ts starts it and keeps the reports.)
 */
import { SMTPServer } from 'smtp-server';

const port = Number(process.argv[2]);
let pending: [string, number][] = [];
let bytes = 0;
let count = 0;
let reported = 0;

const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  maxClients: 256,
  onData(stream, _session, cb) {
    // Only the header block is kept, as text: the dedupe key is a header, and the body (four
    // fifths of a message) is counted, not copied into a string and searched.
    let head = '';
    let inHead = true;
    stream.on('data', (c: Buffer) => {
      bytes += c.length;
      if (!inHead) return;
      const end = c.indexOf('\r\n\r\n');
      head += c.toString('latin1', 0, end < 0 ? c.length : end + 2);
      inHead = end < 0 && head.length < 8192;
    });
    stream.on('end', () => {
      count++;
      const key = /^X-Campaign-Dedupe-Key: (.*)$/im.exec(head)?.[1]?.trim();
      if (key) pending.push([key, Date.now()]);
      cb();
    });
  },
});

setInterval(() => {
  if (!process.connected || (pending.length === 0 && count === reported)) return;
  const cpu = process.cpuUsage();
  process.send?.({ accepted: pending, bytes, count, cpuMs: (cpu.user + cpu.system) / 1000 });
  reported = count;
  pending = [];
}, 100).unref();

server.listen(port, '127.0.0.1', () => process.send?.('listening'));
process.on('disconnect', () => server.close(() => process.exit(0)));
