#!/usr/bin/env node
// The changesets release flow, end to end, against a throwaway registry on 127.0.0.1.
//
//   1. start verdaccio (scripts/release/tools) on 127.0.0.1:<free port>, no uplinks: it serves
//      only what is published to it; a throwaway user is registered for a token;
//   2. copy the repo (git clone + the working tree's changes, committed there on a local `main`)
//      into a temp dir: the real repo is never touched;
//   3. `changeset status` gives the release plan; `changeset version` applies it; check every
//      planned version, the CHANGELOG.md entries, the consumed changesets;
//   4. put the built dist/ (turbo in the real repo, cached) into the copy, or build there with
//      --build-in-clone; `changeset publish` to the local registry; check in the registry that
//      every @convkit dependency range of every published package is satisfied by the published
//      versions (no workspace: range leaks);
//   5. round 2: a minor changeset for @convkit/core alone (0.x: out of every dependent's caret
//      range), version + publish again: every dependent must get a patch release whose range
//      admits the new core, and a fresh install must get matching versions;
//   6. npm installs @convkit/resnet (+ backend-cpu, + the tfjs-core peer) from the registry into
//      an empty folder and runs resnet18 on it (smoke/resnet.mjs).
// verdaccio is stopped at the end, whatever happens; the whole run has a deadline (--timeout).
//
// usage: node scripts/release/local-publish.mjs [--no-build] [--build-in-clone] [--one-round]
//        [--keep] [--timeout 600]
import { spawn } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { join } from 'node:path';
import {
  ensureTools,
  killRunning,
  parseArgs,
  publicPackages,
  readJson,
  releaseDir,
  removeDir,
  repoRoot,
  run,
  runAsync,
  shortName,
  stepTimer,
  tempDir,
  toolsDir,
} from './lib/common.mjs';

const opts = parseArgs(process.argv.slice(2), { booleans: ['no-build', 'build-in-clone', 'one-round', 'keep'], strings: ['timeout'] });
const deadlineS = Number(opts.timeout ?? 600);
const t0 = Date.now();
const { step, printTimings } = stepTimer();
const problems = [];
const check = (ok, message) => {
  if (!ok) {
    problems.push(message);
    console.log(`  ✗ ${message}`);
  }
  return ok;
};

const tools = ensureTools();
const semver = createRequire(join(toolsDir, 'package.json'))('semver');
const work = tempDir('release');
const clone = join(work, 'repo');
let verdaccio = null;

function abort(why, code) {
  console.error(`\nlocal-publish: ${why}; stopping`);
  killRunning();
  void stopRegistry();
  if (!opts.keep) removeDir(work);
  console.log('\nlocal-publish: FAILED');
  process.exit(code);
}
const deadline = setTimeout(() => abort(`deadline of ${deadlineS} s reached`, 124), deadlineS * 1000);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => abort(signal, 130));
process.on('exit', () => (killRunning(), stopRegistry()));

