import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/**/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'docs/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**', '**/*.browser.test.ts'],
    reporters: ['default', './test/reporter.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // vitest's default on two cores is one worker; two overlap the PyTorch reference generation
    // (one Python thread) and file I/O of one test file with the compute of another.
    maxWorkers: 2,
    setupFiles: ['./test/setup.ts'],
  },
});
