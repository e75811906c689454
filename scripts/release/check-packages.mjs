#!/usr/bin/env node
// Packed-install check: what a user gets from `npm install @convkit/…` works.
//
// For every public workspace package (discovered with `pnpm ls -r`, so new packages are
// checked without editing this file):
//   1. build it (turbo, cached) and pack it with `pnpm pack` (workspace:^ → ^x.y.z);
//   2. static checks on the tarball: every file main/module/types/exports/imports/bin names is
//      in it, no workspace: range survived, every module its code imports is a declared
//      dependency or peer (lib/static-checks.mjs);
//   3. `publint --strict` and `attw` (@arethetypeswrong/cli) on the tarball;
//   4. one npm project with ALL tarballs plus @tensorflow/tfjs-core@4.22.0: each entry point is
//      imported from ESM and required from CJS (where the package ships CJS; the export names
//      must agree), then a usage smoke per package (smoke/<name>.mjs) runs in both;
//      exactly one copy of tfjs-core must be installed;
//   5. one npm project per package with ONLY that tarball (+ the tfjs-core peer): its entry points
//      load, so an undeclared dependency fails here; an architecture package must pull in
//      exactly core, layers and regularization.
// Tarballs only: other @convkit packages reach npm through `overrides` pointing at the tarballs,
// never the workspace or the public registry.
//
// usage: node scripts/release/check-packages.mjs [--no-build] [--only resnet,weights] [--keep]
//        [--skip-lint] [--skip-alone] [--jobs N]
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ensureTools,
  fmtSeconds,
  killRunning,
  pack,
  parseArgs,
  pool,
  publicPackages,
  releaseDir,
  removeDir,
  repoRoot,
  run,
  runAsync,
  shortName,
  stepTimer,
  tempDir,
} from './lib/common.mjs';
import { staticChecks } from './lib/static-checks.mjs';

const ARCHITECTURES = ['vgg', 'googlenet', 'resnet', 'efficientnet'];
const ARCH_CLOSURE = ['core', 'layers', 'regularization'];

const opts = parseArgs(process.argv.slice(2), { booleans: ['no-build', 'keep', 'skip-lint', 'skip-alone'], strings: ['only', 'jobs'] });
const jobs = Number(opts.jobs ?? 3);
const t0 = Date.now();
const { step, printTimings } = stepTimer();
const problems = []; // { pkg, step, message }
const notes = []; // { pkg, message }
const fail = (pkg, step, message) => {
  problems.push({ pkg, step, message });
  console.log(`  ✗ ${pkg} [${step}] ${message.split('\n')[0]}`);
  const rest = message.split('\n').slice(1).join('\n').trim();
  if (rest)
    console.log(
      rest
        .split('\n')
        .slice(-25)
        .map((l) => `      ${l}`)
        .join('\n'),
    );
};

