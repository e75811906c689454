// Writes .generated/<family>.md: the family's variants (listModels) and the layer table of one
// model, from the real model's summary() — so the guides show what convkit actually builds.
//   node scripts/architecture-table.mjs <family> <model> <depth>
import { mkdirSync, writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import '@convkit/backend-cpu';
import { selectBackend } from '@convkit/core';
import { createModel, listModels } from '@convkit/models';

const [family, name, depth] = process.argv.slice(2);
await selectBackend(['cpu']);
const fmt = (n) => n.toLocaleString('en-US');
const shape = (s) => (s ? s.join('×') : '—');
// A module the forward pass never calls (e.g. a ReLU module whose block applies relu itself) has no shape.
const rowShape = (r) => shape(r.outputShape);

const variants = listModels({ family, source: 'torchvision' });
// One row per pretrained weights: recipes differ in accuracy and in the resize before the crop.
const lines = [
  '| model | parameters | weights | resize → crop | ImageNet top-1 / top-5 (torchvision weights) |',
  '|---|---:|---|---|---|',
  ...variants.flatMap((m) =>
    m.weights.length === 0
      ? [`| \`${m.name}\` | ${fmt(m.params)} | — | ${m.inputSize} | — |`]
      : m.weights.map((w, i) => {
          const head = i === 0 ? `\`${m.name}\` | ${fmt(m.params)}` : ' | ';
          return `| ${head} | ${w.tag} | ${w.transforms.resizeSize} → ${w.transforms.cropSize} (${w.transforms.interpolation}) | ${w.metrics.acc1} / ${w.metrics.acc5} |`;
        }),
  ),
  '',
];

const model = createModel(name, { seed: 0 });
const size = variants.find((m) => m.name === name).inputSize;
const summary = model.summary([1, size, size, 3], { depth: Number(depth) });
const published = variants.find((m) => m.name === name).params;
// The table is only worth showing if the model is torchvision's: fail the build otherwise.
if (summary.totalParams !== published) throw new Error(`${name}: ${summary.totalParams} parameters, torchvision publishes ${published}`);

lines.push(
  `Layer table of \`${name}\` at ${size}×${size} (\`model.summary([1, ${size}, ${size}, 3], { depth: ${depth} })\`; output shapes are NHWC without the batch):`,
  '',
  '| layer | type | output shape | parameters |',
  '|---|---|---|---:|',
  ...summary.rows.map((r) => `| ${'&nbsp;&nbsp;'.repeat(r.depth)}\`${r.path}\` | ${r.type} | ${rowShape(r)} | ${fmt(r.params)} |`),
  '',
  `**Total: ${fmt(summary.totalParams)} parameters** (torchvision publishes ${fmt(published)}), ${summary.sizeMB.toFixed(1)} MB of float32 parameters and buffers; output ${shape(summary.outputShape)}.`,
  '',
);
mkdirSync(new URL('../.generated/', import.meta.url), { recursive: true });
writeFileSync(new URL(`../.generated/${family}.md`, import.meta.url), lines.join('\n'));
model.dispose();
tf.disposeVariables();
console.log(`${family}: ${name}, ${summary.rows.length} rows`);
