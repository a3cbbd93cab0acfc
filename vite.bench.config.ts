// Builds the bench UI (src/renderer/bench) into dist/bench-ui, which `ourci bench --headless`
// serves. electron.vite.config.ts builds the same renderer for the Electron app, with the
// same plugins (exported here). The CSP meta tag is added to built pages only: the dev server
// needs an inline script for hot reloading, and gets its policy as a header instead.
import react from '@vitejs/plugin-react';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import { BENCH_CSP_META } from './src/shared/bench/csp';

const root = fileURLToPath(new URL('.', import.meta.url));
export const benchRendererRoot = resolve(root, 'src/renderer/bench');

function cspMeta(): Plugin {
  return {
    name: 'ourci-bench-csp',
    apply: 'build',
    transformIndexHtml: () => [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: BENCH_CSP_META }, injectTo: 'head-prepend' }],
  };
}

export const benchRendererPlugins = (): Plugin[] => [...react(), cspMeta()];

export default defineConfig({
  root: benchRendererRoot,
  base: './',
  plugins: benchRendererPlugins(),
  logLevel: 'warn',
  build: {
    outDir: resolve(root, 'dist/bench-ui'),
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: false,
    rollupOptions: { input: { index: resolve(benchRendererRoot, 'index.html') } },
  },
});
