// Checks on a packed tarball that need no install: every file the manifest points at is in the
// tarball, no `workspace:` range survived packing, and every module the shipped code imports is
// a declared dependency (or peer) of the package.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';

const DEP_FIELDS = ['dependencies', 'peerDependencies', 'optionalDependencies'];

/** Every relative target named by main/module/types/bin/exports/imports, with where it came from. */
export function manifestTargets(manifest) {
  const targets = [];
  const add = (where, value) => {
    if (typeof value === 'string' && value.startsWith('./')) targets.push({ where, path: value.slice(2) });
    else if (typeof value === 'string' && !value.startsWith('#') && /\.(c|m)?js$|\.d\.(c|m)?ts$/.test(value))
      targets.push({ where, path: value.replace(/^\.\//, '') });
  };
  const walk = (where, node) => {
    if (node === null || node === undefined) return;
    if (typeof node === 'string') return add(where, node);
    if (Array.isArray(node)) return node.forEach((n, i) => walk(`${where}[${i}]`, n));
    for (const [k, v] of Object.entries(node)) walk(/^[.#]/.test(k) ? `${where}[${JSON.stringify(k)}]` : `${where}.${k}`, v);
  };
  for (const field of ['main', 'module', 'types', 'typings', 'browser'])
    if (typeof manifest[field] === 'string') add(field, manifest[field]);
  if (typeof manifest.bin === 'string') add('bin', manifest.bin);
  else walk('bin', manifest.bin);
  walk('exports', manifest.exports);
  walk('imports', manifest.imports);
  return targets;
}

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`. */
export function packageOf(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

const builtins = new Set(builtinModules);
const isBuiltin = (spec) => spec.startsWith('node:') || builtins.has(spec) || builtins.has(spec.split('/')[0]);

/** Bare module specifiers imported or required by one JS or declaration file. */
export function importedSpecifiers(source, { declaration = false } = {}) {
  const found = new Set();
  const patterns = [
    /(?:^|[\s;})])(?:import|export)\s[^'"`;]*?\sfrom\s*(['"])([^'"\n]+)\1/g, // import x from 'y' / export * from 'y'
    /(?:^|[\s;})])import\s*(['"])([^'"\n]+)\1/g, // import 'y'
    /\bimport\s*\(\s*(['"])([^'"\n]+)\1\s*\)/g, // import('y')
    /\brequire\s*\(\s*(['"])([^'"\n]+)\1\s*\)/g, // require('y')
  ];
  if (declaration) patterns.push(/\/\/\/\s*<reference\s+types\s*=\s*(['"])([^'"]+)\1/g);
  for (const re of patterns) {
    for (const m of source.matchAll(re)) {
      const spec = m[2];
      if (spec.startsWith('.') || spec.startsWith('/') || spec.startsWith('#') || spec.includes('${')) continue;
      found.add(spec);
    }
  }
  return [...found];
}

function listFiles(dir) {
  const out = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...listFiles(path));
    else out.push(path);
  }
  return out;
}

/**
 * Runs the static checks on an extracted tarball (`dir` is its `package/` folder).
 * Returns `{ errors, warnings }` as lists of sentences.
 */
export function staticChecks(dir, files) {
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const errors = [];
  const warnings = [];
  const shipped = new Set(files);

  for (const field of DEP_FIELDS) {
    for (const [dep, range] of Object.entries(manifest[field] ?? {})) {
      if (/^(workspace|link|file|catalog):/.test(range))
        errors.push(`packed ${field}.${dep} is still '${range}' (pack with pnpm so workspace ranges become versions)`);
    }
  }

  for (const { where, path } of manifestTargets(manifest)) {
    if (path.includes('*')) {
      const re = new RegExp(`^${path.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
      if (![...shipped].some((f) => re.test(f))) errors.push(`${where} → ./${path} matches no file in the tarball`);
    } else if (!shipped.has(path)) errors.push(`${where} → ./${path} is not in the tarball`);
  }
  if (![...shipped].some((f) => /^readme(\.md)?$/i.test(f))) warnings.push('no README in the tarball');
  if (![...shipped].some((f) => /^licen[sc]e/i.test(f)))
    warnings.push(`no LICENSE file in the tarball (license field: ${manifest.license ?? 'none'})`);

  const binTargets = typeof manifest.bin === 'string' ? [manifest.bin] : Object.values(manifest.bin ?? {});
  for (const bin of binTargets) {
    const path = join(dir, bin);
    if (shipped.has(bin.replace(/^\.\//, '')) && !readFileSync(path, 'utf8').startsWith('#!')) errors.push(`bin ${bin} has no #! line`);
  }

  const declared = new Set(DEP_FIELDS.flatMap((f) => Object.keys(manifest[f] ?? {})));
  const devOnly = new Set(Object.keys(manifest.devDependencies ?? {}).filter((d) => !declared.has(d)));
  const used = new Map();
  for (const path of listFiles(dir)) {
    const rel = relative(dir, path);
    const declaration = /\.d\.(c|m)?ts$/.test(rel);
    if (!declaration && !/\.(c|m)?js$/.test(rel)) continue;
    for (const spec of importedSpecifiers(readFileSync(path, 'utf8'), { declaration })) {
      if (isBuiltin(spec)) continue;
      const name = packageOf(spec);
      if (name === manifest.name) continue;
      if (declaration && name === 'node') continue; // /// <reference types="node" />
      if (!used.has(name)) used.set(name, new Set());
      used.get(name).add(rel);
    }
  }
  for (const [name, where] of used) {
    if (declared.has(name)) continue;
    const files = [...where].join(', ');
    const types = onlyDeclarations(files) ? ' (declaration files only: consumers without skipLibCheck get a type error)' : '';
    errors.push(
      `imports '${name}' in ${files} but does not declare it in dependencies or peerDependencies${devOnly.has(name) ? ' (only in devDependencies)' : ''}${types}`,
    );
  }
  for (const name of Object.keys(manifest.dependencies ?? {})) {
    if (!used.has(name)) warnings.push(`declares dependency '${name}' but no shipped file imports it`);
  }
  return { errors, warnings, manifest };
}

const onlyDeclarations = (files) => files.split(', ').every((f) => /\.d\.(c|m)?ts$/.test(f));
