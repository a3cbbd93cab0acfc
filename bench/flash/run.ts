// `npm run bench:flash`: a 1 MiB ESP8266 image to an emulated ESP8266 whose serial line is
// paced at the baud rate (10 bits per byte), at 115200, 460800 and 921600 baud, by our
// flasher (esptool-js 0.7.0 protocol, our write loop) and by tasmota-webserial-esptool 7.3.7
// against the same emulator. Time is compared with the wire limit: the bytes that crossed
// the line in both directions × 10 / baud (each byte at the rate it was sent at, so the stub
// upload counts at 115200). Writes bench/results/flash.md.
//
//   npm run bench:flash -- [--runs 3] [--slow-runs 1] [--bauds 115200,460800,921600] [--no-write]
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { createVirtualBoards, flashEsp, sampleFirmware } from '../../src/devices';
import { flashWithTasmota } from '../../test/devices/peers/tasmota-peer';

interface Sample {
  /** Open port → data on flash: MD5 verified (ours), last block acknowledged (tasmota, no verify). */
  ms: number;
  /** Wire time of every byte that crossed the line by then. */
  wireMs: number;
  /** Until the call returns: ours adds its reset into the app; tasmota its reset and a 1 s sleep. */
  totalMs: number;
  /** Data phase only (ours): first compressed block → MD5 verified. */
  dataMs?: number;
  dataWireMs?: number;
  sent?: number;
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const RUNS = Number(arg('runs', '3'));
const SLOW_RUNS = Number(arg('slow-runs', '1'));
const BAUDS = arg('bauds', '115200,460800,921600').split(',').map(Number);
const WRITE = !process.argv.includes('--no-write');
const IMAGE = sampleFirmware('bench', '1.0.0', 1 << 20);

async function ours(baud: number): Promise<Sample> {
  const set = await createVirtualBoards('esp8266:1', { pace: true });
  const board = set.boards[0]!;
  try {
    let t0 = 0;
    let w0 = 0;
    let t1 = 0;
    let w1 = 0;
    const start = performance.now();
    const r = await flashEsp({
      endpoint: { path: board.path, binding: set.binding },
      baud,
      parts: [{ name: 'bench.bin', address: 0, data: IMAGE }],
      onProgress: (p) => {
        if (p.phase === 'writing' && !t0) {
          t0 = performance.now();
          w0 = board.link.wireTimeMs();
        }
        if (p.phase === 'resetting' && !t1) {
          t1 = performance.now();
          w1 = board.link.wireTimeMs();
        }
      },
    });
    return { ms: t1 - start, wireMs: w1, totalMs: performance.now() - start, dataMs: t1 - t0, dataWireMs: w1 - w0, sent: r.sentBytes };
  } finally {
    await set.close();
  }
}

async function tasmota(baud: number): Promise<Sample> {
  const set = await createVirtualBoards('esp8266:1', { pace: true });
  const board = set.boards[0]!;
  try {
    const r = await flashWithTasmota({ path: board.path, binding: set.binding }, IMAGE, baud);
    return { ms: r.writeMs, wireMs: board.link.wireTimeMs(), totalMs: r.totalMs };
  } finally {
    await set.close();
  }
}

const stats = (xs: number[]): { min: number; median: number; max: number } => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0]!, median: s[Math.floor((s.length - 1) / 2)]!, max: s.at(-1)! };
};
const sec = (ms: number): string => (ms / 1000).toFixed(2);
const triple = (xs: number[]): string => {
  const s = stats(xs);
  return `${sec(s.min)} / ${sec(s.median)} / ${sec(s.max)}`;
};

