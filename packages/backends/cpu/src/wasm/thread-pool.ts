// Helper threads (Node worker_threads, or Web Workers in a cross-origin isolated page) running
// the same wasm module on the shared memory.
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

// Runs inside the worker: spins ~1 ms after each call, then sleeps (waking from Atomics.wait
// costs 40–90 µs; a spinning helper answers in ~1 µs). Node passes the setup as workerData
// (CommonJS, eval mode), a browser as the first message.
const helperLoop = `
function helper({ module, memory, ctrl, names, tid, threads }) {
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
}
`;
const nodeWorkerSource = `${helperLoop}\nhelper(require('node:worker_threads').workerData);`;
const webWorkerSource = `${helperLoop}\nself.onmessage = (e) => helper(e.data);`;

interface NodeWorker {
  unref(): void;
  terminate(): Promise<number>;
  on(event: 'error', listener: (e: Error) => void): void;
}

interface WebWorker {
  postMessage(data: unknown): void;
  terminate(): void;
  onerror: ((e: unknown) => void) | null;
}

type WebWorkerConstructor = new (url: string, options?: { name?: string }) => WebWorker;

/** Web Workers with shared memory: a cross-origin isolated page (or worker). */
function webWorkers(): WebWorkerConstructor | undefined {
  const g = globalThis as {
    crossOriginIsolated?: boolean;
    Worker?: WebWorkerConstructor;
    Blob?: unknown;
    URL?: { createObjectURL?: unknown };
  };
  return g.crossOriginIsolated === true && g.Worker && g.Blob && g.URL?.createObjectURL ? g.Worker : undefined;
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
  return (
    typeof SharedArrayBuffer !== 'undefined' &&
    typeof Atomics !== 'undefined' &&
    (workerThreads() !== undefined || webWorkers() !== undefined)
  );
}

/** CPUs this process may use (Node's os.availableParallelism, a browser's hardwareConcurrency), or 1. */
export function availableCpus(): number {
  const os = builtin<{ availableParallelism?: () => number; cpus(): unknown[] }>('node:os');
  if (os) return os.availableParallelism?.() ?? os.cpus().length;
  return (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
}

// A browser's main thread may not block in Atomics.wait: there the host only spins.
const mayBlock = typeof (globalThis as { window?: unknown }).window === 'undefined';

export class ThreadPool {
  private readonly ctrl: Int32Array;
  private readonly workers: { terminate(): unknown }[] = [];
  private seq = 0;
  private failed = false;
  private url = '';

  /** `threads` counts the calling thread: threads − 1 helpers are started. */
  constructor(
    module: WebAssembly.Module,
    memory: WebAssembly.Memory,
    names: readonly string[],
    readonly threads: number,
  ) {
    const wt = workerThreads();
    const Web = wt ? undefined : webWorkers();
    if (!wt && !Web) throw new Error('no worker threads with shared memory here');
    this.ctrl = new Int32Array(new SharedArrayBuffer(4 * SLOT * (threads + 1)));
    const url = Web ? URL.createObjectURL(new Blob([webWorkerSource], { type: 'text/javascript' })) : '';
    this.url = url;
    for (let tid = 1; tid < threads; tid++) {
      this.ctrl[SLOT * tid] = 2;
      const setup = { module, memory, ctrl: this.ctrl.buffer, names, tid, threads };
      if (wt) {
        const worker = new wt.Worker(nodeWorkerSource, { eval: true, workerData: setup });
        worker.on('error', () => {
          this.failed = true;
        });
        // Helpers must never keep the process alive.
        worker.unref();
        this.workers.push(worker);
      } else if (Web) {
        const worker = new Web(url, { name: `convkit kernels ${tid}` });
        worker.onerror = () => {
          this.failed = true;
        };
        worker.postMessage(setup);
        this.workers.push(worker);
      }
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
        if (mayBlock) Atomics.wait(c, at, done, 1);
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
    if (this.url) URL.revokeObjectURL(this.url);
  }
}
