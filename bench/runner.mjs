// Runs one benchmark configuration (bench/run-one.mjs, or PyTorch's script) in a process of its own
// and returns its JSON line ({medianMs, minMs, maxMs, peakRssMB}) or {error}.
import { spawnSync } from 'node:child_process';

const PYTHON = '/usr/bin/python3';

function runsFor(runner, batch) {
  if (runner === 'tfjs-cpu') return 1;
  if (runner === 'tfjs-wasm') return batch === 1 ? 3 : 2;
  return batch === 1 ? 7 : 3;
}

// Node 20 has relaxed SIMD (FMA) behind a flag; Node >= 22 and current browsers have it on.
export const RELAXED_FLAG = '--experimental-wasm-relaxed-simd';

export function run(runner, model, batch) {
  const runs = runsFor(runner, batch);
  const oneRun = (name, flags = []) => [
    process.execPath,
    [...flags, new URL('run-one.mjs', import.meta.url).pathname, name, model, String(batch), String(runs)],
  ];
  const [cmd, argv] =
    runner === 'pytorch'
      ? [PYTHON, [new URL('../scripts/bench/torch_bench.py', import.meta.url).pathname, model, String(batch), String(runs)]]
      : runner === 'convkit-relaxed'
        ? oneRun('convkit', [RELAXED_FLAG])
        : oneRun(runner);
  const r = spawnSync(cmd, argv, { encoding: 'utf8', timeout: 15 * 60_000, maxBuffer: 1 << 24 });
  const line = r.stdout.trim().split('\n').at(-1);
  try {
    return JSON.parse(line);
  } catch {
    return { error: (r.stderr || r.stdout || `exit ${r.status}`).trim().split('\n').filter(Boolean).slice(-1)[0]?.slice(0, 120) };
  }
}
