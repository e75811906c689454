import { FormatError } from '@convkit/core';
import { decodeValues, gatherStrided, ITEM_SIZE, type SourceDType } from './dtypes';
import { type PyCallable, PyTuple, unpickle } from './pickle';
import { asBytes, numel, type RawTensor, type WeightFile } from './weight-file';
import { readZip } from './zip';

const STORAGE_TYPES: Record<string, SourceDType> = {
  FloatStorage: 'F32',
  HalfStorage: 'F16',
  BFloat16Storage: 'BF16',
  DoubleStorage: 'F64',
  LongStorage: 'I64',
  IntStorage: 'I32',
  ShortStorage: 'I16',
  CharStorage: 'I8',
  ByteStorage: 'U8',
  BoolStorage: 'BOOL',
};

class StorageType {
  constructor(readonly dtype: SourceDType) {}
}

class Storage {
  constructor(
    readonly key: string,
    readonly dtype: SourceDType,
    readonly numel: number,
    readonly bytes: Uint8Array,
  ) {}
}

class TensorRef {
  constructor(
    readonly storage: Storage,
    readonly offset: number,
    readonly shape: number[],
    readonly strides: number[],
  ) {}
}

// Expanded tensors (stride 0) may legitimately hold more elements than their storage; this caps
// what a lying size can make us allocate when the storage is tiny.
const MAX_EXPANDED_ELEMENTS = 1 << 24;

function fn(qualifiedName: string, call: (args: unknown[], where: string) => unknown): PyCallable {
  return { qualifiedName, call };
}

function intList(value: unknown, what: string, where: string): number[] {
  const items = value instanceof PyTuple ? value.items : Array.isArray(value) ? value : null;
  if (!items || !items.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
    throw new FormatError(where, `${what} must be a tuple of non-negative integers`);
  }
  return items as number[];
}

function rebuildTensor(args: unknown[], where: string): TensorRef {
  const [storage, offset, sizeArg, strideArg] = args;
  if (!(storage instanceof Storage)) throw new FormatError(where, '_rebuild_tensor_v2 expects a storage as first argument');
  if (!Number.isSafeInteger(offset) || (offset as number) < 0) throw new FormatError(where, `bad storage offset ${String(offset)}`);
  const shape = intList(sizeArg, 'size', where);
  const strides = intList(strideArg, 'stride', where);
  if (strides.length !== shape.length) throw new FormatError(where, `size [${shape}] and stride [${strides}] differ in rank`);
  const count = numel(shape);
  if (count > 0) {
    const last = shape.reduce((acc, d, i) => acc + (d - 1) * strides[i], offset as number);
    if (last >= storage.numel) {
      throw new FormatError(
        where,
        `view (offset ${offset}, size [${shape}], stride [${strides}]) reaches element ${last} of storage ${storage.key} holding ${storage.numel}`,
      );
    }
    if (count > storage.numel && count > MAX_EXPANDED_ELEMENTS)
      throw new FormatError(where, `${count} elements from a storage of ${storage.numel}`);
  }
  return new TensorRef(storage, offset as number, shape, strides);
}

/** The allowlist: globals a state dict needs; anything else is refused by name. */
export function allowedGlobal(module: string, name: string, where: string): unknown {
  const qualified = `${module}.${name}`;
  if (module === 'collections' && name === 'OrderedDict') return fn(qualified, () => new Map());
  if (module === 'torch._utils' && name === '_rebuild_tensor_v2') return fn(qualified, rebuildTensor);
  if (module === 'torch._utils' && name === '_rebuild_parameter') {
    return fn(qualified, ([data], w) => {
      if (!(data instanceof TensorRef)) throw new FormatError(w, '_rebuild_parameter of something that is not a tensor');
      return data;
    });
  }
  if (module === 'torch' && name === 'Size') return fn(qualified, ([dims]) => dims);
  if (module === 'torch' && Object.prototype.hasOwnProperty.call(STORAGE_TYPES, name)) return new StorageType(STORAGE_TYPES[name]);
  throw new FormatError(
    where,
    `refusing to load global '${qualified}': only tensor-rebuilding globals are allowed (this file may be malicious, or a whole pickled model: save model.state_dict() instead)`,
  );
}

