// The task script of the log benchmarks (plain JS: the agent runs it with node, no build).
// Writes ASCII log lines to stdout: --bytes N in total (0: until --stop FILE exists), at
// --mbps R megabytes per second (0: as fast as the pipe takes them). Its first line is
// BENCH-PAYLOAD-START; --mark FILE receives the wall-clock time (ms) of the first write, so
// the benchmark can time "first byte written → on disk". While --pause FILE exists it writes
// nothing (the benchmark alternates phases with and without writers that way).
import { existsSync, writeFileSync, writeSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values: o } = parseArgs({
  options: {
    bytes: { type: 'string', default: '0' },
    mbps: { type: 'string', default: '0' },
    mark: { type: 'string' },
    stop: { type: 'string' },
    pause: { type: 'string' },
  },
});
const total = Number(o.bytes);
const rate = Number(o.mbps) * 1e6;
const BLOCK = 64 * 1024;
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// One block of numbered, varied lines; repeated, it looks like a build log to the pipeline.
const lines = [];
for (let i = 0, n = 0; n < BLOCK; i++) {
  const line = `[${String(i).padStart(5, '0')}] cc -O2 -c src/module_${i % 97}.c -o build/module_${i % 97}.o  # warnings: ${i % 7}\n`;
  lines.push(line);
  n += line.length;
}
const block = Buffer.from(lines.join('')).subarray(0, BLOCK);
const first = Buffer.from('BENCH-PAYLOAD-START\n');

let written = 0;
let paced = 0; // bytes written at the current rate since `since`
let since = now();
if (o.mark) writeFileSync(o.mark, String(since));
writeAll(total > 0 ? first.subarray(0, Math.min(first.length, total)) : first);
for (let blocks = 0; total === 0 || written < total; blocks++) {
  const n = total === 0 ? BLOCK : Math.min(BLOCK, total - written);
  writeAll(block.subarray(0, n));
  paced += n;
  if (rate > 0) {
    const wait = since + (paced / rate) * 1000 - now();
    if (wait > 0) await sleep(wait);
  }
  // Checking files costs a syscall: every block when paced, every 1 MiB otherwise.
  if ((rate > 0 || blocks % 16 === 15) && (o.stop || o.pause)) {
    if (o.stop && existsSync(o.stop)) break;
    if (o.pause && existsSync(o.pause)) {
      while (existsSync(o.pause) && !(o.stop && existsSync(o.stop))) await sleep(10);
      since = now();
      paced = 0;
    }
  }
}

function writeAll(buf) {
  let off = 0;
  while (off < buf.length) {
    try {
      off += writeSync(1, buf, off, buf.length - off);
    } catch (err) {
      if (err.code !== 'EAGAIN') throw err;
    }
  }
  written += buf.length;
}
