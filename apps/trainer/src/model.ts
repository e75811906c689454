import { Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential } from '@convkit/layers';
import { BatchNorm2d, Dropout } from '@convkit/regularization';

/** The course's small CNN (as in the docs' "Dropout and batch normalization" page), seeded. */
export function smallCnn(seed: number): Sequential {
  return new Sequential(
    new Conv2d(1, 16, 3, { padding: 1, bias: false, generator: seed }), new BatchNorm2d(16), new ReLU(), new MaxPool2d({ kernelSize: 2 }),
    new Conv2d(16, 32, 3, { padding: 1, bias: false, generator: seed + 1 }), new BatchNorm2d(32), new ReLU(), new MaxPool2d({ kernelSize: 2 }),
    new Flatten(), new Dropout(0.25, seed + 2), new Linear(32 * 7 * 7, 10, { generator: seed + 3 }),
  );
}
