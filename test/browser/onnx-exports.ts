// Node only (the global setup): torchvision exports for the importer spec, made by
// scripts/fixtures/onnx-import.py into .cache/onnx-import under the stems @convkit/onnx's own
// torch fixtures use (`resnet18-13`, `mobilenet_v2-13-preserve`), so both suites share one cache.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { OnnxReferenceFiles } from './context';
import type { OnnxImportCase } from './references';

const ROOT = new URL('../..', import.meta.url).pathname;
const CACHE = join(ROOT, '.cache', 'onnx-import');

export function ensureOnnxExport({ model, preserve }: OnnxImportCase): OnnxReferenceFiles {
  const stem = [model, 13, preserve && 'preserve'].filter(Boolean).join('-');
  const path = (ext: string) => join(CACHE, stem + ext);
  if (!['.onnx', '.bin', '.json'].every((ext) => existsSync(path(ext)))) {
    mkdirSync(CACHE, { recursive: true });
    const scratch = mkdtempSync(join(CACHE, '.tmp-'));
    try {
      const flags = [...(preserve ? ['--preserve'] : []), '--size', '64', '--out', scratch, '--stem', stem];
      execFileSync('/usr/bin/python3', [join(ROOT, 'scripts/fixtures/onnx-import.py'), model, '--opset', '13', ...flags], {
        stdio: 'ignore',
      });
      for (const ext of ['.onnx', '.bin', '.json']) renameSync(join(scratch, stem + ext), path(ext)); // header last
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }
  return { onnx: path('.onnx'), json: path('.json'), bin: path('.bin') };
}
