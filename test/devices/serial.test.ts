// The serial monitor (lines, timestamps, baud, replugs) and the one helper every DTR/RTS/BRK
// change goes through.
import { describe, expect, it } from 'vitest';
import { LineControl, openPort, closePort, sampleFirmware, SerialMonitor, type MonitorLine } from '../../src/devices';
import type { BindingInterface, SetOptions } from '../../src/devices/serial/binding';
import { waitFor } from '../helpers/master';
import { boards, endpointOf, esp } from './helpers';

describe('LineControl', () => {
  it('always sends all three lines, keeping the ones not named', async () => {
    const set = await boards('esp8266:1');
    const calls: SetOptions[] = [];
    const recording: BindingInterface = {
      list: () => set.binding.list(),
      open: async (o) => {
        const port = await set.binding.open(o);
        const original = port.set.bind(port);
        port.set = (opts) => (calls.push({ ...opts }), original(opts));
        return port;
      },
    };
    const board = set.boards[0]!;
    esp(board).flash.write(0, sampleFirmware('lines', '1.0.0', 2048));
    const port = await openPort({ path: board.path, binding: recording }, 115200);
    try {
      const lines = new LineControl(port);
      await lines.set({ dtr: false, rts: false });
      const booted = esp(board).appLines.length;
      // A break alone: serialport's own set({brk:true}) would raise DTR and RTS (its defaults)
      // and pull EN low through the NodeMCU circuit, resetting the board.
      await lines.pulseBreak(20);
      expect(calls).toEqual([
        { dtr: false, rts: false, brk: false, cts: false },
        { dtr: false, rts: false, brk: true, cts: false },
        { dtr: false, rts: false, brk: false, cts: false },
      ]);
      expect(esp(board).state).not.toBe('reset');
      expect(esp(board).appLines.length).toBe(booted);
    } finally {
      await closePort(port);
    }
  });
});

describe('SerialMonitor', () => {
  it('emits timestamped lines, CR LF stripped, and a partial line after a pause', async () => {
    const set = await boards('esp8266:1');
    const board = set.boards[0]!;
    const lines: MonitorLine[] = [];
    const m = new SerialMonitor({ resolve: () => endpointOf(set), baud: 115200, partialAfterMs: 50 });
    m.on('line', (l) => lines.push(l));
    await m.start();
    try {
      const t0 = Date.now();
      // A newline first ends whatever came before (the power-on banner: noise at 115200).
      board.link.toHost.push(Buffer.from('\nfirst li'), 115200);
      board.link.toHost.push(Buffer.from('ne\r\nsecond\r\nprompt> '), 115200);
      await waitFor(() => lines.at(-1)?.text === 'prompt> ', 3000, 'the partial line');
      expect(lines.slice(-3).map((l) => [l.text, !!l.partial])).toEqual([
        ['first line', false],
        ['second', false],
        ['prompt> ', true],
      ]);
      expect(lines.at(-3)!.time.getTime()).toBeGreaterThanOrEqual(t0 - 5);
    } finally {
      await m.stop();
    }
  });

  it('talks both ways: what is written reaches the board', async () => {
    const set = await boards('esp8266:1');
    esp(set.boards[0]!).flash.write(0, sampleFirmware('echo', '1.0.0', 2048));
    const lines: string[] = [];
    const m = new SerialMonitor({ resolve: () => endpointOf(set), baud: 115200 });
    m.on('line', (l) => lines.push(l.text));
    await m.start();
    try {
      await set.boards[0]!.reset('app');
      await waitFor(() => lines.includes('ready'), 3000, 'the app');
      await m.write('hello board\r\n');
      await waitFor(() => lines.includes('echo: hello board'), 3000, 'the echo');
    } finally {
      await m.stop();
    }
  });

  it('changes baud rate live: the ROM banner at 74880, the app at 115200', async () => {
    const set = await boards('esp8266:1');
    const board = set.boards[0]!;
    esp(board).flash.write(0, sampleFirmware('bauds', '1.0.0', 2048));
    const lines: string[] = [];
    const m = new SerialMonitor({ resolve: () => endpointOf(set), baud: 74880 });
    m.on('line', (l) => lines.push(l.text));
    await m.start();
    try {
      await board.reset('app');
      await waitFor(() => lines.some((l) => l.includes('ets Jan  8 2013,rst cause:2, boot mode:(3,6)')), 3000, 'the ROM banner');
      expect(lines.some((l) => l.includes('ready'))).toBe(false);
      await m.setBaud(115200);
      lines.length = 0;
      await board.reset('app');
      await waitFor(() => lines.includes('ready'), 3000, 'the app at 115200');
      expect(lines.some((l) => l.includes('ets Jan'))).toBe(false);
    } finally {
      await m.stop();
    }
  });

  it('survives a replug: waits while the board is gone and reads on when it is back', async () => {
    const set = await boards('esp8266:1', { esp8266: { heartbeatMs: 20 } });
    const board = set.boards[0]!;
    esp(board).flash.write(0, sampleFirmware('replug', '1.0.0', 2048));
    await board.reset('app');
    const lines: string[] = [];
    const states: string[] = [];
    const m = new SerialMonitor({ resolve: () => (board.plugged ? endpointOf(set) : undefined), baud: 115200, retryMs: 20 });
    m.on('line', (l) => lines.push(l.text));
    m.on('state', (s) => states.push(s));
    await m.start();
    try {
      await waitFor(() => lines.some((l) => l.startsWith('tick')), 3000, 'heartbeats');
      board.unplug();
      await waitFor(() => m.state === 'waiting', 3000, 'the monitor to notice');
      lines.length = 0;
      board.plug();
      // The board boots on power-up, before the tty is back (as with real USB); its heartbeats
      // then arrive through the new port.
      await waitFor(() => lines.includes('tick 2'), 5000, 'output after the replug');
      expect(states).toContain('waiting');
      expect(states.at(-1)).toBe('open');
    } finally {
      await m.stop();
    }
  });
});
