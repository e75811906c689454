import '@convkit/backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { exportOnnx, toOnnxRuntime } from '@convkit/onnx';
import { resnet18 } from '@convkit/resnet';
import * as ort from 'onnxruntime-node';

// A fine-tuned model: new 3-class head, frozen backbone (train the head as in the transfer-learning guide).
const model = resnet18({ seed: 0 });
model.resetClassifier(3, 1);
model.freezeBackbone();

// 1. Export: NCHW input, dynamic batch, torchvision's names for the weights.
const bytes = await exportOnnx(model, { inputShape: [1, 3, 64, 64] });
console.log(`model.onnx: ${(bytes.byteLength / 2 ** 20).toFixed(1)} MiB`);

// 2. Run the file on onnxruntime-node, as any deployment would (NCHW in).
const session = await ort.InferenceSession.create(bytes);
const x = tf.randomNormal([2, 64, 64, 3], 0, 1, 'float32', 7);
const nchw = tf.transpose(x, [0, 3, 1, 2]);
const { output } = await session.run({ input: new ort.Tensor('float32', nchw.dataSync() as Float32Array, nchw.shape) });
const ours = model.predict(x);
const gap = tf.max(tf.abs(tf.sub(tf.tensor(output.data as Float32Array, [...output.dims]), ours))).dataSync()[0];
console.log(`onnxruntime output ${JSON.stringify(output.dims)}, same as convkit's: ${gap < 1e-4 * tf.max(tf.abs(ours)).dataSync()[0]}`);

// 3. Or keep convkit's API and let onnxruntime run it: NHWC tensor in, tensor out.
const predictor = await toOnnxRuntime(model, { inputShape: [1, 64, 64, 3] });
const logits = await predictor.predict(x);
console.log(`toOnnxRuntime: ${logits.shape}, top-1 ${tf.argMax(logits, 1).dataSync()} (convkit: ${tf.argMax(ours, 1).dataSync()})`);
await predictor.dispose();
await session.release();
tf.dispose([x, nchw, ours, logits]);
model.dispose();
