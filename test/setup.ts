// Node test runs use the CPU backend; every test file starts from it, and scratch folders made
// by `tempDir` go when the test file ends.
import * as tf from '@tensorflow/tfjs-core';
import '@convkit/backend-cpu';
import { removeTempDirs } from '@convkit/test-utils/node';
import { afterAll } from 'vitest';

tf.env().set('IS_TEST', true);
await tf.setBackend('cpu');

afterAll(removeTempDirs);
