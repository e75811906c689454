import { type WebGPUBackend, type WebGPUProgram, webgpu_util } from '@tensorflow/tfjs-backend-webgpu';
import { type KernelFunc, PadV2, type PadV2Attrs, type PadV2Inputs, type TensorInfo, util } from '@tensorflow/tfjs-core';
import type { KernelOverride } from '@convkit/core';

/**
 * Constant padding of any rank. tfjs-backend-webgpu 4.22 reads the input with at most four
 * coordinates, so a rank-5 or rank-6 pad silently returns wrong values (convkit's dilated
 * convolution pads a rank-6 view of the kernel). This shader works on flat indices: one integer
 * division per axis, with the shapes baked in as constants.
 */
class FlatPadProgram implements WebGPUProgram {
  variableNames = ['x'];
  uniforms = 'constantValue : f32,';
  workgroupSize: [number, number, number] = [64, 1, 1];
  size = true;
  outputShape: number[];
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  shaderKey: string;
  private readonly body: string;

  constructor(xShape: number[], paddings: Array<[number, number]>) {
    const outShape = paddings.map(([before, after], i) => before + xShape[i] + after);
    this.outputShape = [util.sizeFromShape(outShape)];
    this.dispatchLayout = webgpu_util.flatDispatchLayout(this.outputShape);
    this.dispatch = webgpu_util.computeDispatch(this.dispatchLayout, this.outputShape, this.workgroupSize);
    this.shaderKey = `convkitFlatPad_${xShape.join('x')}_${paddings.flat().join('_')}`;
    const outStrides = [...util.computeStrides(outShape), 1];
    const xStrides = [...util.computeStrides(xShape), 1];
    this.body = outShape
      .map(
        (_, i) => `
          c = rest / ${outStrides[i]};
          rest = rest - c * ${outStrides[i]};
          c = c - ${paddings[i][0]};
          inside = inside && c >= 0 && c < ${xShape[i]};
          offset = offset + c * ${xStrides[i]};`,
      )
      .join('');
  }

  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index < uniforms.size) {
          var rest = index;
          var c = 0;
          var offset = 0;
          var inside = true;
          ${this.body}
          if (inside) {
            setOutputAtIndex(index, getX(offset));
          } else {
            setOutputAtIndex(index, uniforms.constantValue);
          }
        }
      }`;
  }
}

export const padV2: KernelOverride = {
  kernelName: PadV2,
  make: (tfjsPad) =>
    ((args: { inputs: PadV2Inputs; backend: WebGPUBackend; attrs: PadV2Attrs }): TensorInfo => {
      const { inputs, backend, attrs } = args;
      const x = inputs.x as TensorInfo;
      if (x.shape.length <= 4 || x.dtype !== 'float32' || util.sizeFromShape(x.shape) === 0)
        return (tfjsPad as KernelFunc)(args as unknown as Parameters<KernelFunc>[0]) as TensorInfo;
      const paddings = attrs.paddings as Array<[number, number]>;
      // WebGPU buffers are flat, so a flat view of x is the same buffer under another shape.
      const flatX: TensorInfo = { dataId: x.dataId, shape: [util.sizeFromShape(x.shape)], dtype: x.dtype };
      const program = new FlatPadProgram(x.shape, paddings);
      const flatY = backend.runWebGPUProgram(program, [flatX], x.dtype, [{ type: 'float32', data: [attrs.constantValue] }]);
      return { dataId: flatY.dataId, shape: paddings.map(([before, after], i) => before + x.shape[i] + after), dtype: flatY.dtype };
    }) as unknown as KernelFunc,
};
