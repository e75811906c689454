// Node-only entry (`@convkit/train/node`): writing checkpoints to files.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { CheckpointInfo } from './fit/model-checkpoint';

/**
 * A `ModelCheckpoint` `save` function writing to `path`; `{epoch}` in the path is replaced by
 * the epoch number. The bytes go to a temporary file that is then renamed over the target, so
 * a crash never leaves a half-written checkpoint.
 */
export function saveToFile(path: string): (bytes: Uint8Array, info: CheckpointInfo) => Promise<void> {
  return async (bytes, info) => {
    const target = path.replaceAll('{epoch}', String(info.epoch));
    await mkdir(dirname(target), { recursive: true });
    const tmp = `${target}.${process.pid}.tmp`;
    await writeFile(tmp, bytes);
    await rename(tmp, target);
  };
}
