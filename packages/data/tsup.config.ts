import { defineConfig } from 'tsup';

// shims: the CJS build gets an import.meta.url (package-assets.ts finds assets/ through it).
export default defineConfig({
  entry: ['src/index.ts', 'src/node.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  shims: true,
  external: [/^@tensorflow\//, /^@convkit\//],
});
