#!/usr/bin/env node
// Tree-shaking check and bundle sizes. Bundles tiny browser apps with esbuild against the built
// packages (dist/, through each package's `exports` and `sideEffects`, the way a user's bundler
// sees them) and fails when an app carries code it did not ask for: `resnet18` alone must bring
// no VGG/GoogLeNet/EfficientNet code, no backend, no weights loader, no data code.
// `@tensorflow/tfjs-core` is external (a peer every app has anyway); `node:*` built-ins are
// external too (the weights loader imports them lazily, only when running in Node).
//
// usage: node scripts/release/check-treeshaking.mjs [--no-build] [--write]
//   --write  rewrite docs/guide/bundle-sizes.md with the measured table
import { mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, resolve, sep } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parseArgs, publicPackages, removeDir, repoRoot, run, shortName, tempDir } from './lib/common.mjs';

const opts = parseArgs(process.argv.slice(2), { booleans: ['no-build', 'write', 'keep'] });
// esbuild is tsup's own dependency (pnpm keeps it beside tsup's real folder).
const esbuild = createRequire(realpathSync(join(repoRoot, 'node_modules', 'tsup', 'package.json')))('esbuild');
const t0 = Date.now();

const packages = publicPackages();
const has = (name) => packages.some((p) => shortName(p.name) === name);
const ARCHS = ['vgg', 'googlenet', 'resnet', 'efficientnet'];
const BACKENDS = packages.map((p) => shortName(p.name)).filter((n) => n.startsWith('backend-'));

// Each app: what it imports, what must not be in it (package folders and text markers).
const apps = [
  {
    id: 'core-conv2d',
    label: '`conv2d` from `@convkit/core`',
    code: `import { conv2d } from '@convkit/core';\nexport default conv2d;`,
    forbid: { packages: ['layers', 'regularization', ...ARCHS, ...BACKENDS, 'weights', 'data', 'models', 'train'] },
  },
  {
    id: 'core-all',
    label: 'all of `@convkit/core` (`import * as core`)',
    code: `import * as core from '@convkit/core';\nexport default core;`,
    forbid: { packages: ['layers', 'regularization', ...ARCHS, ...BACKENDS, 'weights', 'data', 'models', 'train'] },
  },
  {
    id: 'resnet18',
    label: '`resnet18` from `@convkit/resnet`',
    code: `import { resnet18 } from '@convkit/resnet';\nexport default resnet18;`,
    forbid: {
      packages: ARCHS.filter((a) => a !== 'resnet').concat(BACKENDS, ['weights', 'data', 'models', 'train']),
      // Architecture classes and builder names of the other families; tfjs backends.
      markers: ['class VGG', 'vgg11', 'GoogLeNet', 'Inception', 'EfficientNet', 'efficientnet_b', 'MBConv', 'tfjs-backend'],
      keepMarkers: ['resnet18'],
    },
  },
  {
    id: 'resnet18-cpu',
    label: '`resnet18` + `@convkit/backend-cpu` (a complete app)',
    code: `import '@convkit/backend-cpu';\nimport { resnet18 } from '@convkit/resnet';\nexport default resnet18;`,
    forbid: {
      packages: ARCHS.filter((a) => a !== 'resnet').concat(
        BACKENDS.filter((b) => b !== 'backend-cpu'),
        ['weights', 'data', 'models', 'train'],
      ),
    },
    needs: ['backend-cpu'],
  },
  {
    id: 'resnet18-webgl',
    label: '`resnet18` + `@convkit/backend-webgl`',
    code: `import '@convkit/backend-webgl';\nimport { resnet18 } from '@convkit/resnet';\nexport default resnet18;`,
    forbid: {
      packages: ARCHS.filter((a) => a !== 'resnet').concat(
        BACKENDS.filter((b) => b !== 'backend-webgl'),
        ['weights', 'data', 'models', 'train'],
      ),
    },
    needs: ['backend-webgl'],
  },
  {
    id: 'resnet18-webgpu',
    label: '`resnet18` + `@convkit/backend-webgpu`',
    code: `import '@convkit/backend-webgpu';\nimport { resnet18 } from '@convkit/resnet';\nexport default resnet18;`,
    forbid: {
      packages: ARCHS.filter((a) => a !== 'resnet').concat(
        BACKENDS.filter((b) => b !== 'backend-webgpu'),
        ['weights', 'data', 'models', 'train'],
      ),
    },
    needs: ['backend-webgpu'],
  },
  {
    id: 'models',
    label: '`createModel`, `listModels` from `@convkit/models` (every family)',
    code: `import { createModel, listModels } from '@convkit/models';\nexport { createModel, listModels };`,
    forbid: { packages: [...BACKENDS, 'weights', 'data', 'train'] },
  },
  {
    id: 'weights',
    label: '`loadWeights` from `@convkit/weights`',
    code: `import { loadWeights } from '@convkit/weights';\nexport default loadWeights;`,
    forbid: { packages: ['layers', 'regularization', ...ARCHS, ...BACKENDS, 'data', 'models', 'train'] },
  },
  {
    id: 'data-transforms',
    label: 'transforms from `@convkit/data` (compose, resize, centerCrop, normalize)',
    code: `import { compose, resize, centerCrop, normalize } from '@convkit/data';\nexport default compose(resize(256), centerCrop(224), normalize());`,
    // The ImageNet class names (a 1000-string table) and the IDX reader are not transforms.
    forbid: {
      packages: ['layers', 'regularization', ...ARCHS, ...BACKENDS, 'weights', 'models', 'train'],
      markers: [
        { text: 'goldfish', why: 'carries the 1000 ImageNet class names (`IMAGENET_CLASSES`, ~10 kB), which no transform uses' },
        'pngjs',
        'jpeg-js',
      ],
    },
  },
  {
    id: 'data-labels',
    label: '`decodePredictions` from `@convkit/data` (ImageNet labels)',
    code: `import { decodePredictions } from '@convkit/data';\nexport default decodePredictions;`,
    forbid: { packages: ['layers', 'regularization', ...ARCHS, ...BACKENDS, 'weights', 'models', 'train'] },
  },
  {
    id: 'train',
    label: '`fit`, `SGD`, `crossEntropy` from `@convkit/train`',
    code: `import { fit, SGD, crossEntropy } from '@convkit/train';\nexport { fit, SGD, crossEntropy };`,
    forbid: { packages: [...ARCHS, ...BACKENDS, 'data', 'models'] },
    needs: ['train'],
  },
  {
    id: 'tfjs-core',
    label: '*reference:* `@tensorflow/tfjs-core` itself, with its gradients (the peer every row leaves out)',
    code: `import * as tf from '@tensorflow/tfjs-core';\nimport '@tensorflow/tfjs-core/dist/register_all_gradients';\nexport default tf;`,
    bundleTfjs: true,
    forbid: {},
  },
].filter((a) => (a.needs ?? []).every(has));

