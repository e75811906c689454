// Every public workspace package resolves to its built ESM entry (as a user of the package sees
// it), by its real path: one module instance whoever imports it, never a second copy via
// node_modules. Packages sit in packages/ and in its group folders (architectures/, backends/).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export function workspaceAliases(root: string): { find: RegExp; replacement: string }[] {
  const dirs = ['packages', 'packages/architectures', 'packages/backends'].flatMap((group) =>
    readdirSync(join(root, group)).map((name) => join(root, group, name)),
  );
  return dirs
    .filter((dir) => existsSync(join(dir, 'package.json')))
    .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) }))
    .filter(({ manifest }) => !manifest.private)
    .map(({ dir, manifest }) => ({ find: new RegExp(`^${manifest.name}$`), replacement: join(dir, 'dist/index.js') }));
}
