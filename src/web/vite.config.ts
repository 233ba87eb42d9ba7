// Builds the browser side (console at `/`, viewer at each service_url) into dist/web. Assets get
// content hashes and live under /assets/, so the Node side can cache them forever; the two HTML
// pages are the only files that must never be cached. emptyOutDir stays off because tsc also emits
// the pure modules of src/web/lib into dist/web/lib for the Node-side unit tests.
import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root: here,
  // Relative: behind a proxy that serves the app under a path prefix, '/assets/' would miss it.
  // The console (at the root) finds ./assets/; the viewer page is rewritten per request (plugin.ts).
  base: './',
  logLevel: 'warn',
  build: {
    outDir: resolve(here, '../../dist/web'),
    emptyOutDir: false,
    assetsDir: 'assets',
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 600,
    rollupOptions: {
      input: {
        console: resolve(here, 'index.html'),
        viewer: resolve(here, 'viewer.html'),
      },
    },
  },
});
