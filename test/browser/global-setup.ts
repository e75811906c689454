// Runs in Node before either project: makes sure the PyTorch references exist (generating the
// missing ones with /usr/bin/python3 + torch, in the cache the Node suite uses) and tells the
// specs where they are.
import type { TestProject } from 'vitest/node';
import { ensureTorchReference, torchAvailable } from '@convkit/test-utils/node';
import { ensureOnnxExport } from './onnx-exports';
import { architectureCases, onnxCaseKey, onnxImportCases, referenceKey } from './references';

export default function setup(project: TestProject): void {
  const references: Record<string, { json: string; bin: string }> = {};
  for (const c of torchAvailable() ? architectureCases : []) {
    const stem = ensureTorchReference(c.model, { size: c.size });
    references[referenceKey(c)] = { json: `${stem}.json`, bin: `${stem}.bin` };
  }
  project.provide('references', references);
  const onnx = Object.fromEntries((torchAvailable() ? onnxImportCases : []).map((c) => [onnxCaseKey(c), ensureOnnxExport(c)]));
  project.provide('onnxReferences', onnx);
}
