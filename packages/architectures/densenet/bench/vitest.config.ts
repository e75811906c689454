import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Run from the repository root: npx vitest run --config packages/architectures/densenet/bench/vitest.config.ts
export default defineConfig({
  root: fileURLToPath(new URL('../../../..', import.meta.url)),
  test: {
    include: ['packages/architectures/densenet/bench/*.bench-run.ts'],
    testTimeout: 1_200_000,
    setupFiles: ['./test/setup.ts'],
  },
});
