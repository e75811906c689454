import type { GPGPUProgram, MathBackendWebGL } from '@tensorflow/tfjs-backend-webgl';
import { type KernelFunc, PadV2, type PadV2Attrs, type PadV2Inputs, type TensorInfo, util } from '@tensorflow/tfjs-core';
import type { KernelOverride } from '@convkit/core';
import { reshape } from './reshape';

/**
 * Constant padding of any rank. tfjs-backend-webgl 4.22 builds its pad shaders from at most four
 * coordinates, so a rank-5 or rank-6 pad fails to compile ("Failed to compile fragment shader");
 * convkit's dilated convolution pads a rank-6 view of the kernel. This shader works on flat
 * indices: one integer division per axis, with the shapes baked in as constants.
 */
class FlatPadProgram implements GPGPUProgram {
  variableNames = ['x'];
  customUniforms = [{ name: 'value', type: 'float' as const }];
  outputShape: number[];
  userCode: string;

  constructor(xShape: number[], paddings: Array<[number, number]>) {
    const outShape = paddings.map(([before, after], i) => before + xShape[i] + after);
    this.outputShape = [util.sizeFromShape(outShape)];
    const outStrides = [...util.computeStrides(outShape), 1];
    const xStrides = [...util.computeStrides(xShape), 1];
    const axes = outShape.map(
      (_, i) => `
        c = rest / ${outStrides[i]};
        rest -= c * ${outStrides[i]};
        c -= ${paddings[i][0]};
        inside = inside && c >= 0 && c < ${xShape[i]};
        offset += c * ${xStrides[i]};`,
    );
    this.userCode = `
      void main() {
        int rest = getOutputCoords();
        int c = 0;
        int offset = 0;
        bool inside = true;
        ${axes.join('')}
        if (inside) {
          setOutput(getX(offset));
        } else {
          setOutput(value);
        }
      }`;
  }
}

export const padV2: KernelOverride = {
  kernelName: PadV2,
  make: (tfjsPad) =>
    ((args: { inputs: PadV2Inputs; backend: MathBackendWebGL; attrs: PadV2Attrs }): TensorInfo => {
      const { inputs, backend, attrs } = args;
      const x = inputs.x as TensorInfo;
      if (x.shape.length <= 4 || util.sizeFromShape(x.shape) === 0)
        return (tfjsPad as KernelFunc)(args as unknown as Parameters<KernelFunc>[0]) as TensorInfo;
      const paddings = attrs.paddings as Array<[number, number]>;
      const flatX = reshape(backend, x, [util.sizeFromShape(x.shape)]);
      const flatY = backend.runWebGLProgram(new FlatPadProgram(x.shape, paddings), [flatX], x.dtype, [[attrs.constantValue]]);
      const y = reshape(
        backend,
        flatY,
        paddings.map(([before, after], i) => before + x.shape[i] + after),
      );
      backend.disposeIntermediateTensorInfo(flatX);
      backend.disposeIntermediateTensorInfo(flatY);
      return y;
    }) as unknown as KernelFunc,
};
