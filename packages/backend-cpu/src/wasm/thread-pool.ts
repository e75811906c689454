// Helper threads (Node workers) running the same wasm module on the shared memory.
//
// Protocol on a small Int32Array `ctrl` (SharedArrayBuffer): the host writes the function
// index and parameter pointer, bumps SEQ and opens every helper's JOIN slot (0). A helper that
// wins the compare-exchange of its JOIN 0→1 runs the function as thread `tid` and publishes
// its DONE = SEQ. When the host has finished its own share it closes each JOIN (0→2), and
// waits only for the helpers that had joined. Work inside a call is claimed item by item from
// an atomic counter, so a sleeping or slow helper costs nothing but its own items.

const SEQ = 0;
const FN = 1;
const PARAMS = 2;
const STOP = 3;
const READY = 4; // helpers that have instantiated the module
const SLOT = 8; // helper h (1-based) owns ctrl[SLOT·h] (JOIN) and ctrl[SLOT·h + 1] (DONE)

// Runs inside the worker (CommonJS, eval mode): spins ~1 ms after each call, then sleeps
// (waking from Atomics.wait costs 40–90 µs; a spinning helper answers in ~1 µs).
const workerSource = `
const { workerData } = require('node:worker_threads');
const { module, memory, ctrl, names, tid, threads } = workerData;
const ex = new WebAssembly.Instance(module, { env: { memory } }).exports;
const fns = names.map((n) => ex[n]);
const c = new Int32Array(ctrl);
const JOIN = ${SLOT} * tid, DONE = JOIN + 1;
Atomics.add(c, ${READY}, 1);
let spinUntil = performance.now() + 1;
for (;;) {
  if (Atomics.load(c, JOIN) === 0 && Atomics.compareExchange(c, JOIN, 0, 1) === 0) {
    const seq = Atomics.load(c, ${SEQ});
    fns[Atomics.load(c, ${FN})](Atomics.load(c, ${PARAMS}), tid, threads);
    Atomics.store(c, DONE, seq);
    Atomics.notify(c, DONE);
    spinUntil = performance.now() + 1;
    continue;
  }
  if (Atomics.load(c, ${STOP}) !== 0) break;
  if (performance.now() > spinUntil) {
    const j = Atomics.load(c, JOIN);
    if (j !== 0) Atomics.wait(c, JOIN, j);
    spinUntil = performance.now() + 1;
  }
}
`;

interface NodeWorker {
  unref(): void;
  terminate(): Promise<number>;
  on(event: 'error', listener: (e: Error) => void): void;
}

interface WorkerThreadsModule {
  Worker: new (source: string, options: { eval: true; workerData: unknown }) => NodeWorker;
}

function builtin<T>(id: string): T | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  try {
    return proc?.getBuiltinModule?.(id) as T | undefined;
  } catch {
    return undefined;
  }
}

/** `node:worker_threads` when running in Node (synchronously, via process.getBuiltinModule). */
function workerThreads(): WorkerThreadsModule | undefined {
  return builtin<WorkerThreadsModule>('node:worker_threads');
}

export function canUseThreads(): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && typeof Atomics !== 'undefined' && workerThreads() !== undefined;
}

/** CPUs this process may use (Node's os.availableParallelism), or 1 when unknown. */
export function availableCpus(): number {
  const os = builtin<{ availableParallelism?: () => number; cpus(): unknown[] }>('node:os');
  return os ? (os.availableParallelism?.() ?? os.cpus().length) : 1;
}

export class ThreadPool {
  private readonly ctrl: Int32Array;
  private readonly workers: NodeWorker[] = [];
  private seq = 0;
  private failed = false;

  /** `threads` counts the calling thread: threads − 1 helpers are started. */
  constructor(module: WebAssembly.Module, memory: WebAssembly.Memory, names: readonly string[], readonly threads: number) {
    const wt = workerThreads();
    if (!wt) throw new Error('worker_threads is not available');
    this.ctrl = new Int32Array(new SharedArrayBuffer(4 * SLOT * (threads + 1)));
    for (let tid = 1; tid < threads; tid++) {
      this.ctrl[SLOT * tid] = 2;
      const worker = new wt.Worker(workerSource, { eval: true, workerData: { module, memory, ctrl: this.ctrl.buffer, names, tid, threads } });
      worker.on('error', () => {
        this.failed = true;
      });
      // Helpers must never keep the process alive.
      worker.unref();
      this.workers.push(worker);
    }
  }

  /** True once every helper has instantiated the module (until then calls run on one thread). */
  get ready(): boolean {
    return !this.failed && Atomics.load(this.ctrl, READY) === this.threads - 1;
  }

  /** Runs `fn(params, tid, threads)` on this thread and the helpers; returns when all are done. */
  run(fnIndex: number, fn: (p: number, tid: number, nt: number) => void, params: number): void {
    const c = this.ctrl;
    const seq = ++this.seq;
    c[FN] = fnIndex;
    c[PARAMS] = params;
    Atomics.store(c, SEQ, seq);
    for (let tid = 1; tid < this.threads; tid++) {
      Atomics.store(c, SLOT * tid, 0);
      Atomics.notify(c, SLOT * tid);
    }
    fn(params, 0, this.threads);
    for (let tid = 1; tid < this.threads; tid++) {
      if (Atomics.compareExchange(c, SLOT * tid, 0, 2) === 0) continue;
      // The helper joined and is finishing its last item: spin briefly, then sleep (on a busy
      // machine the helper may have been descheduled, and spinning would only delay it).
      const at = SLOT * tid + 1;
      let done = Atomics.load(c, at);
      for (let i = 0; done !== seq && i < 20000; i++) done = Atomics.load(c, at);
      while (done !== seq) {
        Atomics.wait(c, at, done, 1);
        done = Atomics.load(c, at);
      }
    }
  }

  dispose(): void {
    Atomics.store(this.ctrl, STOP, 1);
    for (let tid = 1; tid < this.threads; tid++) {
      Atomics.store(this.ctrl, SLOT * tid, 2);
      Atomics.notify(this.ctrl, SLOT * tid);
    }
    for (const w of this.workers) void w.terminate();
  }
}
