// Builds the dashboard SPA (src/renderer/dashboard) into dist/dashboard, which the master
// serves at `/`. electron.vite.config.ts keeps building the Electron renderer separately.
import react from '@vitejs/plugin-react';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: resolve(root, 'src/renderer/dashboard'),
  base: '/',
  plugins: [react()],
  logLevel: 'warn',
  build: {
    outDir: resolve(root, 'dist/dashboard'),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 400,
    rollupOptions: { input: { index: resolve(root, 'src/renderer/dashboard/index.html') } },
  },
});