async function main(): Promise<void> {
  const loadBefore = loadavg();
  const started = Date.now();
  const rows: string[] = [];
  const verdicts: string[] = [];
  for (const baud of BAUDS) {
    const runs = baud <= 115200 ? SLOW_RUNS : RUNS;
    const a: Sample[] = [];
    const b: Sample[] = [];
    for (let i = 0; i < runs; i++) {
      a.push(await ours(baud));
      b.push(await tasmota(baud));
      process.stderr.write(`${baud} baud, run ${i + 1}/${runs}: ours ${sec(a.at(-1)!.ms)} s, tasmota ${sec(b.at(-1)!.ms)} s\n`);
    }
    const oursRatio = stats(a.map((s) => s.ms / s.wireMs));
    const oursTotalRatio = stats(a.map((s) => s.totalMs / s.wireMs));
    const dataRatio = stats(a.map((s) => s.dataMs! / s.dataWireMs!));
    const tasRatio = stats(b.map((s) => s.ms / s.wireMs));
    const compression = (a[0]!.sent! / IMAGE.length).toFixed(3);
    rows.push(
      `| ${baud} | ours | ${sec(stats(a.map((s) => s.wireMs)).median)} | ${triple(a.map((s) => s.ms))} | **${oursRatio.median.toFixed(3)}** | ${dataRatio.median.toFixed(3)} | ${triple(a.map((s) => s.totalMs))} (${oursTotalRatio.median.toFixed(3)}×) | ${compression} |`,
      `| ${baud} | tasmota | ${sec(stats(b.map((s) => s.wireMs)).median)} | ${triple(b.map((s) => s.ms))} | **${tasRatio.median.toFixed(3)}** | — | ${triple(b.map((s) => s.totalMs))} | ${compression} |`,
    );
    const within = oursRatio.max <= 1.15;
    const oursMedian = stats(a.map((s) => s.ms)).median;
    const tasMedian = stats(b.map((s) => s.ms)).median;
    verdicts.push(
      `- ${baud} baud: ${within ? 'within' : 'NOT within'} 1.15× of the wire limit (worst run ${oursRatio.max.toFixed(3)}×; ${oursTotalRatio.max.toFixed(3)}× counting our reset into the app; data phase ${dataRatio.max.toFixed(3)}×); ` +
        `${oursMedian <= tasMedian ? 'faster than' : 'SLOWER than'} tasmota: median ${sec(oursMedian)} s vs ${sec(tasMedian)} s (${((1 - oursMedian / tasMedian) * 100).toFixed(0)} % less), though ours also verifies by MD5`,
    );
  }
  const loadAfter = loadavg();
  const report = [
    '# Flashing benchmark (`npm run bench:flash`)',
    '',
    `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}; load average ${loadBefore.map((l) => l.toFixed(1)).join(' / ')} before, ${loadAfter.map((l) => l.toFixed(1)).join(' / ')} after (1/5/15 min; the machine is shared with other jobs). Took ${Math.round((Date.now() - started) / 1000)} s.`,
    '',
    `Image: a valid 1 MiB (${IMAGE.length} bytes) ESP8266 image with code-like content (\`sampleFirmware\`), written at 0x0 to an emulated ESP8266 (4 MB flash) whose serial line is paced at 10 bits per byte in both directions. Each run uses a fresh board: reset into the ROM at 115200, stub upload, CHANGE_BAUDRATE, compressed transfer. Runs: ${SLOW_RUNS} at 115200 baud, ${RUNS} at the others.`,
    '',
    '*Wire limit* = bytes that crossed the line, both directions, × 10 / the baud rate they were sent at (the stub upload counts at 115200). *Time* = min / median / max over the runs, from opening the port to the data being on the flash: verified by MD5 for ours, last block acknowledged for tasmota (which does not verify). *Data phase* = first compressed block to MD5 verified (ours). *Until done* adds what each client does after: our reset into the application (100 ms EN pulse), tasmota\'s reset and the 1 s it sleeps after it.',
    '',
    '| baud | client | wire limit (s) | time min / median / max (s) | × wire limit (median) | data phase × wire limit | until done (s) | compressed / uncompressed |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    'Goal: within 1.15× of the wire limit and no slower than tasmota (same image, same emulator, same pacing).',
    '',
    ...verdicts,
    '',
    'Notes: the emulator answers at once: erasing, writing and hashing flash cost it no time, where a real flash chip needs some (seconds per MiB): a real board takes longer; these numbers measure the protocol and the host, not the flash chip; per-block overhead left is the stop-and-wait round trip (ack, timer granularity of the paced line, esptool-js\'s 1 ms read polling). Fixed costs outside the data phase: the 150 ms reset sequence, esptool-js\'s drain after the ROM\'s unsupported GET_SECURITY_INFO reply, and the 150 ms it waits around CHANGE_BAUDRATE.',
    '',
  ].join('\n');
  process.stdout.write(`${report}\n`);
  if (WRITE) writeFileSync(new URL('../results/flash.md', import.meta.url), report);
}

await main();
