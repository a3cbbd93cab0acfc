// The master's log: JSON lines (pino) for machines, or short human lines on a terminal.
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';

const LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const SKIP = new Set(['level', 'time', 'pid', 'hostname', 'msg']);

/** One human line for one pino record: `12:03:04 WARN message key=value …`. */
export function humanLine(rec: Record<string, unknown>): string {
  const time = new Date(typeof rec.time === 'number' ? rec.time : Date.now()).toTimeString().slice(0, 8);
  const level = LEVELS[rec.level as number] ?? String(rec.level);
  const extras = Object.entries(rec)
    .filter(([k]) => !SKIP.has(k))
    .map(([k, v]) => {
      if (k === 'err' && v && typeof v === 'object') return `err="${(v as { message?: string }).message ?? ''}"`;
      return `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`;
    });
  return `${time} ${level === 'info' ? '' : `${level} `}${String(rec.msg ?? '')}${extras.length ? `  ${extras.join(' ')}` : ''}`;
}

export function masterLogger(format: 'json' | 'human' | 'auto', level = 'info'): Logger {
  const human = format === 'human' || (format === 'auto' && process.stderr.isTTY);
  if (!human) return pino({ level }, pino.destination(2));
  const out = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line) continue;
        try {
          process.stderr.write(`${humanLine(JSON.parse(line) as Record<string, unknown>)}\n`);
        } catch {
          process.stderr.write(`${line}\n`);
        }
      }
      done();
    },
  });
  return pino({ level }, out);
}
