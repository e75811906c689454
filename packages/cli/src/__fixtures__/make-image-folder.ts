import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';

/** Four classes a small CNN tells apart by colour and shape. */
export const SHAPE_CLASSES = ['blue_triangle', 'green_square', 'red_circle', 'yellow_cross'] as const;

const COLOURS: Record<(typeof SHAPE_CLASSES)[number], [number, number, number]> = {
  blue_triangle: [40, 70, 220],
  green_square: [40, 190, 60],
  red_circle: [220, 40, 40],
  yellow_cross: [230, 210, 40],
};

/** mulberry32: a small seeded generator, so the same seed writes the same files. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function inside(cls: (typeof SHAPE_CLASSES)[number], u: number, v: number): boolean {
  // u, v in [-1, 1] relative to the shape's box.
  if (cls === 'red_circle') return u * u + v * v <= 1;
  if (cls === 'green_square') return Math.abs(u) <= 0.8 && Math.abs(v) <= 0.8;
  if (cls === 'blue_triangle') return v >= -0.9 && v <= 0.9 && Math.abs(u) <= (v + 0.9) / 1.8;
  return Math.abs(u) <= 0.3 || Math.abs(v) <= 0.3;
}

/** One RGBA image: a noisy grey background and the class's shape at a random place and size. */
function draw(cls: (typeof SHAPE_CLASSES)[number], random: () => number): { data: Uint8Array; width: number; height: number } {
  const width = 32 + Math.floor(random() * 33);
  const height = 32 + Math.floor(random() * 33);
  const side = Math.min(width, height);
  const r = side * (0.3 + 0.15 * random());
  const [cx, cy] = [r + random() * (width - 2 * r), r + random() * (height - 2 * r)];
  const background = 90 + Math.floor(random() * 80);
  const colour = COLOURS[cls];
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const on = inside(cls, (x - cx) / r, (y - cy) / r);
      const i = 4 * (y * width + x);
      for (let c = 0; c < 3; c++) {
        const noise = Math.floor((random() - 0.5) * 30);
        data[i + c] = Math.max(0, Math.min(255, (on ? colour[c] : background) + noise));
      }
      data[i + 3] = 255;
    }
  }
  return { data, width, height };
}

export interface ImageFolderFixture {
  /** Paths (relative to the root) of the files that must be reported as unusable. */
  bad: string[];
}

/**
 * Writes `root/<class>/<i>.png|.jpg` (`perClass` images each, PNG and JPEG alternating, 32–64 px),
 * plus a corrupt PNG, a truncated JPEG and a text file named `.png`.
 */
export function makeImageFolder(root: string, { perClass = 40, seed = 1 }: { perClass?: number; seed?: number } = {}): ImageFolderFixture {
  const random = rng(seed);
  let lastJpeg: Buffer | undefined;
  for (const cls of SHAPE_CLASSES) {
    mkdirSync(join(root, cls), { recursive: true });
    for (let i = 0; i < perClass; i++) {
      const image = draw(cls, random);
      const name = String(i).padStart(3, '0');
      if (i % 2 === 0) writeFileSync(join(root, cls, `${name}.png`), encodePng(image));
      else writeFileSync(join(root, cls, `${name}.jpg`), (lastJpeg = jpeg.encode(image, 90).data));
    }
  }
  const bad = [join(SHAPE_CLASSES[0], 'corrupt.png'), join(SHAPE_CLASSES[1], 'truncated.jpg'), join(SHAPE_CLASSES[2], 'notes.png')];
  const png = encodePng(draw(SHAPE_CLASSES[0], random));
  writeFileSync(join(root, bad[0]), Buffer.concat([png.subarray(0, 40), Buffer.alloc(200, 7)]));
  writeFileSync(join(root, bad[1]), lastJpeg!.subarray(0, Math.floor(lastJpeg!.length / 2)));
  writeFileSync(join(root, bad[2]), 'these are my notes, not an image\n');
  return { bad };
}

function encodePng(image: { data: Uint8Array; width: number; height: number }): Buffer {
  return pngjs.PNG.sync.write(Object.assign(new pngjs.PNG({ width: image.width, height: image.height }), { data: Buffer.from(image.data) }));
}
