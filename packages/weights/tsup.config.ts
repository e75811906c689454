import { defineConfig } from 'tsup';

// Keep `node:` specifiers: browser bundlers then know the (lazily imported) Node-only paths are built-ins.
export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  removeNodeProtocol: false,
  external: [/^@tensorflow\//, /^@convkit\//],
});
