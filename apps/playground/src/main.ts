import * as tf from '@tensorflow/tfjs-core';
import '@convkit/backend-cpu';
import '@convkit/backend-webgl';
import { conv2d, convOutputSize, selectBackend } from '@convkit/core';
import { num, windowTerms } from './arithmetic';
import { images, paint } from './images';
import { kernels } from './kernels';
import '../../base.css';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const imageSelect = $<HTMLSelectElement>('image');
const kernelSelect = $<HTMLSelectElement>('kernel');
const strideSelect = $<HTMLSelectElement>('stride');
const paddingSelect = $<HTMLSelectElement>('padding');
const backendSelect = $<HTMLSelectElement>('backend');
const inputCanvas = $<HTMLCanvasElement>('input');
const outputCanvas = $<HTMLCanvasElement>('output');
const grid = $<HTMLDivElement>('grid');
const status = $<HTMLSpanElement>('status');

for (const [key, { label }] of Object.entries(images)) imageSelect.add(new Option(label, key));
for (const [key, { label }] of Object.entries(kernels)) kernelSelect.add(new Option(label, key));

const state = {
  image: images.shapes.make(),
  size: 3,
  weights: [...kernels.verticalEdge.weights],
  stride: 1,
  padding: 0,
  output: null as { data: Float32Array; height: number; width: number } | null,
  hover: null as { oy: number; ox: number } | null,
};

const DISPLAY = 256;

/**
 * Draws grey levels scaled up to the 256-px canvas without smoothing, so pixels stay crisp and
 * overlays (the window outline, the values of tiny images) can be drawn at display resolution.
 */
function drawGrey(canvas: HTMLCanvasElement, data: Float32Array, width: number, height: number, [lo, hi]: [number, number]): void {
  const small = new OffscreenCanvas(width, height);
  const pixels = new ImageData(width, height);
  for (let i = 0; i < width * height; i++) {
    const v = hi > lo ? ((data[i] - lo) * 255) / (hi - lo) : 128; // a constant map is mid-grey
    pixels.data.set([v, v, v, 255], i * 4);
  }
  small.getContext('2d')!.putImageData(pixels, 0, 0);
  canvas.width = DISPLAY;
  canvas.height = DISPLAY;
  const ctx = canvas.getContext('2d')!;
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(small, 0, 0, DISPLAY, DISPLAY);
  if (width > 8 || height > 8) return;
  // Small enough to read: write each value in its cell.
  ctx.font = `${Math.round(DISPLAY / width / 3)}px system-ui`;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = data[y * width + x];
      ctx.fillStyle = hi > lo && (v - lo) / (hi - lo) > 0.5 ? '#000' : '#fff';
      ctx.fillText(num(v), ((x + 0.5) * DISPLAY) / width, ((y + 0.5) * DISPLAY) / height);
    }
  }
}

const range = (data: Float32Array): [number, number] => {
  let [lo, hi] = [Infinity, -Infinity];
  for (const v of data) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  return [lo, hi];
};

function drawInput(): void {
  const { image } = state;
  // Large images use the full 0..255 scale (a drawing starts black); tiny ones are stretched.
  drawGrey(inputCanvas, image.data, image.width, image.height, image.width > 8 ? [0, 255] : range(image.data));
  if (!state.hover) return;
  // Outline the window under the cursor (it may hang into the padding).
  const ctx = inputCanvas.getContext('2d')!;
  const cell = DISPLAY / image.width;
  ctx.strokeStyle = '#ff3b30';
  ctx.lineWidth = 2;
  ctx.strokeRect(
    (state.hover.ox * state.stride - state.padding) * cell,
    (state.hover.oy * state.stride - state.padding) * cell,
    state.size * cell,
    state.size * cell,
  );
}

function renderGrid(): void {
  grid.style.gridTemplateColumns = `repeat(${state.size}, auto)`;
  grid.replaceChildren(
    ...state.weights.map((w, i) => {
      const input = document.createElement('input');
      input.type = 'number';
      input.step = 'any';
      input.value = num(w);
      input.setAttribute('aria-label', `weight ${Math.floor(i / state.size)},${i % state.size}`);
      input.addEventListener('input', () => {
        const v = Number(input.value);
        if (!Number.isFinite(v)) return;
        state.weights[i] = v;
        kernelSelect.value = state.size === 3 ? 'custom3' : 'custom5';
        void compute();
      });
      return input;
    }),
  );
}

