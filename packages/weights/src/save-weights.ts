import {
  flattenedInputs,
  type Layout,
  type Module,
  OptionError,
  parameterConversion,
  toPytorchShape,
  toPytorchValues,
} from '@convkit/core';
import { encodeSafetensors, encodeValues, type RawEntry, safetensorsDType, writeSafetensors } from './safetensors-write';

export interface SaveWeightsOptions {
  metadata?: Record<string, string>;
  /**
   * 'pytorch' (default): conv weights `[out,in,kh,kw]`, Linear `[out,in]` with a flattened map's
   * inputs in C,H,W order — the file loads with `safetensors.torch.load_file` + `load_state_dict`
   * into the same PyTorch module. 'tfjs': convkit's own layout, stored as is.
   */
  layout?: Layout;
}

/**
 * A module's state dict as safetensors. The metadata records the layout, and `loadWeights`
 * reads either back into the module.
 */
export function saveWeights(model: Module, options: SaveWeightsOptions = {}): Uint8Array {
  if (typeof options !== 'object' || options === null)
    throw new OptionError(
      'saveWeights.options',
      `expected an options object, got ${typeof options === 'string' ? `the string '${options}'` : String(options)}; saveWeights returns the bytes (write them with fs.writeFileSync)`,
    );
  const { layout = 'pytorch' } = options;
  if (layout !== 'pytorch' && layout !== 'tfjs')
    throw new OptionError('saveWeights.layout', `must be 'pytorch' or 'tfjs', got '${layout}'`);
  const metadata = { ...options.metadata, format: layout === 'pytorch' ? 'pt' : 'convkit', layout };
  if (layout === 'tfjs') return writeSafetensors(model.stateDict(), { metadata });
  const flattened = flattenedInputs(model);
  const entries: RawEntry[] = Object.entries(model.stateDict()).map(([key, t]) => {
    const dtype = safetensorsDType(key, t);
    const c = parameterConversion(t.shape, flattened.get(key.slice(0, key.lastIndexOf('.'))));
    const values = toPytorchValues(t.dataSync() as Float32Array | Int32Array, t.shape, c);
    return { key, dtype, shape: toPytorchShape(t.shape, c), bytes: encodeValues(values, dtype) };
  });
  return encodeSafetensors(entries, metadata);
}
