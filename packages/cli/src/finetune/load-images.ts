import { statSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { ConvkitError, type EvalTransforms, type Generator, toGenerator } from '@convkit/core';
import { centerCrop, compose, type HWCImage, randperm, resize, toTensor } from '@convkit/data';
import { ImageFolderDataset } from '@convkit/data/node';
import { UsageError } from '../model-name';

/** Files larger than this are reported, not read: no photo of a fine-tuning set needs more. */
const MAX_FILE_BYTES = 64 * 1024 * 1024;
/** Images whose header declares more pixels are reported, not decoded (40 MP is 120 MB of RGB). */
const MAX_PIXELS = 40_000_000;

/** Images of one split, eval-preprocessed once and kept as uint8 `[N, crop, crop, 3]`. */
export interface ImageSplit {
  images: Uint8Array;
  labels: Int32Array;
  size: number;
}

export interface LoadedFolder {
  classes: readonly string[];
  train: ImageSplit;
  val: ImageSplit;
  /** `<folder>/train` + `<folder>/val`, or a seeded split of one folder. */
  source: 'folders' | 'split';
  bad: { path: string; reason: string }[];
}

const isDir = (path: string) => statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;

/** Opens an ImageFolder; torchvision-style errors become one-line usage errors naming the folder. */
function openFolder(root: string): ImageFolderDataset {
  if (!isDir(root)) throw new UsageError(`cannot read ${root}: not a folder`);
  let dataset: ImageFolderDataset;
  try {
    dataset = new ImageFolderDataset(root, { maxPixels: MAX_PIXELS });
  } catch (e) {
    if (!(e instanceof ConvkitError)) throw e;
    throw new UsageError(`${root} is not an image folder: ${e.message.slice(e.where.length + 2)}`);
  }
  if (dataset.classes.length < 2)
    throw new UsageError(`${root} has one class folder (${dataset.classes[0]}); a classifier needs at least two, one sub-folder per class`);
  return dataset;
}

/** Reads, decodes, resizes and centre-crops one example to uint8, or says why the file cannot be used. */
function preprocess(set: ImageFolderDataset, index: number, transform: (x: tf.Tensor4D) => tf.Tensor4D): Uint8Array | string {
  const bytes = statSync(set.samples[index][0]).size;
  if (bytes > MAX_FILE_BYTES) return `too large (${bytes} bytes; the limit is ${MAX_FILE_BYTES})`;
  let image: HWCImage;
  try {
    image = set.get(index).image;
  } catch (e) {
    // The dataset names the file in `where`; the report names it too, so keep the reason only.
    if (e instanceof ConvkitError) return e.message.slice(e.where.length + 2);
    throw e;
  }
  return tf.tidy(() => {
    const out = tf.clipByValue(tf.round(tf.mul(transform(toTensor(image)), 255)), 0, 255);
    return Uint8Array.from(out.dataSync());
  });
}

function toSplit(items: { pixels: Uint8Array; label: number }[], size: number): ImageSplit {
  const images = new Uint8Array(items.length * size * size * 3);
  items.forEach((it, i) => images.set(it.pixels, i * it.pixels.length));
  return { images, labels: Int32Array.from(items, (it) => it.label), size };
}

/** Per class, a seeded `fraction` of its images (at least one) goes to validation, like a stratified split. */
function stratify(labels: number[], classes: number, fraction: number, generator: Generator): boolean[] {
  const isVal = new Array<boolean>(labels.length).fill(false);
  for (let c = 0; c < classes; c++) {
    const members = labels.flatMap((l, i) => (l === c ? [i] : []));
    const take = Math.max(1, Math.round(fraction * members.length));
    if (members.length < 2) continue;
    for (const k of randperm(members.length, generator).subarray(0, take)) isVal[members[k]] = true;
  }
  return isVal;
}

export interface LoadOptions {
  transforms: EvalTransforms;
  valSplit: number;
  seed: number;
  onFile?: (done: number, total: number) => void;
}

/**
 * Reads an ImageFolder (`<folder>/train` + `<folder>/val` when both exist) once: every image
 * decoded, resized and centre-cropped with the eval transforms, kept as uint8. Unreadable files
 * are collected with the reason, not thrown.
 */
export function loadImageFolder(folder: string, { transforms: t, valSplit, seed, onFile }: LoadOptions): LoadedFolder {
  const twoFolders = isDir(join(folder, 'train')) && isDir(join(folder, 'val'));
  const sets = twoFolders ? [openFolder(join(folder, 'train')), openFolder(join(folder, 'val'))] : [openFolder(folder)];
  const classes = sets[0].classes;
  if (twoFolders && sets[1].classes.join('\n') !== classes.join('\n'))
    throw new UsageError(
      `${folder}/train and ${folder}/val must have the same class folders; train has ${classes.join(', ')}, val has ${sets[1].classes.join(', ')}`,
    );
  const transform = compose([resize(t.resizeSize, { interpolation: t.interpolation, antialias: true }), centerCrop(t.cropSize)]);
  const total = sets.reduce((n, s) => n + s.length, 0);
  const bad: LoadedFolder['bad'] = [];
  let done = 0;
  const good = sets.map((set) =>
    set.samples.flatMap(([path, label], index) => {
      const pixels = preprocess(set, index, transform);
      onFile?.(++done, total);
      if (typeof pixels === 'string') {
        bad.push({ path, reason: pixels }); // as the user named the folder
        return [];
      }
      return [{ pixels, label }];
    }),
  );
  let [train, val] = good;
  if (!twoFolders) {
    const isVal = stratify(
      train.map((s) => s.label),
      classes.length,
      valSplit,
      toGenerator(seed),
    );
    val = train.filter((_, i) => isVal[i]);
    train = train.filter((_, i) => !isVal[i]);
  }
  for (const [name, split] of [
    ['training', train],
    ['validation', val],
  ] as const) {
    const missing = classes.filter((_, c) => !split.some((s) => s.label === c));
    if (missing.length) throw new UsageError(`no readable ${name} image for the class(es) ${missing.join(', ')} in ${folder}`);
  }
  return { classes, train: toSplit(train, t.cropSize), val: toSplit(val, t.cropSize), source: twoFolders ? 'folders' : 'split', bad };
}
