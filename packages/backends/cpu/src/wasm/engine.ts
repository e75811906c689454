// Loads the SIMD kernels into a WebAssembly.Memory the host manages (scratch blocks freed
// before every kernel call, packed weights and kernel outputs that outlive it) and runs them
// on the calling thread plus helper threads.
import * as binaries from '../__generated__/wasm-binaries';
import { Heap } from './heap';
import { availableCpus, canUseThreads, ThreadPool } from './thread-pool';

/** Exported kernels, in the order the helper threads index them. */
export const kernelNames = [
  'gemm',
  'packB',
  'im2col',
  'depthwise',
  'depthwiseFilterGrad',
  'winogradInput',
  'winogradOutput',
  'elementwise',
  'channelSums',
  'channelAffine',
  'maxPool',
  'maxPoolGrad',
  'copyRows',
] as const;
export type KernelName = (typeof kernelNames)[number];
type KernelFn = (p: number, tid: number, nt: number) => void;

const PARAMS = 1024; // parameter block (64 i32 slots); 4096.. holds per-thread scratch
const HEAP = 65536;
const MAX_PAGES = 32768; // must match --maximumMemory in scripts/build-wasm.mjs
const PERSISTENT_LIMIT = 1 << 30; // bytes of cached packed weights
const MAX_THREADS = 16; // beyond this, helpers would mostly wait for work items
const RESIDENT_LIMIT = 1 << 30; // bytes of tensor outputs kept in wasm memory

/**
 * Kernel outputs that live in wasm memory: the engine and block behind each view. Process-wide,
 * like the backend it serves, so that a second copy of this package frees the first one's blocks.
 */
const residentViews: WeakMap<Float32Array, { engine: Engine; ptr: number }> = ((globalThis as Record<symbol, unknown>)[
  Symbol.for('convkit.backend-cpu.resident-views')
] ??= new WeakMap()) as WeakMap<Float32Array, { engine: Engine; ptr: number }>;

/** Whether `values` is a tensor output living in an engine's wasm memory. */
export function isResident(values: unknown): boolean {
  return values instanceof Float32Array && residentViews.has(values);
}

/** Frees the wasm block behind a resident output (when its tensor's data is disposed). */
export function releaseResident(values: unknown): void {
  if (!(values instanceof Float32Array)) return;
  const r = residentViews.get(values);
  if (!r) return;
  residentViews.delete(values);
  r.engine.freeResident(r.ptr);
}

/** Thrown when a kernel would need more than the 2 GiB of wasm memory (kernels then fall back to tfjs). */
export class WasmOutOfMemory extends RangeError {
  constructor(bytes: number) {
    super(`convkit wasm kernels: ${bytes} bytes exceed the 2 GiB of WebAssembly memory`);
  }
}

/** Bytes for `floats` f32, 64-byte aligned, with 64 bytes of slack for vector over-reads. */
function roundBytes(floats: number): number {
  return Math.ceil((floats * 4 + 64) / 64) * 64;
}

