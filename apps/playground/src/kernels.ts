// Kernel presets (the classic image kernels); "custom" ones start as identity and are edited.

export interface KernelPreset {
  label: string;
  size: 3 | 5;
  weights: number[];
}

const identity5 = Array.from({ length: 25 }, (_, i) => (i === 12 ? 1 : 0));

export const kernels: Record<string, KernelPreset> = {
  verticalEdge: { label: 'Vertical edge (course)', size: 3, weights: [-1, 0, 1, -1, 0, 1, -1, 0, 1] },
  blur: { label: 'Blur', size: 3, weights: [0.0625, 0.125, 0.0625, 0.125, 0.25, 0.125, 0.0625, 0.125, 0.0625] },
  sharpen: { label: 'Sharpen', size: 3, weights: [0, -1, 0, -1, 5, -1, 0, -1, 0] },
  outline: { label: 'Edges (outline)', size: 3, weights: [-1, -1, -1, -1, 8, -1, -1, -1, -1] },
  emboss: { label: 'Emboss', size: 3, weights: [-2, -1, 0, -1, 1, 1, 0, 1, 2] },
  sobelX: { label: 'Sobel x', size: 3, weights: [-1, 0, 1, -2, 0, 2, -1, 0, 1] },
  sobelY: { label: 'Sobel y', size: 3, weights: [-1, -2, -1, 0, 0, 0, 1, 2, 1] },
  identity: { label: 'Identity', size: 3, weights: [0, 0, 0, 0, 1, 0, 0, 0, 0] },
  boxBlur5: { label: 'Box blur 5×5', size: 5, weights: Array(25).fill(0.04) },
  custom3: { label: 'Custom 3×3', size: 3, weights: [0, 0, 0, 0, 1, 0, 0, 0, 0] },
  custom5: { label: 'Custom 5×5', size: 5, weights: identity5 },
};
