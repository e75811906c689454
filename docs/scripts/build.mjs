// The site build: the typedoc API reference and the architecture tables (generated in
// parallel, they are independent), then VitePress into docs/dist.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const docs = fileURLToPath(new URL('..', import.meta.url));
const run = (cmd, args, cwd = docs) =>
  new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(cmd, args, { cwd, stdio: 'inherit' });
    child.on('exit', (code) => {
      if (code === 0) resolve(console.log(`[docs] ${[cmd, ...args].join(' ')}: ${((Date.now() - started) / 1000).toFixed(1)} s`));
      else reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}`));
    });
  });

const bin = (name) => fileURLToPath(new URL(`../node_modules/.bin/${name}`, import.meta.url));

// The model families: the page, the model whose layers are listed, the table depth.
const tables = [
  ['vgg', 'vgg16', 1],
  ['googlenet', 'googlenet', 1],
  ['resnet', 'resnet50', 2],
  ['efficientnet', 'efficientnet_b0', 2],
  ['mobilenet', 'mobilenet_v3_large', 2],
  ['mnasnet', 'mnasnet1_0', 2],
  ['shufflenet', 'shufflenet_v2_x1_0', 2],
  ['squeezenet', 'squeezenet1_1', 2],
];

async function generateTables() {
  // Two at a time: VGG16 alone takes ~20 s (138 M random weights); the rest fit beside it.
  const queue = [...tables];
  const worker = async () => {
    for (let t = queue.shift(); t; t = queue.shift()) await run('node', ['scripts/architecture-table.mjs', ...t.map(String)]);
  };
  await Promise.all([worker(), worker()]);
}

// typedoc runs from the repository root, where typedoc.json lists the packages.
await Promise.all([run(bin('typedoc'), [], fileURLToPath(new URL('../..', import.meta.url))), generateTables()]);
await run(bin('vitepress'), ['build']);
