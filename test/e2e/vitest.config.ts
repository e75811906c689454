// Browser tests of the built site and apps (`pnpm run build` first):
//   vitest run --config test/e2e/vitest.config.ts
// Each spec serves a dist/ folder on 127.0.0.1, drives Debian's Chromium with playwright-core,
// checks content and that the page logged no errors, and saves screenshots in test/e2e/screenshots.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { workspaceAliases } from '../workspace-aliases';

const root = fileURLToPath(new URL('../..', import.meta.url));
// Specs that make fixtures (a weights file) import the built packages by real path, as the
// browser config does: one module instance each, and one tfjs-core.
const workspace = workspaceAliases(root);

export default defineConfig({
  root,
  resolve: { alias: workspace },
  test: {
    include: ['test/e2e/**/*.browser.test.ts'],
    reporters: ['default', './test/reporter.ts'],
    // SwiftShader and the CPU backend share two cores: one page at a time.
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 120_000,
  },
});
