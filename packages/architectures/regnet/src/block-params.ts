import { makeDivisible, OptionError } from '@convkit/core';

/** A RegNet design point: the paper's depth, initial width w₀, slope wₐ, log step wₘ and group width. */
export interface RegNetDesign {
  depth: number;
  w0: number;
  wa: number;
  wm: number;
  groupWidth: number;
  bottleneckMultiplier?: number;
  /** SE squeeze ratio relative to the block's input width (RegNetY: 0.25); none for RegNetX. */
  seRatio?: number;
}

/** Per-stage settings (four stages for every torchvision RegNet), as torchvision's `BlockParams`. */
export interface BlockParams {
  depths: number[];
  widths: number[];
  groupWidths: number[];
  bottleneckMultipliers: number[];
  strides: number[];
  seRatio?: number;
}

const f32 = Math.fround;

/** torch.round: half to even. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * torchvision's `BlockParams.from_init_params`: block widths w₀·wₘ^round(log(1 + i·wₐ/w₀) / log wₘ)
 * quantised to multiples of 8, runs of equal width as stages, then widths made divisible by the
 * (clamped) group width. torchvision computes in float32 tensors: so does this, via Math.fround,
 * so the rounding lands where PyTorch's does.
 */
export function blockParamsFromDesign({ depth, w0, wa, wm, groupWidth, bottleneckMultiplier = 1, seRatio }: RegNetDesign): BlockParams {
  if (wa < 0 || w0 <= 0 || wm <= 1 || w0 % 8 !== 0) {
    throw new OptionError('RegNet', `invalid design: need wa ≥ 0, w0 > 0 a multiple of 8, wm > 1; got w0=${w0} wa=${wa} wm=${wm}`);
  }
  const logWm = f32(Math.log(wm));
  const blockWidths = Array.from({ length: depth }, (_, i) => {
    const widthCont = f32(f32(i * f32(wa)) + w0);
    const capacity = roundHalfEven(f32(f32(Math.log(f32(widthCont / w0))) / logWm));
    return roundHalfEven(f32(f32(w0 * f32(f32(wm) ** capacity)) / 8)) * 8;
  });
  const widths: number[] = [];
  const depths: number[] = [];
  for (const w of blockWidths) {
    if (w === widths[widths.length - 1]) depths[depths.length - 1]++;
    else {
      widths.push(w);
      depths.push(1);
    }
  }
  // _adjust_widths_groups_compatibilty: the bottleneck width divisible by a group width no larger than it.
  const groupWidths = widths.map((w) => Math.min(groupWidth, Math.trunc(w * bottleneckMultiplier)));
  const adjusted = widths.map((w, i) =>
    Math.trunc(makeDivisible(Math.trunc(w * bottleneckMultiplier), groupWidths[i]) / bottleneckMultiplier),
  );
  return {
    depths,
    widths: adjusted,
    groupWidths,
    bottleneckMultipliers: widths.map(() => bottleneckMultiplier),
    strides: widths.map(() => 2),
    seRatio,
  };
}