/**
 * Reads a PyTorch checkpoint written by `torch.save` (zip format, PyTorch 1.6+). The pickle is
 * read by a restricted unpickler; nested checkpoints (`{state_dict: …}`, `{model: …}`) are unwrapped.
 */
export function parsePth(input: ArrayBuffer | ArrayBufferView, name = 'checkpoint.pth'): WeightFile {
  const bytes = asBytes(input);
  const zip = readZip(bytes, name);
  const pickleName = [...zip.entries.keys()].find((k) => /^[^/]+\/data\.pkl$/.test(k));
  if (!pickleName)
    throw new FormatError(
      name,
      `no <folder>/data.pkl in the zip: not a torch.save checkpoint (entries: ${[...zip.entries.keys()].slice(0, 8).join(', ')})`,
    );
  const folder = pickleName.slice(0, -'data.pkl'.length);
  const order = zip.entries.has(`${folder}byteorder`) ? new TextDecoder().decode(zip.read(`${folder}byteorder`)).trim() : 'little';
  if (order !== 'little' && order !== 'big') throw new FormatError(`${name}: ${folder}byteorder`, `unknown byte order '${order}'`);
  const storages = new Map<string, Storage>();

  const persistentLoad = (pid: unknown, where: string): Storage => {
    const items = pid instanceof PyTuple ? pid.items : [];
    const [kind, type, key, , count] = items;
    if (
      kind !== 'storage' ||
      !(type instanceof StorageType) ||
      typeof key !== 'string' ||
      !Number.isSafeInteger(count) ||
      (count as number) < 0
    ) {
      throw new FormatError(where, 'persistent id is not a (storage, type, key, location, numel) tuple');
    }
    const known = storages.get(key);
    if (known) return known;
    const entry = `${folder}data/${key}`;
    if (!zip.entries.has(entry))
      throw new FormatError(`${name}: ${entry}`, `storage ${key} is referenced by the pickle but missing from the archive`);
    const data = zip.read(entry);
    const needed = (count as number) * ITEM_SIZE[type.dtype];
    if (data.byteLength < needed)
      throw new FormatError(
        `${name}: ${entry}`,
        `storage holds ${data.byteLength} bytes, ${needed} needed for ${count} ${type.dtype} elements`,
      );
    const storage = new Storage(key, type.dtype, count as number, data);
    storages.set(key, storage);
    return storage;
  };

  const root = unpickle(zip.read(pickleName), { where: `${name}: ${pickleName}`, findClass: allowedGlobal, persistentLoad });
  const dict = findStateDict(root, name);
  const tensors: RawTensor[] = [...dict].map(([key, ref]) => {
    const { storage, offset, shape, strides } = ref;
    const where = `${name}: ${key}`;
    let gathered: Uint8Array | undefined;
    const bytesOf = () => (gathered ??= gatherStrided(storage.bytes, ITEM_SIZE[storage.dtype], offset, shape, strides, order === 'big'));
    return {
      key,
      dtype: storage.dtype,
      shape,
      byteLength: numel(shape) * ITEM_SIZE[storage.dtype],
      bytes: bytesOf,
      read: () => decodeValues(bytesOf(), storage.dtype, where),
    };
  });
  return { format: 'pth', name, tensors, metadata: {}, layout: 'pytorch' };
}

const NESTED_KEYS = ['state_dict', 'model', 'model_state_dict', 'module', 'net', 'network'];

/** The dict of tensors inside a checkpoint: the root itself or one of the usual wrapper keys. */
function findStateDict(root: unknown, name: string, depth = 0): Map<string, TensorRef> {
  if (root instanceof Map) {
    const tensors = new Map<string, TensorRef>();
    for (const [k, v] of root) if (typeof k === 'string' && v instanceof TensorRef) tensors.set(k, v);
    if (tensors.size) return tensors;
    // Bounded depth: a crafted pickle can make a dict contain itself.
    if (depth < 4) {
      for (const key of NESTED_KEYS) if (root.get(key) instanceof Map) return findStateDict(root.get(key), name, depth + 1);
    }
    const keys = [...root.keys()].filter((k) => typeof k === 'string').slice(0, 10);
    throw new FormatError(
      name,
      `no tensors found: top-level keys are [${keys.join(', ')}] (looked for a state dict, or one under ${NESTED_KEYS.join('/')})`,
    );
  }
  throw new FormatError(name, 'the checkpoint is not a dict of tensors (a state_dict)');
}
