import { defineConfig } from 'tsup';

const common = { format: ['esm', 'cjs'] as const, clean: false, external: [/^@tensorflow\//, '#register-gradients'] };

export default defineConfig([
  { ...common, entry: ['src/index.ts'], dts: true },
  { ...common, entry: ['src/register-gradients.ts'] },
  // tfjs-core's gradient files are inlined here (see the file's comment), so they are not external.
  { ...common, entry: ['src/register-gradients.node.ts'], external: [], noExternal: [/register_all_gradients/], platform: 'node' },
]);
