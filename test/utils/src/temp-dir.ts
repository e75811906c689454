// Scratch folders for tests, removed when the test file ends (test/setup.ts registers the
// cleanup): a suite that writes model files must not leave hundreds of MB in /tmp per run.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made: string[] = [];

/** A new empty folder under the OS temp dir, removed after the current test file. */
export function tempDir(prefix = 'convkit-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Removes every folder `tempDir` made so far. */
export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}
