// @convkit/test-utils: the helpers every test may use, browser-safe (no node: imports), so the
// specs of test/browser run them in Chromium too. Fixture tables have their own entries
// (./op-cases, ./small-cnn); Node-only helpers are in ./node (files, PyTorch) and ./onnx.
export {
  type Closeness,
  closeness,
  expectClose,
  expectCloseAsync,
  expectNoLeaks,
  relativeDiff,
  relativeDiffAsync,
  scalar,
  type Tolerance,
} from './compare';
export { expectFormatError } from './errors';
export { heScaledConvs, inputDependence } from './informative-weights';
export { type EncodedTensor, toTensor } from './tensors';
