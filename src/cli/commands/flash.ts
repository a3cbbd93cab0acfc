// `ourci flash`: write a firmware file, bundle, or a job's blob to a board, without a master
// (except to fetch JOB/BLOB). Inside a bench task (OURCI_BENCH_URL) the bench owns the port:
// see chooseBoardRoute.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import {
  chooseBoardRoute,
  fetchBlob,
  flashBoard,
  loadFlashPlan,
  openBoardAccess,
  parseBlobRef,
  pickBoard,
  type After,
  type Before,
  type FlashProgress,
} from '../../devices';
import { MAX_FIRMWARE_BYTES } from '../../devices/remote/fetch-blob';
import { BadRequestError, NotFoundError, PayloadTooLargeError } from '../../shared/errors';
import type { CliContext } from '../context';
import { parseDuration } from '../context';
import { print } from '../output';
import { boardAccessOptions, withBoardSources, type VirtualFlags } from './boards';
import { flashViaBench } from './bench-route';

interface FlashFlags extends VirtualFlags {
  board?: string;
  port?: string;
  baud?: string;
  addr?: string;
  before: string;
  after: string;
  verify: boolean;
  compress: boolean;
  cc3200Control: string;
  timeout?: string;
  json?: boolean;
  verbose?: boolean;
}

export function parseBaud(v: string | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 300 || n > 4_000_000) throw new BadRequestError(`--baud must be a rate between 300 and 4000000, got ${v}`);
  return n;
}

function parseAddress(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^(0x[0-9a-fA-F]+|\d+)$/.test(v)) throw new BadRequestError(`--addr must be a flash offset like 0x10000 or 65536, got ${v}`);
  return Number(v);
}

function choice<T extends string>(flag: string, v: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(v)) throw new BadRequestError(`${flag} must be one of ${allowed.join(', ')}, got ${v}`);
  return v as T;
}

/** A local file, or JOB/BLOB from the master's blob store. */
async function readFirmware(ctx: CliContext, cmd: Command, arg: string, signal: AbortSignal): Promise<{ bytes: Uint8Array; source: string }> {
  if (existsSync(arg)) {
    const size = statSync(arg).size;
    if (size > MAX_FIRMWARE_BYTES) throw new PayloadTooLargeError(`${arg} is ${size} bytes: not firmware`);
    return { bytes: new Uint8Array(readFileSync(arg)), source: basename(arg) };
  }
  const ref = parseBlobRef(arg);
  if (!ref) throw new NotFoundError(`no such file: ${arg} (give a firmware file, or JOB/BLOB from the blob store)`);
  const t = ctx.target(cmd);
  return { bytes: await fetchBlob(t.url, t.token, ref, { signal }), source: arg };
}

