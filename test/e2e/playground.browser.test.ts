import { afterAll, beforeAll, expect, it } from 'vitest';
import { closeBrowser, openPage, shot, type TestPage } from './browser';
import { type Served, serve } from './serve';

let server: Served;
let t: TestPage;

beforeAll(async () => {
  server = await serve('apps/playground/dist');
  t = await openPage(server.url);
  await t.page.getByTestId('status').filter({ hasText: 'backend: cpu' }).waitFor();
});
afterAll(async () => {
  await t?.close();
  await closeBrowser();
  await server?.close();
});

it("is served cross-origin isolated (shared memory for the CPU kernels' worker threads)", async () => {
  expect(await t.page.evaluate(() => globalThis.crossOriginIsolated)).toBe(true);
});

it('computes the course example: 5×5 image, vertical-edge kernel → 6 at the top-left', async () => {
  const { page } = t;
  await page.selectOption('#image', 'course');
  await page.selectOption('#kernel', 'verticalEdge');
  await expect.poll(() => page.getByTestId('output-size').textContent()).toBe('3');
  await page.getByTestId('output').hover({ position: { x: 10, y: 10 } });
  await expect.poll(() => page.getByTestId('sum').textContent()).toBe('sum = 6 · conv2d gave 6');
  await expect.poll(() => page.getByTestId('formula').textContent()).toContain('✓ conv2d agrees');
  await shot(page, 'playground-course');
  expect(t.errors).toEqual([]);
});

it('changes kernel, stride and padding; the size follows the formula and the sum matches conv2d', async () => {
  const { page } = t;
  await page.selectOption('#image', 'shapes');
  await page.selectOption('#kernel', 'sobelX');
  await page.selectOption('#stride', '2');
  await page.selectOption('#padding', '1');
  // ⌊(64 − 3 + 2) / 2⌋ + 1 = 32
  await expect.poll(() => page.getByTestId('output-size').textContent()).toBe('32');
  await page.getByTestId('output').hover({ position: { x: 80, y: 90 } });
  const sum = (await page.getByTestId('sum').textContent())!;
  const [, bySum, byConv] = sum.match(/sum = (-?[\d.]+) · conv2d gave (-?[\d.]+)/)!;
  expect(Number(bySum)).toBeCloseTo(Number(byConv), 3);
  // Editing a weight switches to the custom kernel and recomputes.
  await page.getByLabel('weight 1,1').fill('10');
  expect(await page.locator('#kernel').inputValue()).toBe('custom3');
  await expect.poll(() => page.getByTestId('sum').textContent()).toMatch(/conv2d gave/);
  await shot(page, 'playground-sobel');
  expect(t.errors).toEqual([]);
});

it('runs on WebGL and draws on the canvas', async () => {
  const { page } = t;
  await page.selectOption('#backend', 'webgl');
  await page.getByTestId('status').filter({ hasText: 'backend: webgl' }).waitFor();
  await page.selectOption('#image', 'draw');
  await page.selectOption('#kernel', 'outline');
  const box = (await page.locator('#input').boundingBox())!;
  await page.mouse.move(box.x + 60, box.y + 60);
  await page.mouse.down();
  await page.mouse.move(box.x + 200, box.y + 180, { steps: 12 });
  await page.mouse.up();
  await expect.poll(() => page.locator('#output-caption').textContent()).toMatch(/on webgl/);
  // The drawn stroke makes the edge map non-constant.
  await expect.poll(() => page.locator('#output-caption').textContent()).not.toMatch(/min 0 = black to max 0 = white/);
  await shot(page, 'playground-webgl-draw');
  expect(t.errors).toEqual([]);
});
