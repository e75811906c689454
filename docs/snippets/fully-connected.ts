import { conv2dParamCount, linearParamCount } from '@convkit/core';

// A 100×100 grey image flattened into 10,000 inputs, fed to 100 neurons:
const weights = linearParamCount(100 * 100, 100, { bias: false });
console.log(`fully connected: ${weights.toLocaleString('en-US')} weights`);

// A colour image of the same size has three times as many.
console.log(`colour: ${linearParamCount(100 * 100 * 3, 100, { bias: false }).toLocaleString('en-US')} weights`);

// 100 filters of 3×3 look at every position with the same 9 weights (+ 1 bias) each,
// whatever the image size.
const conv = conv2dParamCount({ inChannels: 1, outChannels: 100, kernelSize: 3 });
console.log(`convolution: ${conv.toLocaleString('en-US')} parameters`);
