// Builds the Electron app: main (ESM), preload (CommonJS: a sandboxed preload cannot be an
// ES module) and the bench renderer (the same sources and plugins as vite.bench.config.ts,
// which builds it for the headless bench).
import { defineConfig, externalizeDepsPlugin } from 'electron-vite';
import { resolve } from 'node:path';
import { benchRendererPlugins, benchRendererRoot } from './vite.bench.config';

export default defineConfig({
  main: {
    plugins: [externalizeDepsPlugin()],
    build: {
      outDir: 'out/main',
      rollupOptions: { input: { index: resolve(__dirname, 'src/main/index.ts') } },
    },
  },
  preload: {
    // Nothing external: the sandboxed preload can require only electron itself.
    plugins: [externalizeDepsPlugin({ include: ['electron'] })],
    build: {
      outDir: 'out/preload',
      rollupOptions: {
        input: { index: resolve(__dirname, 'src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: benchRendererRoot,
    base: './',
    plugins: benchRendererPlugins(),
    build: {
      outDir: 'out/renderer',
      rollupOptions: { input: { index: resolve(benchRendererRoot, 'index.html') } },
    },
  },
});
