import { defineConfig } from 'vite';

export default defineConfig({
  // Relative asset URLs: the built app works from any path (a sub-folder of a site, a file server).
  base: './',
  // tfjs-core keeps its kernel registry in module state: one copy for the whole page.
  resolve: { dedupe: ['@tensorflow/tfjs-core'] },
  build: { target: 'es2022', chunkSizeWarningLimit: 2048 },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
});
