// Preload (sandboxed, CommonJS): exposes `window.ourciBench`, one typed function per bench
// method, each bound to that method's own IPC channel, plus the event feed. The renderer never
// sees ipcRenderer and cannot name a channel: there is no generic send/invoke/on.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { BenchBridge } from '../shared/bench/api';
import { BENCH_EVENT_CHANNEL, BENCH_METHOD_NAMES, benchChannel, benchFunctionName } from '../shared/bench/method-names';
import type { BenchEvent } from '../shared/bench/model';

const methods: Record<string, (params: unknown) => Promise<unknown>> = {};
for (const method of BENCH_METHOD_NAMES) {
  const channel = benchChannel(method);
  methods[benchFunctionName(method)] = (params: unknown) => ipcRenderer.invoke(channel, params);
}

const bridge = {
  ...methods,
  onEvent(listener: (event: BenchEvent) => void): () => void {
    // The renderer gets the event, never Electron's IpcRendererEvent (it carries `sender`).
    const wrapped = (_e: IpcRendererEvent, event: BenchEvent): void => listener(event);
    ipcRenderer.on(BENCH_EVENT_CHANNEL, wrapped);
    return () => ipcRenderer.removeListener(BENCH_EVENT_CHANNEL, wrapped);
  },
} as BenchBridge;

contextBridge.exposeInMainWorld('ourciBench', bridge);
