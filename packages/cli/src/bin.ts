#!/usr/bin/env node
import '@convkit/backend-cpu';
import { ConvkitError, selectBackend } from '@convkit/core';
import { Command } from 'commander';
import { registerBench } from './commands/bench';
import { registerModels } from './commands/models';
import { registerPredict } from './commands/predict';
import { registerSummary } from './commands/summary';
import { registerTrain } from './commands/train';
import { registerWeights } from './commands/weights';

const program = new Command()
  .name('convkit')
  .description("convolutional neural networks in TypeScript: torchvision's models, PyTorch's numbers")
  .showHelpAfterError('(add --help for usage)');

registerTrain(program);
registerModels(program);
registerSummary(program);
registerPredict(program);
registerWeights(program);
registerBench(program);

program.hook('preAction', async () => {
  await selectBackend(['cpu']);
});

try {
  await program.parseAsync();
} catch (e) {
  // Our errors already say where and what; print them without a stack trace.
  if (e instanceof ConvkitError || (e instanceof Error && e.name === 'Error')) {
    console.error(`error: ${e.message}`);
    process.exit(1);
  }
  throw e;
}
