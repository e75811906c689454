import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FormatError } from '@convkit/core';
import { type Dataset, type Sample, checkIndex } from '../dataset';
import { checkMaxPixels, DEFAULT_MAX_PIXELS } from '../image-header';
import { decodeImage } from './decode-image';

/** The image files this package can decode (torchvision also accepts .bmp, .ppm, .tif, .webp, …). */
export const IMAGE_EXTENSIONS: readonly string[] = Object.freeze(['.png', '.jpg', '.jpeg']);

// Python's sorted() compares code points; for the BMP that is what < does on JS strings.
const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

const isDir = (path: string) => statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;

/**
 * `torchvision.datasets.ImageFolder` for Node: `root/<class>/**\/<image>`. Classes are the
 * sub-folders of `root` in sorted order (so label `i` is `classes[i]`, as in torchvision, hidden
 * folders included); files are found recursively and sorted the same way as torchvision's
 * `sorted(os.walk(...))`. Images are decoded to RGB uint8 on every `get`.
 *
 * A file that cannot be used is refused by `get(i)` with a `FormatError` whose place is the file's
 * path: not a PNG/JPEG, corrupt, or declaring more than `maxPixels` pixels (an `ImageTooLargeError`,
 * checked from the header before decoding; default 89,478,485 like Pillow). Nothing is skipped
 * silently: a training loop that skips bad files catches `FormatError` and reports its `where`.
 */
export class ImageFolderDataset implements Dataset {
  readonly classes: readonly string[];
  readonly classToIdx: Readonly<Record<string, number>>;
  /** `[path, label]` per example, in dataset order. */
  readonly samples: readonly (readonly [string, number])[];
  /** The pixel limit `get` applies to each file's declared size. */
  readonly maxPixels: number;

  constructor(
    readonly root: string,
    { extensions = IMAGE_EXTENSIONS, maxPixels = DEFAULT_MAX_PIXELS }: { extensions?: readonly string[]; maxPixels?: number } = {},
  ) {
    checkMaxPixels(maxPixels, `ImageFolderDataset(${root}).maxPixels`);
    this.maxPixels = maxPixels;
    if (!isDir(root)) throw new FormatError(`ImageFolderDataset(${root})`, 'root must be an existing folder');
    this.classes = readdirSync(root)
      .filter((name) => isDir(join(root, name)))
      .sort(byName);
    if (this.classes.length === 0) throw new FormatError(`ImageFolderDataset(${root})`, 'expected one sub-folder per class, found none');
    this.classToIdx = Object.fromEntries(this.classes.map((c, i) => [c, i]));
    const wanted = extensions.map((e) => e.toLowerCase());
    const samples: [string, number][] = [];
    const empty: string[] = [];
    this.classes.forEach((cls, label) => {
      const files = walk(join(root, cls)).filter((p) => wanted.some((e) => p.toLowerCase().endsWith(e)));
      if (files.length === 0) empty.push(cls);
      for (const path of files) samples.push([path, label]);
    });
    if (empty.length) {
      throw new FormatError(`ImageFolderDataset(${root})`, `found no ${wanted.join('/')} file for the classes ${empty.join(', ')}`);
    }
    this.samples = samples;
  }

  get length(): number {
    return this.samples.length;
  }

  get(index: number): Sample {
    checkIndex('ImageFolderDataset.get', index, this.samples.length);
    const [path, label] = this.samples[index];
    return { image: decodeImage(readFileSync(path), path, { maxPixels: this.maxPixels }), label };
  }
}

/** Every file below `dir`, ordered like `for root, _, files in sorted(os.walk(dir)): for f in sorted(files)`. */
function walk(dir: string): string[] {
  const folders: { path: string; files: string[] }[] = [];
  const visit = (path: string) => {
    const files: string[] = [];
    for (const name of readdirSync(path)) {
      const child = join(path, name);
      if (isDir(child)) visit(child);
      else files.push(name);
    }
    folders.push({ path, files: files.sort(byName) });
  };
  visit(dir);
  folders.sort((a, b) => byName(a.path, b.path));
  return folders.flatMap(({ path, files }) => files.map((f) => join(path, f)));
}