/** Runs the convolution on the selected backend and shows the map, the size and the timing. */
async function compute(): Promise<void> {
  const { image, size, weights, stride, padding } = state;
  const caption = $<HTMLElement>('output-caption');
  if (image.width + 2 * padding < size) {
    state.output = null;
    caption.textContent = `the ${size}×${size} kernel does not fit a ${image.width}×${image.height} image with padding ${padding}`;
    return;
  }
  const outH = convOutputSize(image.height, size, { stride, padding });
  const outW = convOutputSize(image.width, size, { stride, padding });
  const started = performance.now();
  const y = tf.tidy(() =>
    conv2d(tf.tensor4d(image.data, [1, image.height, image.width, 1]), tf.tensor4d(weights, [size, size, 1, 1]), { stride, padding }),
  );
  const data = (await y.data()) as Float32Array;
  const ms = performance.now() - started;
  const [, h, w] = y.shape;
  y.dispose();
  state.output = { data, height: h, width: w };
  const [lo, hi] = range(data);
  drawGrey(outputCanvas, data, w, h, [lo, hi]);
  caption.textContent = `feature map ${w}×${h} (shown from min ${num(lo)} = black to max ${num(hi)} = white) · ${ms.toFixed(1)} ms on ${tf.getBackend()}`;
  $<HTMLElement>('input-caption').textContent = `input ${image.width}×${image.height}, grey levels 0..255`;
  const agrees = outH === h && outW === w ? '✓ conv2d agrees' : `✗ conv2d returned ${w}×${h}`;
  $<HTMLElement>('formula').innerHTML =
    `Output size: ⌊(W − K + 2P) / S⌋ + 1 = ⌊(${image.width} − ${size} + 2·${padding}) / ${stride}⌋ + 1 = <b data-testid="output-size">${outW}</b> ` +
    `(<code>convOutputSize(${image.width}, ${size}, { stride: ${stride}, padding: ${padding} })</code>) — ${agrees}`;
  showArithmetic();
}

/** The sum behind the output pixel under the cursor, next to conv2d's value for it. */
function showArithmetic(): void {
  const box = $<HTMLDivElement>('arithmetic');
  const { hover, output } = state;
  drawInput();
  if (!hover || !output || hover.oy >= output.height || hover.ox >= output.width) return;
  const terms = windowTerms(state.image, state.weights, state.size, state.stride, state.padding, hover.oy, hover.ox);
  const sum = terms.reduce((s, t) => s + t.value * t.weight, 0);
  const rows: string[] = [];
  for (let r = 0; r < state.size; r++) {
    const cells = terms
      .slice(r * state.size, (r + 1) * state.size)
      .map((t) => `<td title="input (${t.y}, ${t.x})">${num(t.value)} × ${num(t.weight)}</td>`);
    rows.push(`<tr>${cells.join('')}</tr>`);
  }
  const fromConv = output.data[hover.oy * output.width + hover.ox];
  box.innerHTML =
    `<div>Output (${hover.oy}, ${hover.ox}) = Σ window × kernel:</div><table class="arith">${rows.join('')}</table>` +
    `<div class="sum" data-testid="sum">sum = ${num(sum)} · conv2d gave ${num(fromConv)}</div>`;
}

outputCanvas.addEventListener('mousemove', (e) => {
  if (!state.output) return;
  const rect = outputCanvas.getBoundingClientRect();
  const ox = Math.min(state.output.width - 1, Math.floor(((e.clientX - rect.left) / rect.width) * state.output.width));
  const oy = Math.min(state.output.height - 1, Math.floor(((e.clientY - rect.top) / rect.height) * state.output.height));
  if (state.hover?.ox === ox && state.hover?.oy === oy) return;
  state.hover = { oy, ox };
  showArithmetic();
});

// Drawing on the input in "Draw your own" mode; the map updates once per animation frame.
let drawing = false;
let pending = false;
function strokeAt(e: MouseEvent): void {
  const rect = inputCanvas.getBoundingClientRect();
  paint(
    state.image,
    ((e.clientX - rect.left) / rect.width) * state.image.width,
    ((e.clientY - rect.top) / rect.height) * state.image.height,
  );
  if (pending) return;
  pending = true;
  requestAnimationFrame(() => {
    pending = false;
    drawInput();
    void compute();
  });
}
inputCanvas.addEventListener('mousedown', (e) => {
  if (imageSelect.value !== 'draw') return;
  drawing = true;
  strokeAt(e);
});
inputCanvas.addEventListener('mousemove', (e) => drawing && strokeAt(e));
window.addEventListener('mouseup', () => (drawing = false));

imageSelect.addEventListener('change', () => {
  state.image = images[imageSelect.value].make();
  inputCanvas.classList.toggle('drawing', imageSelect.value === 'draw');
  state.hover = null;
  drawInput();
  void compute();
});
kernelSelect.addEventListener('change', () => {
  const preset = kernels[kernelSelect.value];
  state.size = preset.size;
  state.weights = [...preset.weights];
  renderGrid();
  void compute();
});
for (const select of [strideSelect, paddingSelect]) {
  select.addEventListener('change', () => {
    state.stride = Number(strideSelect.value);
    state.padding = Number(paddingSelect.value);
    state.hover = null;
    void compute();
  });
}
backendSelect.addEventListener('change', () => void useBackend(backendSelect.value));

async function useBackend(name: string): Promise<void> {
  status.textContent = `starting ${name}…`;
  try {
    const report = await selectBackend([name]);
    status.textContent = `backend: ${report.backend}`;
  } catch (e) {
    status.innerHTML = `<span class="error">${(e as Error).message}</span>`;
    backendSelect.value = tf.getBackend();
  }
  await compute();
}

kernelSelect.value = 'verticalEdge';
renderGrid();
drawInput();
await useBackend('cpu');
