// One helper thread (a Node worker) running the same wasm module on the shared memory.
//
// Protocol on a small Int32Array `ctrl` (SharedArrayBuffer): the host writes the function
// index and parameter pointer, bumps SEQ and opens JOIN (0). A helper that wins the
// compare-exchange JOIN 0→1 runs the function as thread 1 and publishes DONE = SEQ. When the
// host has finished its own share it closes JOIN (0→2); only if the helper had joined does it
// wait for DONE. Work inside a call is claimed item by item from an atomic counter, so a
// sleeping or slow helper costs nothing but its own items.

const SEQ = 0;
const FN = 1;
const PARAMS = 2;
const DONE = 3;
const JOIN = 4;
const STOP = 5;
const READY = 6;

// Runs inside the worker (CommonJS, eval mode): spins ~1 ms after each call, then sleeps
// (waking from Atomics.wait costs 40–90 µs; a spinning helper answers in ~1 µs).
const workerSource = `
const { workerData } = require('node:worker_threads');
const { module, memory, ctrl, names } = workerData;
const ex = new WebAssembly.Instance(module, { env: { memory } }).exports;
const fns = names.map((n) => ex[n]);
const c = new Int32Array(ctrl);
Atomics.store(c, ${READY}, 1);
let spinUntil = performance.now() + 1;
for (;;) {
  if (Atomics.load(c, ${JOIN}) === 0 && Atomics.compareExchange(c, ${JOIN}, 0, 1) === 0) {
    const seq = Atomics.load(c, ${SEQ});
    fns[Atomics.load(c, ${FN})](Atomics.load(c, ${PARAMS}), 1, 2);
    Atomics.store(c, ${DONE}, seq);
    Atomics.notify(c, ${DONE});
    spinUntil = performance.now() + 1;
    continue;
  }
  if (Atomics.load(c, ${STOP}) !== 0) break;
  if (performance.now() > spinUntil) {
    const j = Atomics.load(c, ${JOIN});
    if (j !== 0) Atomics.wait(c, ${JOIN}, j);
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

/** `node:worker_threads` when running in Node (synchronously, via process.getBuiltinModule). */
function workerThreads(): WorkerThreadsModule | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  try {
    return proc?.getBuiltinModule?.('node:worker_threads') as WorkerThreadsModule | undefined;
  } catch {
    return undefined;
  }
}

export function canUseThreads(): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && typeof Atomics !== 'undefined' && workerThreads() !== undefined;
}

export class ThreadPool {
  private readonly ctrl = new Int32Array(new SharedArrayBuffer(64));
  private readonly worker: NodeWorker;
  private seq = 0;
  private failed = false;

  constructor(module: WebAssembly.Module, memory: WebAssembly.Memory, names: readonly string[]) {
    const wt = workerThreads();
    if (!wt) throw new Error('worker_threads is not available');
    this.ctrl[JOIN] = 2;
    this.worker = new wt.Worker(workerSource, { eval: true, workerData: { module, memory, ctrl: this.ctrl.buffer, names } });
    this.worker.on('error', () => {
      this.failed = true;
    });
    // The helper must never keep the process alive.
    this.worker.unref();
  }

  /** True once the helper has instantiated the module (until then calls run on one thread). */
  get ready(): boolean {
    return !this.failed && Atomics.load(this.ctrl, READY) === 1;
  }

  /** Runs `fn(params, tid, 2)` on this thread and the helper; returns when both are done. */
  run(fnIndex: number, fn: (p: number, tid: number, nt: number) => void, params: number): void {
    const c = this.ctrl;
    const seq = ++this.seq;
    c[FN] = fnIndex;
    c[PARAMS] = params;
    Atomics.store(c, SEQ, seq);
    Atomics.store(c, JOIN, 0);
    Atomics.notify(c, JOIN);
    fn(params, 0, 2);
    if (Atomics.compareExchange(c, JOIN, 0, 2) !== 0) {
      // The helper joined and is finishing its last item: spin briefly, then sleep (on a busy
      // machine the helper may have been descheduled, and spinning would only delay it).
      let done = Atomics.load(c, DONE);
      for (let i = 0; done !== seq && i < 20000; i++) done = Atomics.load(c, DONE);
      while (done !== seq) {
        Atomics.wait(c, DONE, done, 1);
        done = Atomics.load(c, DONE);
      }
    }
  }

  dispose(): void {
    Atomics.store(this.ctrl, STOP, 1);
    Atomics.store(this.ctrl, JOIN, 2);
    Atomics.notify(this.ctrl, JOIN);
    void this.worker.terminate();
  }
}
