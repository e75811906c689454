// Shared helpers for the release scripts: workspace discovery, packing, running commands with
// a time limit, and the pinned tools in scripts/release/tools (installed with `npm ci` on first use).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const releaseDir = join(dirname(fileURLToPath(import.meta.url)), '..');
export const repoRoot = join(releaseDir, '..', '..');
export const toolsDir = join(releaseDir, 'tools');

export function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** Public workspace packages (as pnpm sees the workspace), sorted by name. */
export function publicPackages(root = repoRoot) {
  const out = run('pnpm', ['ls', '-r', '--depth', '-1', '--json'], { cwd: root, quiet: true });
  const all = JSON.parse(out.stdout);
  return all
    .filter((p) => p.path !== root && !p.private && p.name)
    .map((p) => ({ name: p.name, dir: p.path, rel: relative(root, p.path), manifest: readJson(join(p.path, 'package.json')) }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** `@convkit/resnet` → `resnet`. */
export const shortName = (name) => name.replace(/^@[^/]+\//, '');

export function tempDir(prefix) {
  return mkdtempSync(join(tmpdir(), `convkit-${prefix}-`));
}

/**
 * Runs a command synchronously; throws with its output on a non-zero exit unless `allowFail`.
 * `timeoutS` kills it (SIGKILL) past the limit.
 */
export function run(cmd, args, { cwd = repoRoot, env, quiet = false, allowFail = false, timeoutS = 600, input } = {}) {
  const started = Date.now();
  const r = spawnSync(cmd, args, {
    cwd,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    timeout: timeoutS * 1000,
    killSignal: 'SIGKILL',
    input,
  });
  const seconds = (Date.now() - started) / 1000;
  const result = { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', seconds, timedOut: r.error?.code === 'ETIMEDOUT' };
  if (!quiet && (r.stdout || r.stderr)) process.stdout.write(indent(`${r.stdout}${r.stderr}`));
  if ((r.status !== 0 || r.error) && !allowFail) {
    const why = result.timedOut ? `timed out after ${timeoutS} s` : r.error ? r.error.message : `exit ${r.status}`;
    const err = new Error(
      `${cmd} ${args.join(' ')} (in ${cwd}): ${why}\n${quiet ? indent(`${result.stdout}${result.stderr}`.slice(-6000)) : ''}`,
    );
    err.result = result;
    throw err;
  }
  return result;
}

const running = new Set();

/** Kills (SIGKILL) every process group started by `runAsync` that is still running. */
export function killRunning() {
  for (const child of running) killGroup(child, 'SIGKILL');
  running.clear();
}

function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal); // the whole group: pnpm → node → pnpm publish …
  } catch {
    child.kill(signal);
  }
}

/**
 * Like `run`, but asynchronous, so several can run side by side. Never throws. Each command
 * runs in its own process group, killed whole on its timeout or by `killRunning()`.
 */
export function runAsync(cmd, args, { cwd = repoRoot, env, timeoutS = 600 } = {}) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    running.add(child);
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), timeoutS * 1000);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      running.delete(child);
      resolve({ status: signal ? 124 : status, out, seconds: (Date.now() - started) / 1000 });
    });
  });
}

export function indent(text, pad = '    ') {
  return text
    .split('\n')
    .filter((l, i, a) => l !== '' || i < a.length - 1)
    .map((l) => pad + l)
    .join('\n')
    .concat(text ? '\n' : '');
}

/** Runs `items` through `worker` with at most `limit` in flight; keeps the order of results. */
export async function pool(items, limit, worker) {
  const results = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await worker(items[i], i);
      }
    }),
  );
  return results;
}

/** The pinned release tools (attw, verdaccio); installs them with `npm ci` when missing or stale. */
export function ensureTools() {
  const stamp = join(toolsDir, 'node_modules', '.package-lock.json');
  const lock = join(toolsDir, 'package-lock.json');
  const fresh = existsSync(stamp) && readFileSync(stamp, 'utf8').length > 0 && statMtime(stamp) >= statMtime(lock);
  if (!fresh) {
    console.log('== installing release tools (scripts/release/tools: npm ci)');
    run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: toolsDir, quiet: true, timeoutS: 300 });
  }
  return {
    attw: join(toolsDir, 'node_modules', '.bin', 'attw'),
    verdaccio: join(toolsDir, 'node_modules', '.bin', 'verdaccio'),
  };
}

function statMtime(path) {
  return existsSync(path) ? statSync(path).mtimeMs : 0;
}

/** Packs one package with pnpm (workspace: ranges become real versions) into `dest`; returns the tarball path and file list. */
export function pack(pkg, dest) {
  const r = run('pnpm', ['pack', '--pack-destination', dest, '--json'], { cwd: pkg.dir, quiet: true });
  const info = JSON.parse(r.stdout);
  return { tarball: info.filename, files: info.files.map((f) => f.path) };
}

/** Reads package/package.json out of a tarball. */
export function packedManifest(tarball) {
  return JSON.parse(run('tar', ['-xzOf', tarball, 'package/package.json'], { quiet: true }).stdout);
}

export function removeDir(dir) {
  if (dir && existsSync(dir)) rmSync(dir, { recursive: true, force: true });
}

/** Parses `--flag`, `--key value` and `--key=value` arguments. */
export function parseArgs(argv, { booleans = [], strings = [] } = {}) {
  const opts = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
    if (!m) throw new Error(`unexpected argument ${a}`);
    const [, key, inline] = m;
    if (booleans.includes(key)) opts[key] = true;
    else if (strings.includes(key)) opts[key] = inline ?? argv[++i];
    else throw new Error(`unknown option --${key} (known: ${[...booleans, ...strings].map((k) => `--${k}`).join(' ')})`);
  }
  return opts;
}

export function fmtSeconds(s) {
  return `${s.toFixed(1)} s`;
}

/**
 * Named, timed steps of a release script: `step(name, fn)` prints a heading and runs fn;
 * `printTimings(width, since)` lists how long each took, and the total since `since` (ms).
 */
export function stepTimer() {
  const timings = [];
  return {
    async step(name, fn) {
      const started = Date.now();
      console.log(`\n== ${name}`);
      try {
        return await fn();
      } finally {
        timings.push({ name, seconds: (Date.now() - started) / 1000 });
      }
    },
    printTimings(width, since) {
      console.log('\n== timings');
      for (const t of timings) console.log(`  ${t.name.padEnd(width)} ${fmtSeconds(t.seconds)}`);
      console.log(`  ${'total'.padEnd(width)} ${fmtSeconds((Date.now() - since) / 1000)}`);
    },
  };
}
