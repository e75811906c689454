// @convkit/test-utils/node: the helpers that need Node (files, /usr/bin/python3 with torch).
// Never imported by the specs of test/browser that run in Chromium.
import { readFileSync } from 'node:fs';

export { type ArchitectureCase, describeArchitectures } from './architecture-suite';
export { removeTempDirs, tempDir } from './temp-dir';
export { ensureTorchReference, type TorchReference, torchAvailable, torchReference } from './torch-reference';

/** Reads a JSON fixture (`new URL('./__fixtures__/x.json', import.meta.url)`). */
export function readJson<T>(url: URL): T {
  return JSON.parse(readFileSync(url, 'utf8')) as T;
}
