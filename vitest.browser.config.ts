// One spec for every backend: the files in test/browser run on 'cpu' in Node and on 'webgl' and
// 'webgpu' in headless Chromium (Debian's /usr/bin/chromium; WebGL2 and WebGPU on SwiftShader).
//   vitest run --config vitest.browser.config.ts [--project node-cpu|chromium]
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { workspaceAliases } from './test/workspace-aliases';

const root = fileURLToPath(new URL('.', import.meta.url));
// The browser-mode packages are devDependencies of @convkit/backend-webgl (the root package.json
// does not list them), so they are resolved from there.
const fromWebgl = createRequire(new URL('./packages/backends/webgl/package.json', import.meta.url));
const { playwright } = (await import(fromWebgl.resolve('@vitest/browser-playwright'))) as typeof import('@vitest/browser-playwright');

const workspace = workspaceAliases(root);
// onnxruntime-web is a devDependency of @convkit/onnx. Its wasm-only ESM build loads its .mjs
// glue and .wasm beside itself (import.meta.url), in Node and in the page alike, so it is
// served as is rather than pre-bundled into .vite/deps where those files are not.
const fromOnnx = createRequire(new URL('./packages/onnx/package.json', import.meta.url));
const ortWeb = {
  find: /^onnxruntime-web$/,
  replacement: fromOnnx.resolve('onnxruntime-web/wasm').replace(/ort\.wasm[^/]*$/, 'ort.wasm.min.mjs'),
};

const chromiumFlags = [
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--enable-unsafe-swiftshader',
  '--enable-unsafe-webgpu',
];

const common = {
  include: ['test/browser/**/*.browser.test.ts'],
  globalSetup: ['test/browser/global-setup.ts'],
  testTimeout: 180_000,
  hookTimeout: 300_000,
};

export default defineConfig({
  resolve: { alias: [...workspace, ortWeb], dedupe: ['@tensorflow/tfjs-core'] },
  optimizeDeps: {
    // Pre-bundled in one pass so tfjs-core is one shared chunk (two copies break the kernel
    // registry). The scan of the specs finds the backends through the @convkit packages; the deep
    // gradient import is named here so no mid-run re-optimisation reloads the page.
    include: ['@tensorflow/tfjs-core', '@tensorflow/tfjs-core/dist/register_all_gradients'],
    exclude: ['onnxruntime-web'],
  },
  // Cross-origin isolated pages (SharedArrayBuffer): the CPU backend's kernels then use workers.
  server: {
    fs: { allow: [root] },
    headers: { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' },
  },
  test: {
    // Reporters belong to the root config (vitest ignores them per project).
    reporters: ['default', './test/reporter.ts'],
    projects: [
      {
        extends: true,
        test: { ...common, name: 'node-cpu', environment: 'node', pool: 'forks', provide: { backends: ['cpu'] } },
      },
      {
        extends: true,
        test: {
          ...common,
          name: 'chromium',
          provide: { backends: ['webgl', 'webgpu'] },
          // SwiftShader has two cores to share: one file at a time.
          fileParallelism: false,
          browser: {
            enabled: true,
            headless: true,
            screenshotFailures: false,
            provider: playwright({ launchOptions: { executablePath: '/usr/bin/chromium', args: chromiumFlags } }),
            instances: [{ browser: 'chromium' }],
          },
        },
      },
    ],
  },
});
