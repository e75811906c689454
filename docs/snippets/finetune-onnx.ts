import '@convkit/backend-cpu';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { Linear, Sequential } from '@convkit/layers';
import { exportOnnx, importOnnx } from '@convkit/onnx';
import { fit, SGD } from '@convkit/train';
import * as ort from 'onnxruntime-node';

// The file export_onnx.py wrote: torchvision's resnet18, BatchNorm kept.
const bytes = new Uint8Array(readFileSync(new URL('fixtures/resnet18.onnx', import.meta.url)));

// 1. The whole network, as a convkit Module under torchvision's names.
const full = await importOnnx(bytes);
const names = Object.keys(full.stateDict());
console.log(`${names.length} tensors: ${names.slice(0, 3).join(', ')}, …, ${names.at(-1)}`);
console.log(`parameters: ${full.numParameters().toLocaleString('en-US')}`);
const x = tf.randomNormal([2, 64, 64, 3], 0, 1, 'float32', 7); // NHWC, like every convkit model
const nchw = tf.transpose(x, [0, 3, 1, 2]);
const logits = full.predict(x);
const { output } = full.run({ input: nchw }); // the graph's own names and layout
const gap = tf.max(tf.abs(tf.sub(logits, output))).dataSync()[0] / tf.max(tf.abs(logits)).dataSync()[0];
console.log(`predict: [${logits.shape}], run: [${output.shape}], the same logits: ${gap < 1e-5}`);
tf.dispose([logits, output]);
full.dispose();

// 2. A backbone: the graph cut at its Flatten (the 512 features fc reads), and a new head.
const backbone = await importOnnx(bytes, { outputs: ['/Flatten_output_0'] });
const model = new Sequential(backbone, new Linear(512, 3, { generator: 0 }));
backbone.freeze();
const trainable = model.namedParameters().filter(([, p]) => p.trainable);
console.log(`trainable: ${trainable.map(([name]) => name).join(', ')} (${model.numParameters({ trainableOnly: true })} values)`);

// 3. Train the head with @convkit/train (a frozen backbone keeps its BatchNorm statistics).
const data = [{ x, y: tf.tensor1d([0, 2], 'int32') }];
const optimizer = new SGD(model.trainableParameters(), { lr: 0.01, momentum: 0.9 });
const history = await fit(model, data, { epochs: 5, optimizer, disposeBatches: false });
console.log(`loss: ${history.epochs.map((e) => e.loss.toFixed(3)).join(' → ')}`);

// 4. Export the fine-tuned model and run it on onnxruntime.
const file = await exportOnnx(model, { inputShape: [1, 3, 64, 64] });
const session = await ort.InferenceSession.create(file);
const result = await session.run({ input: new ort.Tensor('float32', nchw.dataSync() as Float32Array, nchw.shape) });
const ours = model.predict(x);
const theirs = tf.tensor(result.output.data as Float32Array, [...result.output.dims]);
console.log(`onnxruntime: [${theirs.shape}], same as convkit: ${tf.max(tf.abs(tf.sub(theirs, ours))).dataSync()[0] < 1e-4}`);
await session.release();
tf.dispose([x, nchw, ours, theirs, data[0].y]);
model.dispose();
