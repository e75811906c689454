// The `convkit` command from node_modules/.bin, as a user runs it after `npm install`.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export default async function ({ project, assert }) {
  const bin = join(project, 'node_modules', '.bin', 'convkit');
  const help = execFileSync(bin, ['--help'], { encoding: 'utf8' });
  for (const cmd of ['models', 'summary', 'predict']) assert.match(help, new RegExp(`\\b${cmd}\\b`), `--help lists ${cmd}`);
  const models = execFileSync(bin, ['models'], { encoding: 'utf8' });
  assert.match(models, /resnet18/);
  assert.match(models, /efficientnet_b0/);
  return 'convkit --help, convkit models';
}
