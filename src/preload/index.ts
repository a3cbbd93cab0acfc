// Preload: exposes one typed function per bench method to the renderer (no generic send/invoke).
import { contextBridge } from 'electron';

contextBridge.exposeInMainWorld('ourciBench', {
  version: (): string => '0.1.0',
});
