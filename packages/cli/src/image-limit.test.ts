import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { blackPng } from '../../data/src/__fixtures__/black-png';

const bin = new URL('../dist/bin.js', import.meta.url).pathname;
const images = new URL('../../data/src/__fixtures__/images/', import.meta.url).pathname;
// Preloaded into the child: prints its peak resident memory as it exits.
const reportPeak = 'data:text/javascript,process.on("exit",()=>process.stderr.write(`peak rss ${process.resourceUsage().maxRSS} KiB\\n`))';

function convkit(...args: string[]) {
  const started = performance.now();
  const r = spawnSync(process.execPath, ['--import', reportPeak, bin, ...args], { encoding: 'utf8' });
  const peakMiB = Number(/peak rss (\d+) KiB/.exec(r.stderr)?.[1]) / 1024;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, seconds: (performance.now() - started) / 1000, peakMiB };
}

describe('convkit predict --max-pixels', () => {
  const dir = mkdtempSync(join(tmpdir(), 'convkit-image-limit-'));
  afterAll(() => rmSync(dir, { recursive: true }));

  // Without the header check this 1.2 MB file ran for 9 minutes and reached 23 GB before the
  // kernel killed it; squeezenet1_1 is the quickest model to build (~1 s, ~110 MB).
  it('refuses a PNG declaring 20000×20000 from its header: exit 1, one line, fast and small', () => {
    const bomb = join(dir, 'bomb.png');
    writeFileSync(bomb, blackPng(20000, 20000, 4));
    const r = convkit('predict', 'squeezenet1_1', bomb);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      'error: bomb.png: declares 20000×20000 = 400,000,000 pixels, more than the limit 89,478,485 (raise maxPixels to allow it)\n',
    );
    expect(r.seconds).toBeLessThan(30);
    expect(r.peakMiB).toBeLessThan(500);
  });

  it('passes the limit to the decoder: at the image size it predicts, one below it refuses', () => {
    const rgb = join(images, 'rgb.png'); // 23×17 = 391 pixels
    const ok = convkit('predict', 'squeezenet1_1', rgb, '--max-pixels', '391', '--top', '1');
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('rgb.png');
    const refused = convkit('predict', 'squeezenet1_1', rgb, '--max-pixels', '390');
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/^error: rgb\.png: declares 23×17 = 391 pixels, more than the limit 390 /m);
    const bad = convkit('predict', 'squeezenet1_1', rgb, '--max-pixels', '0');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/--max-pixels must be a positive number, got '0'/);
  });
});
