import type { OnnxModelInfo, OnnxNode } from '@convkit/onnx';
import { UsageError } from './model-name';

/** Where an ONNX classifier's last linear layer sits: what `convkit finetune` cuts off and replaces. */
export interface OnnxHead {
  /** The value the head reads (`/Flatten_output_0`): the cut backbone's output. */
  input: string;
  /** The head's weight initializer, as named in the file (`fc.weight`, `onnx::MatMul_193`). */
  weight: string;
  inFeatures: number;
  numClasses: number;
}

/**
 * The last linear layer producing the graph's output: a Gemm, or a MatMul (+ Add of a bias),
 * whose weight is an initializer (looked up through the Identity nodes torch puts in front of
 * de-duplicated initializers). Anything else after it (a Softmax, a conv classifier such as
 * SqueezeNet's) is a graph whose head cannot be replaced this way.
 */
export function findOnnxHead(info: OnnxModelInfo, file: string): OnnxHead {
  const producer = new Map<string, OnnxNode>();
  for (const n of info.nodes) for (const o of n.outputs) producer.set(o, n);
  const initializer = (name: string): string | undefined => {
    for (let current = name, hops = 0; hops < 16; hops++) {
      if (info.initializers.has(current)) return current;
      const p = producer.get(current);
      if (p?.opType !== 'Identity') return undefined;
      current = p.inputs[0];
    }
    return undefined;
  };
  const output = info.outputs[0]?.name ?? '';
  const last = producer.get(output);
  let linear = last;
  // MatMul + Add: the bias comes last.
  if (last?.opType === 'Add') {
    const [a, b] = last.inputs.map((i) => producer.get(i));
    linear =
      a?.opType === 'MatMul' && initializer(last.inputs[1]) ? a : b?.opType === 'MatMul' && initializer(last.inputs[0]) ? b : undefined;
  }
  const weight = linear && (linear.opType === 'Gemm' || linear.opType === 'MatMul') ? initializer(linear.inputs[1]) : undefined;
  const dims = weight ? info.initializers.get(weight)?.dims : undefined;
  if (!linear || !weight || dims?.length !== 2) {
    const what = last ? `${last.opType} node '${last.name}'` : 'no node';
    throw new UsageError(
      `${file}: cannot find the classifier head: the output '${output}' comes from ${what}, not from a Gemm or MatMul(+Add) with a weight in the file`,
    );
  }
  // Gemm with transB (what torch writes) holds [out, in]; MatMul and plain Gemm [in, out].
  const transposed = linear.opType === 'Gemm' && linear.attributes.transB === 1;
  const [inFeatures, numClasses] = transposed ? [dims[1], dims[0]] : [dims[0], dims[1]];
  return { input: linear.inputs[0], weight, inFeatures, numClasses };
}