let exitCode = 1;
try {
  const port = await freePort();
  const registry = `http://127.0.0.1:${port}/`;
  const env = registryEnv(registry);

  const token = await step(`start verdaccio on ${registry}`, async () => {
    const storage = join(work, 'registry');
    mkdirSync(storage, { recursive: true });
    writeFileSync(join(storage, 'config.yaml'), verdaccioConfig(storage));
    const log = join(work, 'verdaccio.log');
    verdaccio = spawn(process.execPath, [tools.verdaccio, '--config', join(storage, 'config.yaml'), '--listen', `127.0.0.1:${port}`], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_ENV: 'production' },
    });
    let out = '';
    verdaccio.stdout.on('data', (d) => (out += d));
    verdaccio.stderr.on('data', (d) => (out += d));
    verdaccio.on('exit', () => writeFileSync(log, out));
    await waitFor(
      async () => (await fetch(`${registry}-/ping`)).ok,
      30,
      () => out,
    );
    // A throwaway user (htpasswd, max_users 1): registering it returns a token.
    const password = `pw-${Math.random().toString(36).slice(2)}`;
    const res = await fetch(`${registry}-/user/org.couchdb.user:release-check`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'release-check', password, type: 'user', roles: [], date: new Date().toISOString() }),
    });
    const body = await res.json();
    if (!res.ok || !body.token) throw new Error(`cannot register a user on verdaccio: ${res.status} ${JSON.stringify(body)}`);
    return body.token;
  });

  await step('copy the repo (git clone + working-tree changes) to a throwaway folder', () => {
    run('git', ['clone', '--quiet', '--no-hardlinks', repoRoot, clone], { quiet: true });
    // Bring over the working tree as it is (tracked changes and new, non-ignored files).
    const files = run('git', ['ls-files', '-co', '--exclude-standard', '-z'], { quiet: true })
      .stdout.split('\0')
      .filter((f) => f && existsSync(join(repoRoot, f)));
    for (const f of files) cpSync(join(repoRoot, f), join(clone, f), { recursive: false, force: true, dereference: false });
    for (const f of run('git', ['ls-files', '-d', '-z'], { quiet: true }).stdout.split('\0').filter(Boolean))
      rmSync(join(clone, f), { force: true });
    git(['checkout', '-q', '-B', 'main']);
    git(['add', '-A']);
    git(['commit', '-q', '--allow-empty', '-m', 'release check: working tree snapshot']);
    // Belt and braces: every public package in the copy may only ever publish to the local registry.
    for (const p of publicPackages(clone)) {
      const file = join(p.dir, 'package.json');
      const m = readJson(file);
      m.publishConfig = { ...m.publishConfig, registry };
      writeFileSync(file, `${JSON.stringify(m, null, 2)}\n`);
    }
    writeFileSync(join(clone, '.npmrc'), `registry=${registry}\n//127.0.0.1:${port}/:_authToken=${token}\n`);
    writeFileSync(join(work, 'user.npmrc'), `registry=${registry}\n//127.0.0.1:${port}/:_authToken=${token}\n`);
    git(['add', '-A']);
    git(['commit', '-q', '-m', 'release check: publish to the local registry only']);
    // A throwaway copy: let the lockfile follow package.json files being edited right now.
    run('pnpm', ['install', '--no-frozen-lockfile', '--prefer-offline'], { cwd: clone, quiet: true, timeoutS: 300 });
  });

  const built = await step(
    opts['build-in-clone'] ? 'build in the copy (turbo)' : 'build (turbo in the real repo, cached) and copy dist/ into the copy',
    () => {
      const pkgs = publicPackages(clone);
      const filters = pkgs.map((p) => `--filter=${p.name}`);
      const turbo = ['exec', 'turbo', 'run', 'build', ...filters, '--output-logs=errors-only'];
      const turboEnv = { TURBO_TELEMETRY_DISABLED: '1', NO_COLOR: '1' };
      if (opts['build-in-clone']) run('pnpm', turbo, { cwd: clone, quiet: true, env: turboEnv, timeoutS: 900 });
      else {
        if (!opts['no-build']) run('pnpm', turbo, { quiet: true, env: turboEnv, timeoutS: 900 });
        // dist/ does not depend on the version numbers (nothing embeds them), so the built output
        // of the same sources is what a build after `changeset version` would produce.
        for (const p of pkgs) {
          const from = join(repoRoot, p.rel, 'dist');
          if (!existsSync(from)) throw new Error(`${p.name} is not built (${from} missing)`);
          cpSync(from, join(p.dir, 'dist'), { recursive: true });
        }
      }
      return pkgs.length;
    },
  );
  console.log(`  ${built} public packages ready`);

  const round1 = await versionRound("round 1: the repo's changesets");
  await publishRound('round 1', registry, env, round1);

  let final = round1;
  if (!opts['one-round']) {
    // A minor of a 0.x package leaves the caret range of every dependent (^0.2.0 does not admit
    // 0.3.0): changesets must patch-bump them all so their published ranges move along.
    writeFileSync(
      join(clone, '.changeset', 'release-check-core-minor.md'),
      "---\n'@convkit/core': minor\n---\n\nRelease check: a minor release of core alone.\n",
    );
    git(['add', '-A']);
    git(['commit', '-q', '-m', 'release check: minor core']);
    const oldCore = round1.versions['@convkit/core'];
    const round2 = await versionRound('round 2: a minor changeset for @convkit/core alone');
    const core = round2.plan.find((r) => r.name === '@convkit/core');
    check(core?.type === 'minor', `round 2 plans a minor of @convkit/core (got ${core?.type})`);
    const dependents = publicPackages(clone)
      .filter((p) => Object.keys(p.manifest.dependencies ?? {}).includes('@convkit/core'))
      .map((p) => p.name);
    const bumped = new Map(round2.plan.map((r) => [r.name, r.type]));
    const left = dependents.filter((d) => !bumped.has(d));
    check(
      left.length === 0,
      `round 2 bumps every dependent of @convkit/core (^${oldCore} does not admit ${round2.versions['@convkit/core']}); not bumped: ${left.join(', ')}`,
    );
    const notPatch = dependents.filter((d) => bumped.has(d) && bumped.get(d) !== 'patch');
    check(
      notPatch.length === 0,
      `round 2 bumps core's dependents by a patch only; got ${notPatch.map((d) => `${d} ${bumped.get(d)}`).join(', ')}`,
    );
    await publishRound('round 2', registry, env, round2);
    final = round2;
  }

  await step('npm install @convkit/resnet from the local registry into an empty folder and run it', async () => {
    const consumer = join(work, 'consumer');
    mkdirSync(consumer);
    writeFileSync(join(consumer, 'package.json'), '{ "name": "consumer", "private": true }\n');
    // Only @convkit comes from the local registry; the tfjs-core peer comes from npm's cache/registry as usual.
    writeFileSync(join(consumer, '.npmrc'), `@convkit:registry=${registry}\n`);
    const r = await runAsync(
      'npm',
      ['install', '--no-audit', '--no-fund', '--loglevel=error', '@convkit/resnet', '@convkit/backend-cpu', '@tensorflow/tfjs-core@4.22.0'],
      {
        cwd: consumer,
        timeoutS: 240,
        env: { npm_config_userconfig: join(work, 'empty.npmrc') },
      },
    );
    if (!check(r.status === 0, `npm install from the local registry failed\n${r.out}`)) return;
    const installed = Object.fromEntries(
      readdirSync(join(consumer, 'node_modules', '@convkit')).map((n) => [
        `@convkit/${n}`,
        readJson(join(consumer, 'node_modules', '@convkit', n, 'package.json')).version,
      ]),
    );
    console.log(
      `  installed: ${Object.entries(installed)
        .map(([n, v]) => `${n}@${v}`)
        .join(', ')}`,
    );
    const latest = final.versions;
    for (const [n, v] of Object.entries(installed)) check(v === latest[n], `${n}: installed ${v}, latest published is ${latest[n]}`);
    check(
      Object.keys(installed).sort().join() ===
        ['@convkit/backend-cpu', '@convkit/core', '@convkit/layers', '@convkit/regularization', '@convkit/resnet'].join(),
      `resnet + backend-cpu pull in exactly core, layers, regularization (got ${Object.keys(installed).join(', ')})`,
    );
    for (const f of ['run.mjs', 'resnet.mjs']) copyFileSync(join(releaseDir, 'smoke', f), join(consumer, f));
    const smoke = await runAsync('node', ['run.mjs', 'resnet.mjs', 'esm'], { cwd: consumer, timeoutS: 180 });
    if (check(smoke.status === 0, `resnet smoke on the registry install failed\n${smoke.out}`))
      console.log(`  ${smoke.out.split('\n').find((l) => l.startsWith('ok ')) ?? ''}`);
    const cjs = await runAsync(
      'node',
      ['-e', "const r = require('@convkit/resnet'); if (typeof r.resnet18 !== 'function') process.exit(1)"],
      { cwd: consumer, timeoutS: 60 },
    );
    check(cjs.status === 0, `require('@convkit/resnet') failed\n${cjs.out}`);
  });
  exitCode = problems.length ? 1 : 0;
} catch (e) {
  console.error(`\n${e.stack ?? e}`);
  problems.push(String(e.message ?? e).split('\n')[0]);
} finally {
  clearTimeout(deadline);
  await stopRegistry();
  printTimings(84, t0);
  if (opts.keep) console.log(`\nkept ${work} (verdaccio log: ${join(work, 'verdaccio.log')})`);
  else removeDir(work);
  if (problems.length) {
    console.log(`\n== ${problems.length} problem(s)`);
    for (const p of problems) console.log(`  ✗ ${p.split('\n')[0]}`);
  }
  // Deliberately not in the "N passed, N failed" form: CI reads that as the test count.
  console.log(exitCode === 0 ? '\nlocal-publish: OK' : '\nlocal-publish: FAILED');
  process.exit(exitCode);
}