if (!opts['no-build']) {
  console.log('== build (turbo)');
  run('pnpm', ['exec', 'turbo', 'run', 'build', ...packages.map((p) => `--filter=${p.name}`), '--output-logs=errors-only'], {
    quiet: true,
    env: { TURBO_TELEMETRY_DISABLED: '1', NO_COLOR: '1' },
    timeoutS: 900,
  });
}

// A throwaway app folder whose node_modules/@convkit/* link to the workspace packages (as a
// `workspace:*` dependency would): esbuild follows the links and resolves each package's own
// dependencies from its real folder.
const app = tempDir('treeshake');
mkdirSync(join(app, 'node_modules', '@convkit'), { recursive: true });
for (const p of packages) symlinkSync(p.dir, join(app, 'node_modules', '@convkit', shortName(p.name)), 'dir');
mkdirSync(join(app, 'node_modules', '@tensorflow'));
symlinkSync(
  realpathSync(join(repoRoot, 'node_modules', '@tensorflow', 'tfjs-core')),
  join(app, 'node_modules', '@tensorflow', 'tfjs-core'),
  'dir',
);
writeFileSync(join(app, 'package.json'), '{ "name": "treeshake-app", "private": true, "type": "module" }\n');

const packageDirs = new Map(packages.map((p) => [shortName(p.name), p.dir + sep]));
const problems = [];
const rows = [];
try {
  for (const a of apps) {
    const entry = join(app, `${a.id}.js`);
    writeFileSync(entry, `${a.code}\n`);
    const result = await esbuild.build({
      entryPoints: [entry],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      minify: true,
      treeShaking: true,
      write: false,
      metafile: true,
      logLevel: 'silent',
      absWorkingDir: app,
      outfile: join(app, 'out', `${a.id}.js`),
      external: a.bundleTfjs ? ['node:*'] : ['@tensorflow/tfjs-core', '@tensorflow/tfjs-core/*', 'node:*'],
    });
    const out = result.outputFiles.find((f) => f.path.endsWith('.js'));
    const text = out.text;
    const meta = Object.values(result.metafile.outputs)[0];
    // Which packages contribute bytes, and how many.
    const byPackage = new Map();
    for (const [input, { bytesInOutput }] of Object.entries(meta.inputs)) {
      if (bytesInOutput === 0) continue;
      if (input.startsWith('(disabled)')) continue; // a Node built-in that browser bundles stub out
      const abs = realpathSync(resolve(app, input));
      if (abs === realpathSync(entry)) continue;
      const owner = [...packageDirs].find(([, dir]) => abs.startsWith(dir) && !relative(dir, abs).includes('node_modules'))?.[0];
      const key = owner ? `@convkit/${owner}` : thirdParty(abs);
      byPackage.set(key, (byPackage.get(key) ?? 0) + bytesInOutput);
    }
    const externals = [...new Set(meta.imports.filter((i) => i.external).map((i) => i.path))].sort();
    for (const p of a.forbid.packages ?? []) {
      if (byPackage.has(`@convkit/${p}`)) problems.push(`${a.id}: carries @convkit/${p} (${byPackage.get(`@convkit/${p}`)} bytes)`);
    }
    for (const m of a.forbid.markers ?? []) {
      const { text: marker, why } = typeof m === 'string' ? { text: m } : m;
      if (text.includes(marker)) problems.push(`${a.id}: ${why ?? `bundle contains '${marker}'`}`);
    }
    for (const m of a.forbid.keepMarkers ?? [])
      if (!text.includes(m)) problems.push(`${a.id}: bundle lacks '${m}' (did the app get tree-shaken away?)`);
    for (const e of externals) {
      if (/^@tensorflow\/tfjs-backend/.test(e) && !a.id.startsWith('resnet18-')) problems.push(`${a.id}: imports ${e}`);
    }
    const minified = Buffer.byteLength(text);
    const gzip = gzipSync(text, { level: 9 }).length;
    rows.push({ ...a, minified, gzip, byPackage, externals });
    const parts = [...byPackage]
      .sort((x, y) => y[1] - x[1])
      .map(([k, v]) => `${k} ${kb(v)}`)
      .join(', ');
    console.log(`${a.id.padEnd(16)} ${kb(minified).padStart(9)} min ${kb(gzip).padStart(9)} gzip   ${parts}`);
    console.log(`${''.padEnd(16)} external: ${externals.join(', ') || 'none'}`);
  }
} finally {
  if (!opts.keep) removeDir(app);
  else console.log(`kept ${app}`);
}

