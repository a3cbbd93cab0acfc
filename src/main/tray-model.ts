// What the tray shows, decided from the bench's state without Electron: the icon (error when
// a board is out of service or the master refuses the bench, busy while anything runs, idle
// otherwise), a one-line tooltip, and the menu (show, pause or resume pulling, quit).
import type { BenchBoard, BenchSummary } from '../shared/bench/model';

export type TrayIcon = 'idle' | 'busy' | 'error';

export function trayIconFor(bench: BenchSummary, boards: BenchBoard[]): TrayIcon {
  if (bench.master.state === 'refused' || boards.some((b) => b.health !== 'ok')) return 'error';
  if (boards.some((b) => b.state === 'busy' || b.state === 'flashing')) return 'busy';
  return 'idle';
}

export function trayTooltip(bench: BenchSummary, boards: BenchBoard[]): string {
  const busy = boards.filter((b) => b.state === 'busy' || b.state === 'flashing').length;
  const out = boards.filter((b) => b.health === 'quarantined').length;
  const parts = [`${boards.length} board${boards.length === 1 ? '' : 's'}`];
  if (busy) parts.push(`${busy} busy`);
  if (out) parts.push(`${out} quarantined`);
  if (bench.paused) parts.push('paused');
  if (bench.master.state !== 'connected') parts.push(`master ${bench.master.state}`);
  return `OurCI bench ${bench.name}: ${parts.join(', ')}`;
}

export interface TrayMenuItem {
  id: 'show' | 'pause' | 'resume' | 'quit';
  label: string;
}

export function trayMenu(paused: boolean): TrayMenuItem[] {
  return [
    { id: 'show', label: 'Show bench' },
    paused ? { id: 'resume', label: 'Resume pulling' } : { id: 'pause', label: 'Pause pulling' },
    { id: 'quit', label: 'Quit' },
  ];
}

/** A 16×16 filled circle in the icon's colour, as BGRA pixels for nativeImage.createFromBitmap. */
export function trayBitmap(icon: TrayIcon, size = 16): Buffer {
  const [r, g, b] = icon === 'error' ? [0xd9, 0x3f, 0x3f] : icon === 'busy' ? [0xe0, 0x9b, 0x1a] : [0x2e, 0xa0, 0x43];
  const px = Buffer.alloc(size * size * 4);
  const c = (size - 1) / 2;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const d = Math.hypot(x - c, y - c);
      const alpha = Math.max(0, Math.min(1, c + 0.5 - d));
      const i = (y * size + x) * 4;
      px[i] = b;
      px[i + 1] = g;
      px[i + 2] = r;
      px[i + 3] = Math.round(alpha * 255);
    }
  }
  return px;
}
