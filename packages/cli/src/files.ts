import { accessSync, constants, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { UsageError } from './model-name';

// fs errors carry a code and a message that repeats the syscall; the CLI names the path once.
function reason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file or folder';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a folder, not a file';
  if (code === 'ENOTDIR') return 'a part of the path is not a folder';
  return (e as Error).message;
}

/** Reads a file the user named, or fails with one line naming it. */
export function readUserFile(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new UsageError(`cannot read ${path}: ${reason(e)}`);
  }
}

/** Checks that a file the user named (e.g. --weights) can be read before any work starts. */
export function checkReadableFile(path: string): void {
  try {
    if (statSync(path).isDirectory()) throw Object.assign(new Error(), { code: 'EISDIR' });
    accessSync(path, constants.R_OK);
  } catch (e) {
    throw new UsageError(`cannot read ${path}: ${reason(e)}`);
  }
}

/** Checks that a folder the user named (e.g. --data) exists. */
export function checkFolder(path: string): void {
  let folder = false;
  try {
    folder = statSync(path).isDirectory();
  } catch (e) {
    throw new UsageError(`cannot read ${path}: ${reason(e)}`);
  }
  if (!folder) throw new UsageError(`cannot read ${path}: not a folder`);
}

/** Writes next to the target and renames, so a failure never leaves half a file. */
export function writeUserFile(path: string, bytes: Uint8Array): void {
  const partial = `${path}.partial`;
  try {
    writeFileSync(partial, bytes);
    renameSync(partial, path);
  } catch (e) {
    rmSync(partial, { force: true });
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot write ${path}: ${code === 'ENOENT' ? 'no such folder' : reason(e)}`);
  }
}

/** A --weights value that is a local path (not 'default' and not a URL). */
export function isLocalPath(source: string): boolean {
  return source !== 'default' && !/^[a-z][a-z0-9+.-]*:\/\//i.test(source);
}