if (opts.write) {
  const file = join(repoRoot, 'docs', 'guide', 'bundle-sizes.md');
  mkdirSync(join(repoRoot, 'docs', 'guide'), { recursive: true });
  writeFileSync(file, renderDoc(rows, problems));
  console.log(`wrote ${relative(repoRoot, file)}`);
}

console.log(`\n${(Date.now() - t0) / 1000} s`);
if (problems.length) {
  console.log(`\n== ${problems.length} problem(s)`);
  for (const p of problems) console.log(`  ✗ ${p}`);
}
// Deliberately not in the "N passed, N failed" form: CI reads that as the test count.
const failedApps = [...new Set(problems.map((p) => p.split(':')[0]))];
console.log(problems.length ? `\ncheck-treeshaking: FAILED (${failedApps.join(', ')})` : `\ncheck-treeshaking: OK (${apps.length} apps)`);
process.exit(problems.length ? 1 : 0);

function thirdParty(input) {
  const m = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(input);
  return m ? m[1] : input;
}

function kb(bytes) {
  return `${(bytes / 1024).toFixed(1)} kB`;
}

function renderDoc(rows, problems) {
  const distinct = [...new Set(packages.map((p) => p.manifest.version))];
  const versions =
    distinct.length === 1 ? `every @convkit package at ${distinct[0]}` : packages.map((p) => `${p.name}@${p.manifest.version}`).join(', ');
  const esbuildVersion = esbuild.version;
  const lines = [
    '# Bundle sizes',
    '',
    'What each typical import adds to a browser app, measured by',
    '`node scripts/release/check-treeshaking.mjs --write` (which also fails CI when an import drags in',
    'code it does not use). Bundled with esbuild ' + esbuildVersion + ' (`bundle`, `minify`, ESM, platform',
    '`browser`) from the built packages, gzip at level 9.',
    '',
    '**`@tensorflow/tfjs-core` is external in every row but the last**: it is a peer dependency that',
    'every convkit app already has, and the last row shows what it weighs on its own. `node:*`',
    'built-ins are external too: the weights loader imports them lazily, only when it runs in Node.',
    '',
    '| import | minified | gzip | what is inside (minified bytes per package) |',
    '|---|---:|---:|---|',
    ...rows.map((r) => {
      const parts = [...r.byPackage]
        .sort((x, y) => y[1] - x[1])
        .map(([k, v]) => `${k.replace('@convkit/', '')} ${kb(v)}`)
        .join(', ');
      return `| ${r.label} | ${kb(r.minified)} | ${kb(r.gzip)} | ${parts} |`;
    }),
    '',
    'Reading the table:',
    '',
    '- Importing one architecture brings that family plus `core`, `layers` and `regularization`, and',
    '  nothing of the other families, the backends, the weights loader or the data package (the',
    '  script checks this). Each package ships one ESM file per entry with `"sideEffects": false`,',
    '  so what is dropped inside a package is what esbuild can prove unused.',
    '- `@convkit/models` is the registry of every family: import the family package instead when an',
    '  app needs one model.',
    '- A backend is what an app adds to run anything: `@convkit/backend-cpu` bundles',
    "  `@tensorflow/tfjs-backend-cpu` and convkit's WebAssembly kernels (embedded as base64); the",
    '  WebGL and WebGPU packages bundle their tfjs backends.',
    ...(problems.length
      ? [
          '',
          'Known gaps (the check fails on these until they are fixed):',
          '',
          ...problems.map((p) => `- ${p.replace(/^([\w-]+):/, '`$1`:')}`),
        ]
      : []),
    '',
    `Measured on ${new Date().toISOString().slice(0, 10)} for ${versions}.`,
    '',
  ];
  return lines.join('\n');
}
