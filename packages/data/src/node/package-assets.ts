import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package's `assets/` folder. This module runs from `src/node/` under tests and from `dist/`
 * once built (ESM, or CJS where tsup shims `import.meta.url`), so walk up instead of assuming depth.
 */
export function packageAssetsDir(): string {
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start, i = 0; i < 4; i++, dir = dirname(dir)) {
    if (existsSync(join(dir, 'assets', 'fashion-mnist-subset'))) return join(dir, 'assets');
  }
  throw new Error(`@convkit/data: assets/ not found above ${start} (was the package installed without its files?)`);
}
