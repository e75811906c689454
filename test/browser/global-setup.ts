// Runs in Node before either project: makes sure the PyTorch references exist (generating the
// missing ones with /usr/bin/python3 + torch) and tells the specs where they are.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { architectureCases, referenceKey } from './references';

const ROOT = new URL('../..', import.meta.url).pathname;
const CACHE = join(ROOT, '.cache', 'torch-fixtures');
const PYTHON = '/usr/bin/python3';

export default function setup(project: TestProject): void {
  const torch = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import torch, torchvision'], { stdio: 'ignore' }).status === 0;
  if (!torch && process.env.CI) throw new Error('CI needs /usr/bin/python3 with torch and torchvision (python3-torch, python3-torchvision)');
  const references: Record<string, { json: string; bin: string }> = {};
  for (const c of torch ? architectureCases : []) {
    // Same layout and arguments as test/torch-reference.ts, so both suites share the cache.
    const dir = join(CACHE, c.model);
    const stem = join(dir, `${c.model}-${c.size}-0`);
    if (!existsSync(`${stem}.bin`) || !existsSync(`${stem}.json`)) {
      execFileSync(PYTHON, [join(ROOT, 'scripts/fixtures/architectures.py'), c.model, '--size', String(c.size), '--seed', '0', '--batch', '2', '--out', dir], {
        stdio: ['ignore', 'ignore', 'inherit'],
      });
    }
    references[referenceKey(c)] = { json: `${stem}.json`, bin: `${stem}.bin` };
  }
  project.provide('references', references);
}
