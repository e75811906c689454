import { defineConfig } from 'tsup';

// onnxruntime-* stay external: optional peers, loaded only when toOnnxRuntime is called.
export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  external: [/^@tensorflow\//, /^@convkit\//, /^onnxruntime-/],
});