function git(args) {
  return run(
    'git',
    ['-c', 'user.name=convkit release check', '-c', 'user.email=release-check@localhost', '-c', 'commit.gpgsign=false', ...args],
    { cwd: clone, quiet: true },
  );
}

/** Environment for changesets/npm/pnpm in the copy: the local registry and nothing else. */
function registryEnv(registry) {
  writeFileSync(join(work, 'empty.npmrc'), '');
  return {
    npm_config_registry: registry,
    'npm_config_@convkit:registry': registry,
    npm_config_userconfig: join(work, 'user.npmrc'),
    CI: 'true',
    NO_COLOR: '1',
  };
}

/** `changeset status` (the plan), `changeset version`, then checks the result against the plan. */
async function versionRound(title) {
  return step(`${title}: changeset status + version`, () => {
    const planFile = join(work, `plan-${Date.now()}.json`);
    run('pnpm', ['exec', 'changeset', 'status', `--output=${planFile}`], { cwd: clone, quiet: true });
    const plan = readJson(planFile).releases.filter((r) => r.type !== 'none');
    const changesetFiles = readdirSync(join(clone, '.changeset')).filter((f) => f.endsWith('.md') && f !== 'README.md');
    const summaries = Object.fromEntries(
      changesetFiles.map((f) => [
        f.replace(/\.md$/, ''),
        readFileSync(join(clone, '.changeset', f), 'utf8')
          .split(/^---$/m)[2]
          .trim(),
      ]),
    );
    const before = Object.fromEntries(publicPackages(clone).map((p) => [p.name, p.manifest]));
    run('pnpm', ['exec', 'changeset', 'version'], { cwd: clone, quiet: true });
    const after = publicPackages(clone);
    const versions = Object.fromEntries(after.map((p) => [p.name, p.manifest.version]));

    for (const r of plan) {
      const pkgDir = allPackageDirs()[r.name];
      if (!pkgDir) continue;
      const manifest = readJson(join(pkgDir, 'package.json'));
      check(manifest.version === r.newVersion, `${r.name}: version ${manifest.version}, planned ${r.newVersion}`);
      check(
        semver.inc(r.oldVersion, r.type) === r.newVersion,
        `${r.name}: ${r.oldVersion} + ${r.type} should be ${semver.inc(r.oldVersion, r.type)}, plan says ${r.newVersion}`,
      );
      const changelog = join(pkgDir, 'CHANGELOG.md');
      if (!check(existsSync(changelog), `${r.name}: no CHANGELOG.md after changeset version`)) continue;
      const text = readFileSync(changelog, 'utf8');
      check(text.includes(`## ${r.newVersion}`), `${r.name}: CHANGELOG.md has no "## ${r.newVersion}" section`);
      for (const id of r.changesets) {
        const first = summaries[id]?.split('\n')[0];
        if (first) check(text.includes(first), `${r.name}: CHANGELOG.md lacks changeset ${id} ("${first.slice(0, 50)}…")`);
      }
      if (r.changesets.length === 0)
        check(/Updated dependencies/.test(text), `${r.name}: a dependency-only bump should say "Updated dependencies" in CHANGELOG.md`);
    }
    for (const p of after) {
      const planned = plan.find((r) => r.name === p.name);
      if (!planned)
        check(p.manifest.version === before[p.name]?.version, `${p.name}: version changed to ${p.manifest.version} without a plan`);
      // Internal ranges: the workspace protocol stays (pnpm rewrites it when packing); any
      // explicit range must admit the new version of the dependency.
      for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
        for (const [dep, range] of Object.entries(p.manifest[field] ?? {})) {
          if (!versions[dep] || range.startsWith('workspace:')) continue;
          check(semver.satisfies(versions[dep], range), `${p.name}: ${field}.${dep} '${range}' does not admit ${dep}@${versions[dep]}`);
        }
      }
    }
    const left = readdirSync(join(clone, '.changeset')).filter((f) => f.endsWith('.md') && f !== 'README.md');
    check(left.length === 0, `changeset version left changesets behind: ${left.join(', ')}`);
    const privateBumps = plan.filter((r) => !after.some((p) => p.name === r.name));
    for (const r of plan) {
      const mark = after.some((p) => p.name === r.name) ? '' : ' (private)';
      console.log(
        `  ${r.name}${mark}: ${r.oldVersion} → ${r.newVersion} (${r.type}${r.changesets.length ? `, ${r.changesets.length} changeset(s)` : ', dependencies only'})`,
      );
    }
    if (privateBumps.length)
      console.log(`  note: private workspace packages are versioned too: ${privateBumps.map((r) => r.name).join(', ')}`);
    git(['add', '-A']);
    git(['commit', '-q', '-m', `release check: ${title}`]);
    return { plan, versions };
  });
}