const all = publicPackages();
const only = opts.only ? new Set(opts.only.split(',').map((s) => s.trim().replace(/^@convkit\//, ''))) : null;
const selected = only ? all.filter((p) => only.has(shortName(p.name))) : all;
if (only && selected.length !== only.size)
  throw new Error(`--only names unknown packages; public packages: ${all.map((p) => shortName(p.name)).join(', ')}`);
console.log(`public packages (${all.length}): ${all.map((p) => shortName(p.name)).join(', ')}`);
if (only) console.log(`checking: ${selected.map((p) => shortName(p.name)).join(', ')}`);

const work = tempDir('packages');
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    killRunning();
    if (!opts.keep) removeDir(work);
    process.exit(130);
  });
}
const tarballs = join(work, 'tarballs');
mkdirSync(tarballs);
let exitCode = 1;
try {
  if (!opts['no-build']) {
    await step('build (turbo)', () => {
      const filters = all.map((p) => `--filter=${p.name}`);
      run('pnpm', ['exec', 'turbo', 'run', 'build', ...filters, '--output-logs=errors-only'], {
        quiet: true,
        env: { TURBO_TELEMETRY_DISABLED: '1', NO_COLOR: '1' },
        timeoutS: 900,
      });
    });
  }

  const packed = await step('pack (pnpm pack)', () => {
    const out = {};
    for (const pkg of all) {
      out[pkg.name] = pack(pkg, tarballs);
      const dir = join(work, 'extracted', shortName(pkg.name));
      mkdirSync(dir, { recursive: true });
      run('tar', ['-xzf', out[pkg.name].tarball, '-C', dir], { quiet: true });
      out[pkg.name].dir = join(dir, 'package');
    }
    for (const pkg of selected) console.log(`  ${pkg.name}: ${out[pkg.name].files.length} files`);
    return out;
  });
  // Every @convkit package resolves to its tarball, wherever it appears in the tree.
  const overrides = Object.fromEntries(all.map((p) => [p.name, `file:${packed[p.name].tarball}`]));

  await step('static checks (files, ranges, imports vs dependencies)', () => {
    for (const pkg of selected) {
      const { errors, warnings } = staticChecks(packed[pkg.name].dir, packed[pkg.name].files);
      for (const e of errors) fail(pkg.name, 'static', e);
      for (const w of warnings) notes.push({ pkg: pkg.name, message: w });
    }
  });

  if (!opts['skip-lint']) {
    const tools = ensureTools();
    await step('publint --strict', async () => {
      const publint = join(repoRoot, 'node_modules', '.bin', 'publint');
      const results = await pool(selected, jobs, (pkg) =>
        runAsync(publint, ['run', packed[pkg.name].tarball, '--strict'], { timeoutS: 120 }),
      );
      selected.forEach((pkg, i) => {
        const r = results[i];
        const body = r.out
          .split('\n')
          .filter((l) => l && !/^Running publint|^Unpacking|^Linting/.test(l))
          .join('\n');
        if (r.status !== 0) fail(pkg.name, 'publint', `publint --strict failed\n${body}`);
        else if (body.trim() && !/^All good!?$/.test(body.trim()))
          notes.push({ pkg: pkg.name, message: `publint: ${body.replace(/\n/g, ' ')}` });
      });
    });
    await step('attw (are the types wrong)', async () => {
      const results = await pool(selected, jobs, (pkg) => {
        const args = attwArgs(packed[pkg.name].dir);
        if (!args) return { skipped: true };
        return runAsync(tools.attw, [packed[pkg.name].tarball, ...args, '--format', 'ascii', '--no-color', '--no-emoji'], {
          timeoutS: 120,
        }).then((r) => ({ ...r, args }));
      });
      selected.forEach((pkg, i) => {
        const r = results[i];
        if (r.skipped) return notes.push({ pkg: pkg.name, message: 'attw skipped: no typed entry points (bin-only package)' });
        if (r.status !== 0) fail(pkg.name, 'attw', `attw ${r.args.join(' ')} failed\n${r.out}`);
        else console.log(`  ${pkg.name}: attw ${r.args.join(' ')} ok`);
      });
    });
  }

  await step('install all tarballs together with npm, import ESM + CJS, usage smokes', async () => {
    const project = join(work, 'all');
    const deps = { ...overrides, '@tensorflow/tfjs-core': '4.22.0' };
    await npmProject(project, deps, overrides);
    const installed = readdirSync(join(project, 'node_modules', '@convkit')).sort();
    const missing = all.map((p) => shortName(p.name)).filter((n) => !installed.includes(n));
    if (missing.length) fail('(all)', 'install', `not installed: ${missing.join(', ')}`);
    const copies = run('find', [join(project, 'node_modules'), '-path', '*/@tensorflow/tfjs-core/package.json'], { quiet: true })
      .stdout.trim()
      .split('\n');
    if (copies.length !== 1)
      fail(
        '(all)',
        'install',
        `${copies.length} copies of @tensorflow/tfjs-core installed (must be one: it is a peer)\n${copies.join('\n')}`,
      );
    const nested = installed.filter((n) => existsSync(join(project, 'node_modules', '@convkit', n, 'node_modules', '@convkit')));
    if (nested.length)
      fail(
        '(all)',
        'install',
        `second copies of @convkit packages nested under ${nested.join(', ')} (a range that the tarball versions do not satisfy?)`,
      );
    for (const f of ['run.mjs', 'entry-check.mjs']) copyFileSync(join(releaseDir, 'smoke', f), join(project, f));

    await pool(selected, 2, async (pkg) => {
      const name = shortName(pkg.name);
      await checkEntries(project, pkg, packed[pkg.name].dir, 'all');
      const smoke = join(releaseDir, 'smoke', `${name}.mjs`);
      if (!existsSync(smoke)) {
        notes.push({ pkg: pkg.name, message: `no usage smoke (scripts/release/smoke/${name}.mjs): entry points only` });
        return;
      }
      copyFileSync(smoke, join(project, `smoke-${name}.mjs`));
      const modes = name === 'cli' ? ['esm'] : shipsCjs(packed[pkg.name].dir) ? ['esm', 'cjs'] : ['esm'];
      for (const mode of modes) {
        const r = await runAsync('node', ['run.mjs', `smoke-${name}.mjs`, mode], { cwd: project, timeoutS: 180 });
        if (r.status !== 0) fail(pkg.name, `smoke ${mode}`, `smoke/${name}.mjs (${mode}) failed\n${r.out}`);
        else console.log(`  ${pkg.name}: ${r.out.split('\n').find((l) => l.startsWith('ok ')) ?? 'ok'}`);
      }
    });
  });

  if (!opts['skip-alone']) {
    await step('install each package alone (declared dependencies only), import ESM + CJS', async () => {
      await pool(selected, jobs, async (pkg) => {
        const name = shortName(pkg.name);
        const project = join(work, `alone-${name}`);
        const tarball = `file:${packed[pkg.name].tarball}`;
        try {
          await npmProject(project, { [pkg.name]: tarball, '@tensorflow/tfjs-core': '4.22.0' }, overrides);
        } catch (e) {
          return fail(pkg.name, 'alone install', e.message);
        }
        copyFileSync(join(releaseDir, 'smoke', 'entry-check.mjs'), join(project, 'entry-check.mjs'));
        const convkit = readdirSync(join(project, 'node_modules', '@convkit')).sort();
        const closure = convkit.filter((n) => n !== name);
        console.log(
          `  ${pkg.name} alone pulls in: ${closure.length ? closure.map((n) => `@convkit/${n}`).join(', ') : 'no other @convkit package'}`,
        );
        if (ARCHITECTURES.includes(name) && closure.join() !== ARCH_CLOSURE.join()) {
          fail(
            pkg.name,
            'alone install',
            `an architecture must pull in exactly ${ARCH_CLOSURE.join(', ')}; got ${closure.join(', ') || 'nothing'}`,
          );
        }
        await checkEntries(project, pkg, packed[pkg.name].dir, 'alone');
        if (!opts.keep) await rm(project, { recursive: true, force: true });
      });
    });
  }
  exitCode = problems.length ? 1 : 0;
} catch (e) {
  console.error(`\n${e.stack ?? e}`);
} finally {
  printTimings(72, t0);
  if (notes.length) {
    console.log('\n== notes (not failures)');
    for (const n of notes) console.log(`  ${n.pkg}: ${n.message}`);
  }
  if (opts.keep) console.log(`\nkept ${work}`);
  else {
    const started = Date.now();
    removeDir(work);
    console.log(
      `\nremoved the temporary projects (${fmtSeconds((Date.now() - started) / 1000)}); wall time ${fmtSeconds((Date.now() - t0) / 1000)}`,
    );
  }
  if (problems.length) {
    console.log(`\n== ${problems.length} problem(s)`);
    for (const p of problems) console.log(`  ${p.pkg} [${p.step}] ${p.message.split('\n')[0]}`);
  }
  // Deliberately not in the "N passed, N failed" form: CI reads that as the test count.
  const failedPkgs = [...new Set(problems.map((p) => p.pkg))];
  console.log(
    exitCode === 0
      ? `\ncheck-packages: OK (${selected.length} packages)`
      : `\ncheck-packages: FAILED (${failedPkgs.join(', ') || 'see above'})`,
  );
  process.exit(exitCode);
}

