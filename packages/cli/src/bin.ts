#!/usr/bin/env node
import { enableFastKernels } from '@convkit/backend-cpu';
import { ConvkitError, selectBackend } from '@convkit/core';
import { Command } from 'commander';
import { registerBench } from './commands/bench';
import { registerExplain } from './commands/explain';
import { registerExport } from './commands/export';
import { registerFinetune } from './commands/finetune';
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
registerFinetune(program);
registerModels(program);
registerSummary(program);
registerPredict(program);
registerExplain(program);
registerWeights(program);
registerExport(program);
registerBench(program);

program.hook('preAction', async () => {
  // This process is ours: on Node 20, switch on relaxed SIMD (FMA, ~1.4× faster convolutions;
  // Node >= 22 has it on already). Libraries leave that choice to the application.
  enableFastKernels({ enableV8RelaxedSimdFlag: true });
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
