import { createModel } from '@convkit/models';
import { userModelInfo } from '../model-name';
import type { Command } from 'commander';
import { positiveInt } from '../format';

export function registerSummary(program: Command): void {
  program
    .command('summary')
    .description("print a model's layers, output shapes and parameter counts")
    .argument('<model>', 'model name, e.g. resnet50 (see `convkit models`)')
    .option('--input <size>', 'input height and width (default: the model’s eval size)', positiveInt('--input'))
    .option('--num-classes <n>', 'classifier size', positiveInt('--num-classes'), 1000)
    .option('--depth <n>', 'also list containers down to this depth', positiveInt('--depth'))
    .action((name: string, opts: { input?: number; numClasses: number; depth?: number }) => {
      const info = userModelInfo(name);
      const size = opts.input ?? info.inputSize;
      const model = createModel(name, { numClasses: opts.numClasses, seed: 0 });
      console.log(model.summary([1, size, size, 3], { depth: opts.depth }).toString());
      model.dispose();
    });
}
