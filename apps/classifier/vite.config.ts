import { defineConfig } from 'vite';

// What a host must send for the page to be cross-origin isolated (see the README).
const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  // Relative asset URLs: the built app works from any path (a sub-folder of a site, a file server).
  base: './',
  // tfjs-core keeps its kernel registry in module state: one copy for the whole page.
  resolve: { dedupe: ['@tensorflow/tfjs-core'] },
  build: { target: 'es2022', chunkSizeWarningLimit: 2048 },
  // Cross-origin isolated (SharedArrayBuffer): the CPU backend's kernels then run on worker threads.
  server: { host: '127.0.0.1', headers: isolation },
  preview: { host: '127.0.0.1', headers: isolation },
});
