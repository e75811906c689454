import * as tf from '@tensorflow/tfjs-core';
import '@convkit/backend-cpu';
import { OptionError, ShapeError } from '@convkit/core';
import { describe, expect, it } from 'vitest';
import { featureMapGrid, jet, overlayHeatmap } from './index';

describe('jet', () => {
  it("is OpenCV's COLORMAP_JET: dark blue at 0, dark red at 255, the ramps in between", () => {
    // Octave's jet at x = i/255, ×255: blue starts at 0.5 (127.5 → 128), red ends at 0.5.
    expect(jet(0)).toEqual([0, 0, 128]);
    expect(jet(255)).toEqual([128, 0, 0]);
    // i = 96: red 4·96 − 382.5 = 1.5 → 2, green saturated, blue 637.5 − 4·96 = 253.5 → 254.
    expect(jet(96)).toEqual([2, 255, 254]);
    // i = 32: green 4·32 − 127.5 = 0.5 → 1 (OpenCV's table: 0.00196·255 = 0.5), blue saturated.
    expect(jet(32)).toEqual([0, 1, 255]);
    // i = 160: red 257.5 → 255, green 892.5 − 640 = 252.5 → 253, blue 0.
    expect(jet(160)).toEqual([255, 253, 0]);
  });
});

describe('overlayHeatmap', () => {
  it('blends jet over the image with alpha, opaque; grey and RGBA images count as RGB', () => {
    const rgb = { data: new Uint8Array([100, 50, 200, 0, 0, 0]), width: 2, height: 1, channels: 3 as const };
    const out = overlayHeatmap(rgb, new Float32Array([0, 1]));
    // 0.5·(100,50,200) + 0.5·(0,0,128) = (50,25,164); 0.5·(0,0,0) + 0.5·(128,0,0) = (64,0,0).
    expect(Array.from(out.data)).toEqual([50, 25, 164, 255, 64, 0, 0, 255]);
    expect([out.width, out.height]).toEqual([2, 1]);
    const grey = overlayHeatmap({ data: new Uint8ClampedArray([200]), width: 1, height: 1, channels: 1 }, new Float32Array([0]), {
      alpha: 0.25,
    });
    // 0.75·200 + 0.25·(0,0,128) = (150,150,182).
    expect(Array.from(grey.data)).toEqual([150, 150, 182, 255]);
    const rgba = overlayHeatmap({ data: new Uint8Array([10, 20, 30, 7]), width: 1, height: 1, channels: 4 }, new Float32Array([2]), {
      alpha: 0,
    });
    expect(Array.from(rgba.data)).toEqual([10, 20, 30, 255]);
  });

  it('rejects sizes that do not fit and alpha outside [0,1]', () => {
    const image = { data: new Uint8Array(12), width: 2, height: 2, channels: 3 as const };
    expect(() => overlayHeatmap(image, new Float32Array(3))).toThrow(ShapeError);
    expect(() => overlayHeatmap({ ...image, data: new Uint8Array(11) }, new Float32Array(4))).toThrow(/expected 2·2·3 = 12 values, got 11/);
    expect(() => overlayHeatmap(image, new Float32Array(4), { alpha: 1.5 })).toThrow(OptionError);
    expect(() => overlayHeatmap({ ...image, channels: 2 as 3 }, new Float32Array(4))).toThrow(OptionError);
  });
});

describe('featureMapGrid', () => {
  it('scales each channel to its own range, tiles row by row with a white 1-pixel gap', () => {
    // [1,2,2,3]: channel 0 = 0,1,2,3; channel 1 = 10,10,10,10 (constant → black); channel 2 = 4,3,2,1.
    const maps = tf.tensor4d([0, 10, 4, 1, 10, 3, 2, 10, 2, 3, 10, 1], [1, 2, 2, 3]);
    const grid = featureMapGrid(maps, { columns: 2 });
    expect([grid.width, grid.height]).toEqual([5, 5]);
    const grey = (x: number, y: number) => grid.data[(y * grid.width + x) * 4];
    // Tile 0 at (0,0): 0, 85, 170, 255.
    expect([grey(0, 0), grey(1, 0), grey(0, 1), grey(1, 1)]).toEqual([0, 85, 170, 255]);
    // The gap column, and tile 1 at (3,0): constant, black.
    expect([grey(2, 0), grey(3, 0), grey(4, 1)]).toEqual([255, 0, 0]);
    // Tile 2 at (0,3): 255, 170, 85, 0; the empty fourth tile stays white.
    expect([grey(0, 3), grey(1, 3), grey(0, 4), grey(1, 4), grey(3, 3)]).toEqual([255, 170, 85, 0, 255]);
    expect(grid.data[3]).toBe(255);
    // Nearest-neighbour tiles of 4 pixels, the first 2 maps only.
    const big = featureMapGrid(maps, { maxMaps: 2, tileSize: 4 });
    expect([big.width, big.height]).toEqual([9, 4]);
    expect(big.data[(3 * 9 + 3) * 4]).toBe(255);
    maps.dispose();
  });

  it('takes one image only and positive sizes', () => {
    const two = tf.zeros([2, 2, 2, 1]) as tf.Tensor4D;
    expect(() => featureMapGrid(two)).toThrow(ShapeError);
    const one = tf.zeros([1, 2, 2, 1]) as tf.Tensor4D;
    expect(() => featureMapGrid(one, { tileSize: 0 })).toThrow(OptionError);
    tf.dispose([one, two]);
  });
});
