import { existsSync } from 'node:fs';
import { defineConfig } from 'vitepress';

// What a host must send for the live demos to be cross-origin isolated (guide/performance.md):
// the CPU backend's kernels then run on worker threads.
const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

// Pages written alongside other work (benchmarks, bundle sizes): listed once they exist.
const optional = (file: string, text: string) =>
  existsSync(new URL(`../guide/${file}.md`, import.meta.url)) ? [{ text, link: `/guide/${file}` }] : [];

export default defineConfig({
  title: 'convkit',
  description: "Convolutional neural networks in TypeScript: torchvision's models on tfjs, NHWC, PyTorch semantics.",
  outDir: 'dist',
  head: [['link', { rel: 'icon', href: '/favicon.svg', type: 'image/svg+xml' }]],
  cleanUrls: false,
  srcExclude: ['snippets/**', 'dist/**', '.generated/**', 'README.md'],
  // The API reference is typedoc's static HTML in public/api, not a VitePress page.
  ignoreDeadLinks: [/^\/api\//],
  themeConfig: {
    nav: [
      { text: 'Guide', link: '/guide/what-is-a-cnn' },
      { text: 'API', link: '/api/index.html', target: '_self' },
    ],
    sidebar: [
      {
        text: 'The course',
        items: [
          { text: 'What a CNN is', link: '/guide/what-is-a-cnn' },
          { text: 'The convolution', link: '/guide/convolution' },
          { text: 'Dropout and batch normalization', link: '/guide/dropout-batch-norm' },
          { text: 'VGG', link: '/guide/vgg' },
          { text: 'GoogLeNet', link: '/guide/googlenet' },
          { text: 'ResNet', link: '/guide/resnet' },
          { text: 'EfficientNet', link: '/guide/efficientnet' },
          { text: 'Inside a CNN', link: '/guide/inside-a-cnn' },
          { text: 'Transfer learning', link: '/guide/transfer-learning' },
          { text: 'Fine-tune on your images', link: '/guide/finetune' },
        ],
      },
      {
        text: 'Mobile architectures',
        items: [
          { text: 'MobileNet', link: '/guide/mobilenet' },
          { text: 'MNASNet', link: '/guide/mnasnet' },
          { text: 'ShuffleNet', link: '/guide/shufflenet' },
          { text: 'SqueezeNet', link: '/guide/squeezenet' },
          { text: 'All models', link: '/guide/models' },
        ],
      },
      {
        text: 'In practice',
        items: [
          { text: 'Loading PyTorch weights', link: '/guide/pytorch-weights' },
          { text: 'Deploy with ONNX', link: '/guide/onnx' },
          { text: 'Fine-tune any ONNX CNN', link: '/guide/finetune-onnx' },
          { text: 'When one machine is not enough', link: '/guide/scale-out' },
          { text: 'Choosing a backend', link: '/guide/backends' },
          ...optional('performance', 'Performance'),
          ...optional('benchmark-results', 'Benchmark results'),
          ...optional('benchmark-mobile', 'Benchmark: mobile families'),
          ...optional('bundle-sizes', 'Bundle sizes'),
          { text: 'API reference', link: '/api/index.html', target: '_self' },
        ],
      },
    ],
    search: { provider: 'local' },
  },
  vite: {
    // tfjs-core keeps its kernel registry in module state: one copy for the whole page.
    resolve: { dedupe: ['@tensorflow/tfjs-core'] },
    // VitePress answers page requests itself, where Vite's `server.headers` do not apply: a
    // middleware in front sends the headers with every response of `vitepress dev`.
    // (`vitepress preview` is a plain static server without them; a host sends them itself.)
    plugins: [
      {
        name: 'cross-origin-isolation',
        configureServer(server) {
          server.middlewares.use((_req, res, next) => {
            for (const [name, value] of Object.entries(isolation)) res.setHeader(name, value);
            next();
          });
        },
      },
    ],
  },
});
