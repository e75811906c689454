// Runs one usage smoke inside the temporary install project (this file is copied there, so bare
// specifiers resolve from that project's node_modules and nowhere else).
// usage: node run.mjs <smoke-file.mjs> <esm|cjs>
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [file, mode] = process.argv.slice(2);
const project = process.cwd();
const require = createRequire(join(project, 'package.json'));
// ESM and CJS run in separate processes: one copy of tfjs-core (and its kernel registry) each.
const load = mode === 'cjs' ? async (id) => require(id) : (id) => import(id);
const scratch = mkdtempSync(join(tmpdir(), 'convkit-smoke-'));
const started = Date.now();
try {
  const smoke = (await import(pathToFileURL(resolve(file)).href)).default;
  const said = await smoke({ load, mode, project, scratch, assert });
  console.log(`ok ${file} (${mode}, ${Date.now() - started} ms)${said ? `: ${said}` : ''}`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
