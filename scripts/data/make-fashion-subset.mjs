#!/usr/bin/env node
// Writes the small Fashion-MNIST subset shipped in @convkit/data (assets/fashion-mnist-subset/):
// the first N/10 images of every class of each split, in their original order, so the subset is
// stratified (exactly balanced) and reproducible without a random seed. Source: Debian's
// dataset-fashion-mnist. Needs the package built first: pnpm --filter @convkit/data build.
//
//   node scripts/data/make-fashion-subset.mjs [--train 6000] [--test 1000] [--src DIR]
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { FASHION_MNIST_FILES, encodeIdx, fashionMnistFromIdx } from '../../packages/data/dist/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { values } = parseArgs({
  options: {
    train: { type: 'string', default: '6000' },
    test: { type: 'string', default: '1000' },
    src: { type: 'string', default: '/usr/share/datasets/fashion-mnist' },
  },
});
const out = join(root, 'packages/data/assets/fashion-mnist-subset');
mkdirSync(out, { recursive: true });

for (const split of ['train', 'test']) {
  const count = Number(values[split]);
  if (!Number.isInteger(count) || count % 10 !== 0) throw new Error(`--${split} must be a multiple of 10, got ${values[split]}`);
  const names = FASHION_MNIST_FILES[split];
  const full = fashionMnistFromIdx({
    images: readFileSync(join(values.src, names.images)),
    labels: readFileSync(join(values.src, names.labels)),
  });
  const perClass = new Array(10).fill(0);
  const picked = [];
  full.labels.forEach((label, i) => {
    if (perClass[label] < count / 10) {
      perClass[label]++;
      picked.push(i);
    }
  });
  if (picked.length !== count) throw new Error(`${split}: only ${picked.length} examples for ${count}`);
  const images = new Uint8Array(count * 784);
  picked.forEach((src, k) => images.set(full.images.subarray(src * 784, (src + 1) * 784), k * 784));
  const labels = Uint8Array.from(picked, (i) => full.labels[i]);
  // node's gzip header has mtime 0, so reruns give byte-identical files.
  const write = (file, idx) => {
    writeFileSync(join(out, file), gzipSync(encodeIdx(idx), { level: 9 }));
    console.log(`wrote ${join('packages/data/assets/fashion-mnist-subset', file)}`);
  };
  write(names.images, { shape: [count, 28, 28], data: images });
  write(names.labels, { shape: [count], data: labels });
}

copyFileSync('/usr/share/doc/dataset-fashion-mnist/copyright', join(out, 'LICENSE'));
writeFileSync(
  join(out, 'README.md'),
  `# Fashion-MNIST subset

A stratified subset of [Fashion-MNIST](https://github.com/zalandoresearch/fashion-mnist)
(© 2017 Zalando SE, MIT licence — see LICENSE, the Debian package's copyright file): the first
${values.train / 10} training and ${values.test / 10} test images of each of the 10 classes, in their original order,
as gzipped IDX files under the original names. Regenerate with
\`node scripts/data/make-fashion-subset.mjs\`.
`,
);
console.log('wrote LICENSE and README.md');