function decode(b64: string): Uint8Array<ArrayBuffer> {
  if (typeof Buffer !== 'undefined') return Uint8Array.from(Buffer.from(b64, 'base64'));
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

function compile(b64: string): WebAssembly.Module | undefined {
  const bytes = decode(b64);
  return WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : undefined;
}

export interface EngineOptions {
  /**
   * Threads the kernels run on, counting the calling one (the rest are worker threads on a
   * shared memory). Defaults to the CPUs available to the process (at most 16) where workers
   * and shared memory exist, else 1.
   */
  threads?: number;
  /** Use relaxed-SIMD FMA when the runtime supports it (default true). */
  relaxedSimd?: boolean;
  /**
   * Node only, opt-in: when the runtime has relaxed SIMD behind a flag (Node 20), turn on
   * V8's `--experimental-wasm-relaxed-simd` for this process. ~1.5× faster GEMMs, but it
   * changes a process-wide V8 setting at run time, which Node documents as unsupported.
   */
  enableV8RelaxedSimdFlag?: boolean;
  /** Use Winograd F(2×2,3×3) for stride-1 3×3 convolutions (default true). */
  winograd?: boolean;
  /**
   * Keep kernel outputs in the (shared) wasm memory, so the next kernel reads them without a
   * copy (default true where memory is shared, i.e. with threads). Reading a tensor's data
   * still gives an ordinary copy.
   */
  residentTensors?: boolean;
}

const relaxedFlag = '--experimental-wasm-relaxed-simd';

function setV8Flag(flag: string): boolean {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  try {
    const v8 = proc?.getBuiltinModule?.('node:v8') as { setFlagsFromString(flags: string): void } | undefined;
    v8?.setFlagsFromString(flag);
    return v8 !== undefined;
  } catch {
    return false;
  }
}

export class Engine {
  readonly memory: WebAssembly.Memory;
  readonly threads: number;
  readonly relaxedSimd: boolean;
  private readonly fns: Record<KernelName, KernelFn>;
  private readonly pool: ThreadPool | undefined;
  /** Kernel launches so far, in all and by kernel (tests use them to see which path ran). */
  calls = 0;
  readonly launches: Record<string, number> = {};
  readonly winograd: boolean;
  /** Whether kernel outputs stay in wasm memory (see `residentTensors`). */
  readonly resident: boolean;
  private readonly heap = new Heap(HEAP);
  /** Blocks freed by the next reset(): a kernel's scratch, and outputs it has not handed out. */
  private transient: number[] = [];
  private persistentBytes = 0;
  private residentBytes = 0;
  private disposed = false;
  private readonly packedCache = new WeakMap<object, { values: Float32Array; byKind: Map<string, number> }>();
  private readonly seen = new WeakMap<object, Set<string>>();
  private readonly finalizer = new FinalizationRegistry<number>((ptr) => {
    if (!this.disposed) this.freePersistent(ptr);
  });
  private f32View: Float32Array;
  private i32View: Int32Array;

  constructor(options: EngineOptions = {}) {
    const threads = Math.max(1, Math.floor(options.threads ?? Math.min(availableCpus(), MAX_THREADS)));
    const wantThreads = threads > 1 && canUseThreads();
    const relaxedBinary = wantThreads ? binaries.relaxedShared : binaries.relaxed;
    let relaxed = options.relaxedSimd !== false ? compile(relaxedBinary) : undefined;
    if (!relaxed && options.relaxedSimd !== false && options.enableV8RelaxedSimdFlag && setV8Flag(relaxedFlag))
      relaxed = compile(relaxedBinary);
    const module = relaxed ?? compile(wantThreads ? binaries.simdShared : binaries.simd);
    if (!module) throw new Error('WebAssembly SIMD is not supported by this runtime');
    this.relaxedSimd = relaxed !== undefined;
    this.memory = wantThreads
      ? new WebAssembly.Memory({ initial: 32, maximum: MAX_PAGES, shared: true })
      : new WebAssembly.Memory({ initial: 32, maximum: MAX_PAGES });
    const exports = new WebAssembly.Instance(module, { env: { memory: this.memory } }).exports as unknown as Record<KernelName, KernelFn>;
    this.fns = exports;
    let pool: ThreadPool | undefined;
    if (wantThreads) {
      try {
        pool = new ThreadPool(module, this.memory, kernelNames, Math.min(threads, MAX_THREADS));
      } catch {
        pool = undefined;
      }
    }
    this.pool = pool;
    this.threads = pool ? pool.threads : 1;
    this.winograd = options.winograd !== false;
    // Views on unshared memory are detached when it grows: only shared memory can hold them.
    this.resident = wantThreads && options.residentTensors !== false;
    this.f32View = new Float32Array(this.memory.buffer);
    this.i32View = new Int32Array(this.memory.buffer);
  }

  /** Whether the helper threads have started (until then kernels run on the calling thread). */
  get helpersReady(): boolean {
    return this.pool?.ready ?? false;
  }

  /** Frees every transient allocation (call at the start of each kernel). */
  reset(): void {
    for (const ptr of this.transient) this.heap.release(ptr);
    this.transient = [];
  }

  private ensure(end: number): void {
    const have = this.memory.buffer.byteLength / 65536;
    if (end > have * 65536) {
      const pages = Math.ceil(end / 65536) - have;
      if (have + pages > MAX_PAGES) throw new WasmOutOfMemory(end);
      this.memory.grow(Math.min(Math.max(pages, 16), MAX_PAGES - have));
    }
  }

  private block(floats: number): number {
    const bytes = roundBytes(floats);
    const ptr = this.heap.alloc(bytes);
    try {
      this.ensure(this.heap.top);
    } catch (e) {
      this.heap.release(ptr);
      throw e;
    }
    return ptr;
  }

  /** A block that survives reset() (packed weights). */
  private allocPersistent(floats: number): number {
    const ptr = this.block(floats);
    this.persistentBytes += this.heap.sizeOf(ptr);
    return ptr;
  }

  private freePersistent(ptr: number): void {
    this.persistentBytes -= this.heap.sizeOf(ptr);
    this.heap.release(ptr);
  }

  /** Bytes of kernel outputs now held in wasm memory. */
  get residentBytesInUse(): number {
    return this.residentBytes;
  }

  /** Called by releaseResident. */
  freeResident(ptr: number): void {
    if (this.disposed) return;
    this.residentBytes -= this.heap.sizeOf(ptr);
    this.heap.release(ptr);
  }

  /**
   * Packed form of a weight tensor (`key` is its tfjs dataId — tensor data is immutable — and
   * `kind` names the packing, shape included). Weights seen a second time are packed once into
   * a block kept until the dataId is garbage-collected, so inference does not re-copy and
   * re-pack them; weights that change every step (training) are packed into transient memory.
   */
  packed(key: object, values: Float32Array, kind: string, floats: number, pack: (dst: number) => void): number {
    const entry = this.packedCache.get(key);
    const cached = entry?.values === values ? entry.byKind.get(kind) : undefined;
    if (cached !== undefined) return cached;
    let kinds = this.seen.get(key);
    const again = kinds?.has(kind) ?? false;
    if (!kinds) this.seen.set(key, (kinds = new Set()));
    kinds.add(kind);
    if (!again || this.persistentBytes + floats * 4 > PERSISTENT_LIMIT) {
      const dst = this.alloc(floats);
      pack(dst);
      return dst;
    }
    const dst = this.allocPersistent(floats);
    pack(dst);
    let cache = this.packedCache.get(key);
    if (cache?.values !== values) this.packedCache.set(key, (cache = { values, byKind: new Map() }));
    cache.byKind.set(kind, dst);
    this.finalizer.register(key, dst);
    return dst;
  }

  /** Allocates `floats` f32 (64-byte aligned, with slack for vector over-reads) until reset(). */
  alloc(floats: number): number {
    const ptr = this.block(floats);
    this.transient.push(ptr);
    return ptr;
  }

  /**
   * Memory for a kernel's output of `floats` values; `result` turns it into the tensor's values
   * (a view that stays in wasm memory when resident, else a copy).
   */
  output(floats: number): number {
    return this.alloc(floats);
  }

  /** The values of an output block: a resident view (the block then outlives reset()) or a copy. */
  result(ptr: number, floats: number): Float32Array {
    const bytes = this.heap.sizeOf(ptr);
    if (!this.resident || this.residentBytes + bytes > RESIDENT_LIMIT || !this.transient.includes(ptr)) return this.take(ptr, floats);
    this.transient.splice(this.transient.indexOf(ptr), 1);
    this.residentBytes += bytes;
    const view = new Float32Array(this.memory.buffer, ptr, floats);
    residentViews.set(view, { engine: this, ptr });
    return view;
  }

  /** A read-only pointer to `values`: where it already lives when resident, else a copy. */
  input(values: Float32Array): number {
    const r = residentViews.get(values);
    return r?.engine === this ? r.ptr : this.put(values);
  }

  /** Copies `values` (resident or not) to `ptr`. */
  write(ptr: number, values: Float32Array): void {
    const r = residentViews.get(values);
    if (r?.engine === this) this.f32.copyWithin(ptr >> 2, r.ptr >> 2, (r.ptr >> 2) + values.length);
    else this.f32.set(values, ptr >> 2);
  }

  /** A Float32Array over the whole memory (recreated after growth). */
  get f32(): Float32Array {
    if (this.f32View.buffer.byteLength !== this.memory.buffer.byteLength) this.f32View = new Float32Array(this.memory.buffer);
    return this.f32View;
  }

  private get i32(): Int32Array {
    if (this.i32View.buffer.byteLength !== this.memory.buffer.byteLength) this.i32View = new Int32Array(this.memory.buffer);
    return this.i32View;
  }

  /** Copies `values` into fresh memory and returns the pointer. */
  put(values: ArrayLike<number>): number {
    const ptr = this.alloc(values.length);
    this.f32.set(values, ptr >> 2);
    return ptr;
  }

  /** Allocates and zero-fills. */
  zeros(floats: number): number {
    const ptr = this.alloc(floats);
    this.f32.fill(0, ptr >> 2, (ptr >> 2) + floats);
    return ptr;
  }

  /** Copies `floats` values out of memory into a new (unshared) Float32Array. */
  take(ptr: number, floats: number): Float32Array {
    return this.f32.slice(ptr >> 2, (ptr >> 2) + floats);
  }

  /**
   * Runs a kernel with an i32 parameter block (its work counter slot must be 0). `parallel`
   * false keeps small jobs on this thread (waking the helpers costs more than they take).
   */
  run(name: KernelName, params: readonly number[], parallel = true): void {
    this.calls++;
    this.launches[name] = (this.launches[name] ?? 0) + 1;
    this.i32.set(params, PARAMS >> 2);
    const fn = this.fns[name];
    if (parallel && this.pool?.ready) this.pool.run(kernelNames.indexOf(name), fn, PARAMS);
    else fn(PARAMS, 0, 1);
  }

  dispose(): void {
    this.disposed = true;
    this.pool?.dispose();
  }
}
