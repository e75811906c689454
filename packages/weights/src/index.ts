export { FetchError, IntegrityError } from './errors';
export type { SourceDType } from './dtypes';
export type { Layout, RawTensor, WeightFile, WeightFormat } from './weight-file';
export { parseSafetensors, readSafetensors } from './safetensors-read';
export { writeSafetensors, encodeSafetensors, type RawEntry } from './safetensors-write';
export { parsePth } from './pth';
export { parseTfjsManifest, planTfjsManifest, type ShardLoader } from './tfjs-manifest';
export { detectFormat, parseWeights } from './parse';
// The layout conversion lives in @convkit/core (onnx's export shares it); these names stay for compatibility.
export {
  chooseConversion,
  toTfjsValues as convertValues,
  toTfjsShape as convertedShape,
  type LayoutConversion as Conversion,
  type FlattenedInput,
} from '@convkit/core';
export { fetchWeights, type FetchProgress, type FetchWeightsOptions } from './fetch-weights';
export { defaultCacheDir, directoryCache, cacheStorage, type WeightsCache } from './cache';
export { sha256Hex, hashPrefixFromFileName } from './sha256';
export { openWeights, type OpenWeightsOptions, type WeightSource, type WeightsEntry } from './source';
export {
  loadWeights,
  applyWeights,
  type ApplyWeightsOptions,
  type LoadWeightsOptions,
  type LoadWeightsResult,
  type LoadProgress,
  type KeyPattern,
} from './load-weights';
export { inspectWeights, convertPthToSafetensors, type WeightsInspection } from './inspect';
export { saveWeights, type SaveWeightsOptions } from './save-weights';
export { loadHubFolder, parseHubConfig, readHubConfig, type HubConfig } from './hub-folder';
