import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const page = (file: string) => fileURLToPath(new URL(file, import.meta.url));
// What a host must send for the page to be cross-origin isolated (see the README).
const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  base: './',
  // The Fashion-MNIST subset shipped in @convkit/data (gzipped IDX files, ~3 MB) is served as
  // static files next to the app; the page fetches them and parses them with readIdx.
  publicDir: fileURLToPath(new URL('./node_modules/@convkit/data/assets/fashion-mnist-subset', import.meta.url)),
  // tfjs-core keeps its kernel registry in module state: one copy for the whole page.
  resolve: { dedupe: ['@tensorflow/tfjs-core'] },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 2048,
    // Two pages: Fashion-MNIST (index.html) and "your images" (images.html).
    rolldownOptions: { input: { main: page('index.html'), images: page('images.html') } },
  },
  // Cross-origin isolated (SharedArrayBuffer): the CPU backend's kernels then run on worker threads.
  server: { host: '127.0.0.1', headers: isolation },
  preview: { host: '127.0.0.1', headers: isolation },
});
