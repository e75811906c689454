import '@convkit/backend-cpu';
import { conv2dParamCount, convOutputSize, poolOutputSize } from '@convkit/core';
import { createModel } from '@convkit/models';

const fmt = (n: number) => n.toLocaleString('en-US');

// A Fire module, 96 → 128 channels: squeeze 1×1 to 16, then 1×1 (64) and 3×3 (64) side by side.
const squeeze = conv2dParamCount({ inChannels: 96, outChannels: 16, kernelSize: 1 });
const expand1 = conv2dParamCount({ inChannels: 16, outChannels: 64, kernelSize: 1 });
const expand3 = conv2dParamCount({ inChannels: 16, outChannels: 64, kernelSize: 3 });
console.log(`Fire(96 → 16 → 64 + 64): ${fmt(squeeze)} + ${fmt(expand1)} + ${fmt(expand3)} = ${fmt(squeeze + expand1 + expand3)}`);
console.log(`3×3 conv 96 → 128: ${fmt(conv2dParamCount({ inChannels: 96, outChannels: 128, kernelSize: 3 }))}`);

// The sizes at 224: a stride-2 stem without padding, then 3×3 stride-2 max pools with ceil_mode=True.
for (const [name, stem] of [
  ['squeezenet1_0', 7],
  ['squeezenet1_1', 3],
] as const) {
  const stemSize = convOutputSize(224, stem, { stride: 2 });
  const pools = (ceilMode: boolean) => {
    const sizes = [stemSize];
    for (let i = 0; i < 3; i++) sizes.push(poolOutputSize(sizes[i], 3, { stride: 2, ceilMode }));
    return sizes.join(' → ');
  };
  console.log(`${name}: ${pools(true)} (ceil mode); ${pools(false)} in floor mode`);

  const model = createModel(name, { seed: 0 });
  const summary = model.summary([1, 224, 224, 3], { depth: 2 });
  const pools3 = summary.rows.filter((r) => r.type === 'MaxPool2d').map((r) => r.outputShape!.join('×'));
  console.log(`  the model's pools: ${pools3.join(', ')}; features ${summary.rows[0].outputShape!.join('×')}`);
  console.log(`  parameters: ${fmt(model.numParameters())}`);
  console.log(`  classifier.1 (1×1 conv 512 → 1000): ${fmt(model.getModule('classifier.1').numParameters())}`);
  model.dispose();
}
