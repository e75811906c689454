// PyTorch module paths recovered from the scope names torch.onnx.export writes into node names.

/**
 * `/layer1/layer1.0/conv1/Conv` → `layer1.0.conv1`: each scope level names a child either by its
 * full dotted path under the previous level (`layer1.0` under `layer1`) or by its own name.
 * `undefined` when the node carries no scope.
 */
export function scopePath(nodeName: string): string | undefined {
  if (!nodeName.startsWith('/')) return undefined;
  const levels = nodeName.split('/').slice(1, -1).filter(Boolean);
  if (levels.length === 0) return undefined;
  const path: string[] = [];
  let previous = '';
  for (const level of levels) {
    path.push(previous && level.startsWith(`${previous}.`) ? level.slice(previous.length + 1) : level);
    previous = level;
  }
  return path.join('.');
}

/** A state-dict-like initializer name (`bn1.running_mean`), not one torch made up (`onnx::Conv_123`). */
export const isModuleName = (name: string): boolean => /^[A-Za-z_][\w.-]*$/.test(name);

/** Makes `key` unique among `used` with a numeric suffix on its last part. */
export function uniqueKey(key: string, used: Set<string>): string {
  let out = key;
  for (let i = 1; used.has(out); i++) out = `${key}_${i}`;
  used.add(out);
  return out;
}