function progressReporter(json: boolean): { update(p: FlashProgress): void; stop(): void } {
  if (json) return { update() {}, stop() {} };
  if (!process.stderr.isTTY) {
    let last = '';
    return {
      update(p) {
        const pct = p.total ? Math.floor((p.written / p.total) * 10) * 10 : 0;
        const line = p.phase === 'writing' ? `writing ${pct}%` : p.phase;
        if (line !== last) process.stderr.write(`${line}\n`);
        last = line;
      },
      stop() {},
    };
  }
  const bar = new cliProgress.SingleBar(
    { format: '{phase} |{bar}| {percentage}% {value}/{total} bytes {part}', stream: process.stderr, hideCursor: true, clearOnComplete: false },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(p) {
      if (!started) {
        bar.start(Math.max(1, p.total), 0, { phase: p.phase.padEnd(10), part: '' });
        started = true;
      }
      bar.setTotal(Math.max(1, p.total));
      bar.update(p.written, { phase: p.phase.padEnd(10), part: p.part ?? '' });
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

export function registerFlash(program: Command, ctx: CliContext): void {
  withBoardSources(
    program
      .command('flash <firmware>')
      .description('write FIRMWARE (a .bin, a zip / tar.gz bundle, or JOB/BLOB from the blob store) to a board; works without a master')
      .option('--board <id>', 'board id (see `ourci boards`)')
      .option('--port <path>', 'serial port, e.g. /dev/ttyUSB0')
      .option('--baud <n>', 'transfer rate (ESP default 460800; CC3200 default 921600, the rate of its ROM)')
      .option('--addr <offset>', 'flash offset of a raw ESP file (default 0x0 for an ESP8266 image)')
      .option('--before <mode>', 'default_reset (DTR/RTS into the bootloader) or no_reset (already in it)', 'default_reset')
      .option('--after <mode>', 'hard_reset (run the app), soft_reset (ESP8266 stub jump) or no_reset', 'hard_reset')
      .option('--no-verify', 'skip the MD5 (ESP) / read-back (CC3200) verification')
      .option('--no-compress', 'send ESP data uncompressed')
      .option('--cc3200-control <kind>', 'how to reset a CC3200: dtr-rts (RTS = nRESET, DTR = SOP2) or manual', 'dtr-rts')
      .option('--timeout <duration>', 'give up after this long (e.g. 2m)')
      .option('--verbose', 'print the flasher\'s log')
      .option('--json', 'print the result as JSON'),
  ).action(async (firmware: string, o: FlashFlags, cmd: Command) => {
    const route = chooseBoardRoute({ OURCI_BENCH_URL: ctx.env.OURCI_BENCH_URL });
    if (route.kind === 'bench') {
      const fw = await readFirmware(ctx, cmd, firmware, new AbortController().signal);
      const baud = o.baud === undefined ? undefined : parseBaud(o.baud, 0);
      return flashViaBench(ctx, route.url, { ...o, baud, address: parseAddress(o.addr) }, fw, progressReporter(!!o.json));
    }
    const before = choice('--before', o.before, ['default_reset', 'no_reset'] as const) as Before;
    const after = choice('--after', o.after, ['hard_reset', 'soft_reset', 'no_reset'] as const) as After;
    const control = choice('--cc3200-control', o.cc3200Control, ['dtr-rts', 'manual'] as const);
    const address = parseAddress(o.addr);
    const abort = new AbortController();
    const onSignal = (): void => abort.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    const timer = o.timeout ? setTimeout(() => abort.abort(), parseDuration(o.timeout) * 1000) : undefined;
    const log = o.verbose ? (l: string) => process.stderr.write(`  ${l}\n`) : undefined;
    // Read and validate the firmware before touching any port.
    const { bytes, source } = await readFirmware(ctx, cmd, firmware, abort.signal);
    // Probing resets every board it meets: only worth it to resolve --board (ids can come from MACs).
    const access = await openBoardAccess({ ...boardAccessOptions(o, log), probe: o.probe !== false && !!o.board });
    const bar = progressReporter(!!o.json);
    try {
      const target = pickBoard(access, o);
      const knownType = target.board && (target.board.chip || target.board.virtual) ? target.board.type : undefined;
      const plan = await loadFlashPlan(bytes, source, { address, platform: knownType });
      for (const w of plan.warnings) process.stderr.write(`ourci: warning: ${w}\n`);
      const baud = parseBaud(o.baud, plan.platform === 'cc3200' ? 921600 : 460800);
      const result = await flashBoard({
        endpoint: target.endpoint,
        board: target.board,
        plan,
        baud,
        before,
        after,
        verify: o.verify,
        compress: o.compress,
        cc3200: {
          control: control as 'dtr-rts' | 'manual',
          prompt: async (message) => {
            process.stderr.write(`${message}, then press Enter\n`);
            await new Promise((resolve) => process.stdin.once('data', resolve));
          },
        },
        signal: abort.signal,
        onProgress: (p) => bar.update(p),
        log,
      });
      bar.stop();
      const who = target.board?.id ?? target.endpoint.path;
      print(o, { board: who, port: target.endpoint.path, source, ...result }, () => {
        const parts = result.parts.map((p) => `  ${p.file ?? `0x${(p.address ?? 0).toString(16).padStart(6, '0')}`}  ${p.size} bytes  md5 ${p.md5}`).join('\n');
        const chip = [result.chip, result.mac && `MAC ${result.mac}`].filter(Boolean).join(', ');
        const left = result.reset === 'none' ? 'left in its bootloader' : 'reset into its application';
        return `flashed ${source} to ${who} (${chip}) in ${(result.timings.totalMs / 1000).toFixed(1)} s${o.verify ? ', verified' : ''}; ${left}\n${parts}`;
      });
    } finally {
      bar.stop();
      clearTimeout(timer);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await access.close();
    }
  });
}
