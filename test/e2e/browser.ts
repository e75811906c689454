// Launches Debian's Chromium through playwright-core (no browser download) with the flags that
// give WebGL2 and WebGPU on SwiftShader (see /work/shared/notes/browser-gpu.md), and records
// everything a page reports as an error.
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { removeTempDirs, tempDir } from '../utils/src/temp-dir';

// playwright-core is a devDependency of @convkit/docs (the root package.json does not list it).
const require = createRequire(new URL('../../docs/package.json', import.meta.url));
const { chromium } = require('playwright-core') as typeof import('playwright-core');

export const screenshots = new URL('screenshots/', import.meta.url).pathname;
mkdirSync(screenshots, { recursive: true });

const flags = [
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--enable-unsafe-swiftshader',
  '--enable-unsafe-webgpu',
  // A fake camera (a generated test pattern) that pages get without a permission prompt.
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
];

export interface TestPage {
  page: Page;
  /** Console errors, uncaught exceptions and failed requests, as they happen. */
  errors: string[];
  close(): Promise<void>;
}

let browser: Browser | undefined;

export async function openPage(url: string): Promise<TestPage> {
  browser ??= await chromium.launch({ executablePath: '/usr/bin/chromium', args: flags, headless: true });
  const context: BrowserContext = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(`console: ${m.text()}`));
  page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
  // Requests cut short by a navigation (prefetches of the next page) are not failures.
  page.on(
    'requestfailed',
    (r) => r.failure()?.errorText !== 'net::ERR_ABORTED' && errors.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`),
  );
  page.on('response', (r) => r.status() >= 400 && errors.push(`HTTP ${r.status()}: ${r.url()}`));
  await page.goto(url);
  return { page, errors, close: () => context.close() };
}

export async function closeBrowser(): Promise<void> {
  await browser?.close();
  browser = undefined;
  removeTempDirs();
}

export const shot = (page: Page, name: string) => page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });

// A fresh temp dir for downloads and dropped files, removed by closeBrowser.
export const scratch = () => tempDir('convkit-e2e-');
