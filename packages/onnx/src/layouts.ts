// tfjs layouts (convkit's parameters) → PyTorch's (ONNX's) layouts, in plain loops over the values
// read once at write time.

/** `[kh,kw,in,out]` → `[out,in,kh,kw]` (OIHW). */
export function hwioToOihw([kh, kw, cin, cout]: readonly number[]): (v: Float32Array) => Float32Array {
  return (v) => {
    const out = new Float32Array(v.length);
    for (let h = 0; h < kh; h++) {
      for (let w = 0; w < kw; w++) {
        for (let i = 0; i < cin; i++) {
          const src = ((h * kw + w) * cin + i) * cout;
          for (let o = 0; o < cout; o++) out[((o * cin + i) * kh + h) * kw + w] = v[src + o];
        }
      }
    }
    return out;
  };
}

/**
 * `[in,out]` → `[out,in]`; when the input is a `[C,H,W]` map flattened (ONNX's order C,H,W)
 * while the weight's rows follow convkit's NHWC flatten (H,W,C), the rows are reordered too.
 */
export function linearToTorch(
  [rows, cols]: readonly number[],
  flattened?: { channels: number; height: number; width: number },
): (v: Float32Array) => Float32Array {
  return (v) => {
    const out = new Float32Array(v.length);
    for (let r = 0; r < rows; r++) {
      let target = r;
      if (flattened) {
        // row r = (h·W + w)·C + c in convkit's order; c·H·W + h·W + w in ONNX's.
        const c = r % flattened.channels;
        const hw = Math.floor(r / flattened.channels);
        target = c * flattened.height * flattened.width + hw;
      }
      for (let o = 0; o < cols; o++) out[o * rows + target] = v[r * cols + o];
    }
    return out;
  };
}
