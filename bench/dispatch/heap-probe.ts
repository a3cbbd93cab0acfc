// The master's live heap, measured through the V8 inspector (the master runs with
// `--inspect=127.0.0.1:0`): a full GC, then the heap in use. RSS alone cannot tell memory the
// master keeps from garbage V8 has not collected yet, nor from SQLite's page cache filling up.
import WebSocket from 'ws';

export class HeapProbe {
  private readonly ws: WebSocket;
  private readonly opened: Promise<void>;
  private nextId = 1;
  private readonly pending = new Map<number, (result: unknown) => void>();

  constructor(inspectorUrl: string) {
    this.ws = new WebSocket(inspectorUrl, { perMessageDeflate: false });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
    this.ws.on('message', (data) => {
      const m = JSON.parse(data.toString()) as { id?: number; result?: unknown };
      if (m.id !== undefined) this.pending.get(m.id)?.(m.result);
      if (m.id !== undefined) this.pending.delete(m.id);
    });
  }

  /** Bytes of heap in use after a full garbage collection. */
  async liveHeap(): Promise<number> {
    await this.send('HeapProfiler.collectGarbage');
    const r = (await this.send('Runtime.getHeapUsage')) as { usedSize: number };
    return r.usedSize;
  }

  close(): void {
    this.ws.close();
  }

  private async send(method: string): Promise<unknown> {
    await this.opened;
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.ws.send(JSON.stringify({ id, method }));
    });
  }
}
