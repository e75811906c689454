import type * as tf from '@tensorflow/tfjs-core';
import { OptionError, ShapeError } from '@convkit/core';
import type { RgbaImage } from './overlay';

export interface GridOptions {
  /** Show the first `maxMaps` channels (default 64). */
  maxMaps?: number;
  /** Tiles per row (default: ceil(√maps), a near-square grid). */
  columns?: number;
  /** Each tile's width and height in pixels, nearest-neighbour scaled (default: the maps' larger side). */
  tileSize?: number;
}

/** Pixels between tiles, drawn white. */
const GAP = 1;

const positiveInt = (name: string, v: number) => {
  if (!Number.isInteger(v) || v < 1) throw new OptionError(`featureMapGrid: ${name}`, `expected a positive integer, got ${v}`);
};

/**
 * One image's feature maps (`[1,h,w,C]`) as a grid of small grey tiles, RGBA, row by row with a
 * 1-pixel white gap. Each channel is scaled to its own range: (v − min)/(max − min) → 0–255,
 * black where a channel is constant. Reads the tensor synchronously (CPU and WebGL).
 */
export function featureMapGrid(maps: tf.Tensor4D, options: GridOptions = {}): RgbaImage {
  if (maps.rank !== 4 || maps.shape[0] !== 1)
    throw new ShapeError('featureMapGrid: maps', `expected one image's maps [1,h,w,C], got [${maps.shape.join(', ')}]`);
  const [, h, w, channels] = maps.shape;
  const { maxMaps = 64 } = options;
  positiveInt('maxMaps', maxMaps);
  const n = Math.min(channels, maxMaps);
  const { columns = Math.ceil(Math.sqrt(n)), tileSize = Math.max(h, w) } = options;
  positiveInt('columns', columns);
  positiveInt('tileSize', tileSize);
  const rows = Math.ceil(n / columns);
  const width = columns * tileSize + (columns - 1) * GAP;
  const height = rows * tileSize + (rows - 1) * GAP;
  const out = new Uint8ClampedArray(width * height * 4).fill(255);
  const values = maps.dataSync();
  for (let c = 0; c < n; c++) {
    let min = Infinity;
    let max = -Infinity;
    for (let p = c; p < values.length; p += channels) {
      min = Math.min(min, values[p]);
      max = Math.max(max, values[p]);
    }
    const scale = max > min ? 255 / (max - min) : 0;
    const left = (c % columns) * (tileSize + GAP);
    const top = Math.floor(c / columns) * (tileSize + GAP);
    for (let y = 0; y < tileSize; y++) {
      const sy = Math.floor((y * h) / tileSize);
      for (let x = 0; x < tileSize; x++) {
        const sx = Math.floor((x * w) / tileSize);
        const grey = Math.round((values[(sy * w + sx) * channels + c] - min) * scale);
        const o = ((top + y) * width + left + x) * 4;
        out[o] = out[o + 1] = out[o + 2] = grey;
      }
    }
  }
  return { data: out, width, height };
}