/** An empty npm project in `dir` with these dependencies, installed from the tarballs + registry. */
async function npmProject(dir, dependencies, overrides) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: 'convkit-packed-install', private: true, dependencies, overrides }, null, 2)}\n`,
  );
  const r = await runAsync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], {
    cwd: dir,
    timeoutS: 240,
    // A user's project: nothing from the workspace may leak in.
    env: { NODE_PATH: '', npm_config_workspaces: '', npm_config_package_lock: 'false' },
  });
  if (r.status !== 0) throw new Error(`npm install failed (${fmtSeconds(r.seconds)})\n${r.out}`);
}

/** The package's importable subpaths (`.` → the name itself), skipping package.json and patterns. */
function entrySpecifiers(manifest) {
  const name = manifest.name;
  if (!manifest.exports) return manifest.main ? [name] : [];
  if (typeof manifest.exports === 'string' || Object.keys(manifest.exports).every((k) => !k.startsWith('.'))) return [name];
  return Object.keys(manifest.exports)
    .filter((k) => !k.endsWith('package.json') && !k.includes('*'))
    .map((k) => (k === '.' ? name : `${name}/${k.slice(2)}`));
}

function manifestOf(dir) {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
}

function shipsCjs(dir) {
  const m = manifestOf(dir);
  return (
    JSON.stringify(m.exports ?? {}).includes('"require"') ||
    (!m.exports && typeof m.main === 'string' && (m.main.endsWith('.cjs') || m.type !== 'module'))
  );
}

/** Imports every entry point from ESM and, where the package ships CJS, requires it; the names must agree. */
async function checkEntries(project, pkg, extracted, where) {
  const specs = entrySpecifiers(manifestOf(extracted));
  if (specs.length === 0) return;
  const esm = await runAsync('node', ['entry-check.mjs', 'esm', ...specs], { cwd: project, timeoutS: 120 });
  if (esm.status !== 0) return fail(pkg.name, `${where}: import`, `import of ${specs.join(', ')} failed\n${esm.out}`);
  const esmNames = lastJson(esm.out);
  const empty = specs.filter((s) => esmNames[s].length === 0);
  if (empty.length) fail(pkg.name, `${where}: import`, `${empty.join(', ')} export nothing`);
  if (!shipsCjs(extracted)) return;
  const cjs = await runAsync('node', ['entry-check.mjs', 'cjs', ...specs], { cwd: project, timeoutS: 120 });
  if (cjs.status !== 0) return fail(pkg.name, `${where}: require`, `require of ${specs.join(', ')} failed\n${cjs.out}`);
  const cjsNames = lastJson(cjs.out);
  for (const s of specs) {
    const a = esmNames[s].join();
    const b = cjsNames[s].join();
    if (a !== b) fail(pkg.name, `${where}: require`, `${s}: CJS exports differ from ESM\n  esm: ${a}\n  cjs: ${b}`);
  }
  if (where === 'all') console.log(`  ${pkg.name}: ${specs.join(', ')} load from ESM${shipsCjs(extracted) ? ' and CJS' : ''}`);
}

function lastJson(out) {
  const line = out
    .trim()
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('{'));
  return JSON.parse(line);
}

/** attw arguments for a package, or null when it has no typed entry point. */
function attwArgs(dir) {
  const m = manifestOf(dir);
  const typed = JSON.stringify(m.exports ?? {}).includes('"types"') || m.types || m.typings;
  if (!typed) return null;
  // Dual ESM+CJS packages for Node >= 20 and bundlers: node16 (both module systems) + bundler;
  // node10 resolution cannot see subpath exports and is out of scope (engines: node >= 20).
  return shipsCjs(dir) ? ['--profile', 'node16'] : ['--profile', 'esm-only'];
}
