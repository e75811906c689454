import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { closeBrowser, openPage, shot, type TestPage } from './browser';
import { type Served, serve } from './serve';

let server: Served;
let t: TestPage;

beforeAll(async () => {
  server = await serve('docs/dist');
  t = await openPage(server.url);
});
// Each test answers for the errors of its own pages.
beforeEach(() => void t.errors.splice(0));
afterAll(async () => {
  await t?.close();
  await closeBrowser();
  await server?.close();
});

const guides = [
  'what-is-a-cnn',
  'convolution',
  'dropout-batch-norm',
  'vgg',
  'googlenet',
  'resnet',
  'efficientnet',
  'transfer-learning',
  'pytorch-weights',
  'backends',
  'performance',
  'benchmark-results',
  'bundle-sizes',
];

it('home page: hero, quick start code and its output', async () => {
  const { page } = t;
  expect(await page.locator('.VPHero .name').textContent()).toContain('convkit');
  const code = await page.locator('.vp-doc div[class*="language-"]').allTextContents();
  expect(code[0]).toContain("createModel('resnet18'");
  expect(code[1]).toContain('cpu [ 1, 10 ]');
  await shot(page, 'site-home');
  expect(t.errors).toEqual([]);
});

it.each(guides)('guide %s renders, lists every sidebar page, and includes resolved', async (name) => {
  const { page } = t;
  await page.goto(`${server.url}guide/${name}.html`);
  expect((await page.locator('.vp-doc h1').textContent())?.length).toBeGreaterThan(3);
  const text = (await page.locator('.vp-doc').textContent())!;
  // An include or snippet that failed to resolve must not slip through.
  expect(text).not.toMatch(/@include|File not found|<<</);
  const links = await page.locator('.VPSidebar a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  for (const g of guides)
    expect(
      links.some((l) => l?.includes(`/guide/${g}`)),
      g,
    ).toBe(true);
  expect(t.errors).toEqual([]);
});

it('the convolution guide computes the 5×5 example live: 6 at the top-left, and follows kernel edits', async () => {
  const { page } = t;
  await page.goto(`${server.url}guide/convolution.html`);
  expect(await page.evaluate(() => globalThis.crossOriginIsolated), 'served with COOP/COEP').toBe(true);
  const output = page.getByTestId('conv-demo-output');
  await expect.poll(() => output.locator('td').first().textContent(), { timeout: 30_000 }).toBe('6');
  expect(await page.getByTestId('conv-demo-backend').textContent()).toBe('cpu');
  expect(await page.locator('.vp-doc').textContent()).toContain('top-left: 6');
  await page.getByLabel('kernel 1,1').fill('1'); // the window's centre, 3, is now added too
  await expect.poll(() => output.locator('td').first().textContent()).toBe('9');
  await page.getByTestId('conv-demo').scrollIntoViewIfNeeded();
  await shot(page, 'site-convolution');
  expect(t.errors).toEqual([]);
});

it('architecture pages carry the generated tables with torchvision parameter counts', async () => {
  const { page } = t;
  for (const [name, text] of [
    ['vgg', '138,357,544'],
    ['googlenet', '6,624,904'],
    ['resnet', '25,557,032'],
    ['efficientnet', '5,288,548'],
  ]) {
    await page.goto(`${server.url}guide/${name}.html`);
    const tables = await page.locator('.vp-doc table').allTextContents();
    expect(tables.length, name).toBeGreaterThanOrEqual(2);
    expect(await page.locator('.vp-doc').textContent(), name).toContain(`Total: ${text} parameters`);
  }
  await shot(page, 'site-efficientnet');
  expect(t.errors).toEqual([]);
});

it('the API reference documents every package, and only ours', async () => {
  const { page } = t;
  await page.goto(`${server.url}api/index.html`);
  const modules = await page.locator('a[href^="modules/"]').allTextContents();
  for (const pkg of [
    'core',
    'layers',
    'regularization',
    'vgg',
    'googlenet',
    'resnet',
    'efficientnet',
    'models',
    'weights',
    'data',
    'train',
    'backend-cpu',
  ]) {
    expect(modules, pkg).toContain(`@convkit/${pkg}`);
  }
  expect(modules.every((m) => m.startsWith('@convkit/'))).toBe(true);
  await page.goto(`${server.url}api/modules/_convkit_core.html`);
  expect(await page.locator('body').textContent()).toContain('convOutputSize');
  await shot(page, 'site-api');
  expect(t.errors).toEqual([]);
});
