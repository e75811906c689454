import { listModels } from '@convkit/models';
import type { Command } from 'commander';
import { count, table } from '../format';

export function registerModels(program: Command): void {
  program
    .command('models')
    .description('list the models with parameter counts, default input sizes and pretrained weights')
    .action(() => {
      const rows = listModels().map((m) => [
        m.name,
        m.family,
        count(m.params),
        `${m.inputSize}×${m.inputSize}`,
        m.weights.map((w) => `${w.tag} (${w.metrics.acc1}%)`).join(', '),
      ]);
      console.log(table(['model', 'family', 'params', 'input', 'weights (ImageNet top-1)'], rows, [2]));
    });
}
