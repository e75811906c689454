import * as tf from '@tensorflow/tfjs-core';
import { type Generator, ImageClassifier, init, linear, Module, toGenerator } from '@convkit/core';
import { importOnnx, type OnnxModel, registerOnnxMapping } from '@convkit/onnx';
import { UsageError } from './model-name';
import type { OnnxFile } from './onnx-model-input';
import { findOnnxHead } from './onnx-head';

/** What rebuilds an ONNX-based classifier: the cut point and the head's module path and size. */
export interface OnnxClassifierSpec {
  /** The value the head reads: the backbone is the graph cut there. */
  headInput: string;
  /** The head's module path, as the importer named the original one (`fc`, `classifier.1`). */
  head: string;
  inFeatures: number;
}

/** `nn.Linear(inFeatures, numClasses)` with PyTorch's default init (weight in tfjs layout [in, out]); exported as a Linear. */
class LinearHead extends Module {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    generator: Generator,
  ) {
    super();
    this.weight = this.registerParameter('weight', init.defaultWeight([inFeatures, outFeatures], inFeatures, generator));
    this.bias = this.registerParameter('bias', init.defaultWeight([outFeatures], inFeatures, generator));
  }

  override get typeName(): string {
    return 'Linear';
  }

  forward(x: tf.Tensor): tf.Tensor {
    return linear(tf.reshape(x, [x.shape[0] as number, -1]), this.weight as tf.Tensor2D, this.bias as tf.Tensor1D);
  }
}

/** A container on the head's path that the backbone does not have (`classifier` of `classifier.1`). */
class HeadScope extends Module {
  forward(x: tf.Tensor): tf.Tensor {
    return x;
  }
}

/**
 * An imported ONNX backbone (the graph cut before its classifier) with a new linear head, as an
 * `ImageClassifier` the fine-tune flow trains. The backbone is registered under the empty name,
 * so its modules' paths are its own and the state dict has the original names (`conv1.weight`,
 * …, `fc.weight`), as a torchvision model's; train/eval, freeze and cache invalidation reach it
 * as any child.
 */
export class OnnxClassifier extends ImageClassifier {
  readonly classifierPath: string;
  head!: LinearHead;

  constructor(
    readonly backbone: OnnxModel,
    readonly spec: OnnxClassifierSpec,
    numClasses: number,
    seed?: number | Generator,
  ) {
    super();
    this.registerModule('', backbone);
    this.classifierPath = spec.head;
    this.resetClassifier(numClasses, seed);
  }

  override get typeName(): string {
    return 'OnnxClassifier';
  }

  get numClasses(): number {
    return this.head.outFeatures;
  }

  /** The backbone's features as an NHWC `[N, 1, 1, C]` map (the pooled vector the head reads). */
  forwardFeatures(x: tf.Tensor): tf.Tensor {
    const y = this.backbone.forward(x);
    if (y.rank !== 2) {
      y.dispose();
      throw new UsageError(`the head's input '${this.spec.headInput}' has shape [${y.shape}]; expected [N, features]`);
    }
    const [n, c] = y.shape as [number, number];
    const map = tf.reshape(y, [n, 1, 1, c]);
    y.dispose();
    return map;
  }

  forwardHead(features: tf.Tensor): tf.Tensor {
    return this.head.forward(features);
  }

  resetClassifier(numClasses: number, seed?: number | Generator): void {
    const head = new LinearHead(this.spec.inFeatures, numClasses, toGenerator(seed));
    if (this.head) this.setModule(this.classifierPath, head);
    else {
      const parts = this.classifierPath.split('.');
      const name = parts.pop() as string;
      let parent: Module = this;
      for (const part of parts) {
        const next = parent.namedChildren().find(([n]) => n === part)?.[1];
        // registerModule is protected: every Module has it, so reach it through this class's view.
        parent = next ?? (parent as OnnxClassifier).registerModule(part, new HeadScope());
      }
      (parent as OnnxClassifier).registerModule(name, head);
    }
    this.head = head;
  }
}

// exportOnnx writes the backbone's own graph (where @convkit/onnx writes imported graphs), then the head's Gemm.
registerOnnxMapping('OnnxClassifier', (m, x, ctx) => {
  const { backbone, head } = m as OnnxClassifier;
  return ctx.emit(head, ctx.emit(backbone, x));
});

/** Imports `file` cut before its classifier head and puts a new head of the same size where it was (`resetClassifier` resizes it). */
export async function onnxClassifier(file: OnnxFile, seed?: number): Promise<OnnxClassifier> {
  const found = findOnnxHead(file.info, file.path);
  // The importer names the head's parameters; a whole import finds which name it gave.
  const whole = await importOnnx(file.bytes);
  const key = whole.namedParameters().find(([k]) => whole.originalName(k) === found.weight)?.[0];
  whole.dispose();
  const head = key ? key.slice(0, key.lastIndexOf('.')) : 'fc';
  return buildOnnxClassifier(file, { headInput: found.input, head, inFeatures: found.inFeatures }, found.numClasses, seed);
}

/** The classifier of a spec recorded in `convkit.json`. */
export async function buildOnnxClassifier(
  file: OnnxFile,
  spec: OnnxClassifierSpec,
  numClasses: number,
  seed?: number,
): Promise<OnnxClassifier> {
  const backbone = await importOnnx(file.bytes, { outputs: [spec.headInput] });
  try {
    return new OnnxClassifier(backbone, spec, numClasses, seed);
  } catch (e) {
    backbone.dispose();
    throw e;
  }
}