/** `changeset publish` to the local registry, then checks what the registry serves. */
async function publishRound(title, registry, env, round) {
  await step(`${title}: changeset publish → local registry, check published manifests`, async () => {
    const r = await runAsync('pnpm', ['exec', 'changeset', 'publish'], { cwd: clone, env, timeoutS: 300 });
    if (!check(r.status === 0, `changeset publish failed\n${r.out}`)) return console.log(r.out);
    const published = (r.out.match(/New tag:\s+\S+/g) ?? []).length;
    console.log(`  changeset publish: ${published} package(s) published`);
    const packuments = {};
    for (const name of Object.keys(round.versions)) {
      const res = await fetch(`${registry}${name.replace('/', '%2f')}`);
      if (!check(res.ok, `${name}: not in the local registry (${res.status})`)) continue;
      packuments[name] = await res.json();
    }
    for (const [name, doc] of Object.entries(packuments)) {
      const latest = doc['dist-tags']?.latest;
      check(latest === round.versions[name], `${name}: registry latest is ${latest}, expected ${round.versions[name]}`);
      const manifest = doc.versions?.[latest] ?? {};
      for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
        for (const [dep, range] of Object.entries(manifest[field] ?? {})) {
          check(!/^(workspace|link|file):/.test(range), `${name}@${latest}: ${field}.${dep} was published as '${range}'`);
          if (!dep.startsWith('@convkit/')) continue;
          const depLatest = packuments[dep]?.['dist-tags']?.latest;
          check(
            depLatest && semver.satisfies(depLatest, range),
            `${name}@${latest}: ${field}.${dep} '${range}' does not admit the published ${dep}@${depLatest}`,
          );
          // Published in this round: its range starts at the dependency version released with it.
          if (round.plan.some((p) => p.name === name)) {
            check(
              semver.minVersion(range)?.version === depLatest,
              `${name}@${latest}: ${field}.${dep} '${range}' should start at ${depLatest}, released with it`,
            );
          }
        }
      }
    }
    console.log(
      `  registry: ${Object.entries(packuments)
        .map(([n, d]) => `${shortName(n)}@${d['dist-tags']?.latest}`)
        .join(' ')}`,
    );
  });
}

function allPackageDirs() {
  const out = run('pnpm', ['ls', '-r', '--depth', '-1', '--json'], { cwd: clone, quiet: true });
  return Object.fromEntries(JSON.parse(out.stdout).map((p) => [p.name, p.path]));
}

function verdaccioConfig(storage) {
  // No uplinks: nothing is proxied, so the registry talks to nobody but 127.0.0.1 clients.
  return `storage: ${join(storage, 'storage')}
auth:
  htpasswd:
    file: ${join(storage, 'htpasswd')}
    max_users: 1
uplinks: {}
packages:
  '@convkit/*':
    access: $all
    publish: $authenticated
    unpublish: $authenticated
  '**':
    access: $all
    publish: $authenticated
max_body_size: 100mb
web:
  enable: false
log: { type: stdout, format: json, level: warn }
`;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitFor(probe, seconds, describe) {
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    try {
      if (await probe()) return;
    } catch {
      // not listening yet
    }
    if (verdaccio?.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`verdaccio did not start within ${seconds} s\n${describe()}`);
}

function stopRegistry() {
  const child = verdaccio;
  verdaccio = null;
  if (!child || child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const hard = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(hard);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
