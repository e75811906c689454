// Loads every entry point of one package in one module system and prints its export names as JSON.
// usage: node entry-check.mjs <esm|cjs> <specifier>...
import { createRequire } from 'node:module';
import { join } from 'node:path';

const [mode, ...specifiers] = process.argv.slice(2);
const require = createRequire(join(process.cwd(), 'package.json'));
const out = {};
for (const id of specifiers) {
  const ns = mode === 'cjs' ? require(id) : await import(id);
  out[id] = Object.keys(ns)
    .filter((k) => k !== 'default' && k !== '__esModule' && k !== 'module.exports')
    .sort();
}
console.log(JSON.stringify(out));
