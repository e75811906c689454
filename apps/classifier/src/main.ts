import * as tf from '@tensorflow/tfjs-core';
import '@convkit/backend-cpu';
import '@convkit/backend-webgl';
import '@convkit/backend-webgpu';
import { type ImageClassifier, type Module, selectBackend } from '@convkit/core';
import {
  type DecodedImage,
  centerCrop,
  compose,
  decodeImageInBrowser,
  decodePredictionsAsync,
  IMAGENET_MEAN,
  IMAGENET_STD,
  normalize,
  resize,
  toTensor,
} from '@convkit/data';
import { createModel, listModels, modelInfo } from '@convkit/models';
import { exportOnnx } from '@convkit/onnx';
import { loadWeights } from '@convkit/weights';
import { download } from './download';
import { measureBackends, timedPredict, where } from './latency';
import { layerChoices, showFeatureMaps, showGradCam } from './explain-view';
import { classNamesFor, describeOnnx, type ImportedOnnx, importOnnxFile, isOnnxFile } from './onnx-file';
import { sampleImage } from './sample-image';
import { renderSummary } from './summary-table';
import './style.css';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const modelSelect = $<HTMLSelectElement>('model');
const backendSelect = $<HTMLSelectElement>('backend');
const status = $<HTMLSpanElement>('status');
const banner = $<HTMLParagraphElement>('weights-state');

for (const m of listModels()) modelSelect.add(new Option(`${m.name} (${(m.params / 1e6).toFixed(1)}M)`, m.name));

let model: ImageClassifier | null = null;
/** A model dropped as an .onnx file, in place of the architecture picked in the list. */
let imported: ImportedOnnx | null = null;
let image: DecodedImage | null = null;
let pretrained = false;
let busy = Promise.resolve();

/** One task at a time: a model swap must not race a prediction. */
function queue(task: () => Promise<void>): Promise<void> {
  busy = busy.then(task).catch((e: Error) => {
    status.innerHTML = `<span class="error">${e.message}</span>`;
  });
  return busy;
}

function setBanner(text: string, random: boolean): void {
  banner.textContent = text;
  banner.classList.toggle('random', random);
}

/** The model that classifies: an imported ONNX model, else the architecture picked in the list. */
const active = (): Module | null => imported?.model ?? model;
const activeName = () => imported?.name ?? modelSelect.value;

function dropModels(): void {
  model?.dispose();
  model = null;
  imported?.model.dispose();
  imported = null;
  modelSelect.querySelector('option[value="onnx"]')?.remove();
}

async function buildModel(name: string): Promise<void> {
  status.textContent = `building ${name}…`;
  dropModels();
  await new Promise((r) => setTimeout(r, 0)); // let the status paint: big models take seconds
  model = createModel(name, { seed: 0 });
  pretrained = false;
  setBanner(
    `Random initialisation: ${name} has no trained weights yet, so its predictions are meaningless. Drop a torchvision checkpoint to get real ones.`,
    true,
  );
  const info = modelInfo(name);
  const entry = info.weights[0];
  $('catalog').textContent = entry ? `torchvision's ${entry.tag} file for this model: ${entry.url}` : '';
  $('summary').replaceChildren(renderSummary(model.summary([1, info.inputSize, info.inputSize, 3], { depth: 1 })));
  $<HTMLSelectElement>('fm-layer').replaceChildren(...layerChoices(model).map((path) => new Option(path, path)));
  status.textContent = `${name} ready on ${tf.getBackend()}`;
  await predict();
}

async function useWeights(source: File | URL, label: string): Promise<void> {
  if (source instanceof File && (await isOnnxFile(source))) return useOnnx(source);
  const target = active();
  if (!target) return;
  status.textContent = `loading ${label}…`;
  // Catalog entries name checkpoint keys the model does not have (GoogLeNet's aux heads).
  const ignore = model ? (modelInfo(modelSelect.value).weights[0]?.ignore ?? []) : [];
  try {
    // An imported ONNX model takes a checkpoint too, by its state-dict names.
    const result = await loadWeights(target, source, { ignore });
    pretrained = true;
    setBanner(`Weights loaded: ${result.loaded.length} tensors from a ${result.format} file (${label}).`, false);
  } catch (e) {
    setBanner(
      `Could not load ${label}: ${(e as Error).message} — the model keeps its ${model ? 'random initialisation' : 'weights'}.`,
      true,
    );
  }
  status.textContent = `${activeName()} ready on ${tf.getBackend()}`;
  await predict();
}

/** An .onnx file replaces the model (a corrupt one is refused in the banner and the current model stays). */
async function useOnnx(file: File): Promise<void> {
  status.textContent = `importing ${file.name}…`;
  let next: ImportedOnnx;
  try {
    next = await importOnnxFile(file);
  } catch (e) {
    const { message } = e as Error;
    const named = message.startsWith(file.name) ? message : `${file.name}: ${message}`;
    setBanner(`Could not import ${named} — the page keeps ${activeName()}.`, true);
    status.textContent = `${activeName()} ready on ${tf.getBackend()}`;
    return;
  }
  dropModels();
  imported = next;
  pretrained = true;
  const { name, inputSize } = next;
  modelSelect.add(new Option(`${name} (imported ONNX)`, 'onnx'));
  modelSelect.value = 'onnx';
  setBanner(describeOnnx(next), false);
  $('catalog').textContent = '';
  try {
    $('summary').replaceChildren(renderSummary(next.model.summary([1, inputSize, inputSize, 3], { depth: 1 })));
  } catch (e) {
    $('summary').textContent = `no summary: ${(e as Error).message}`;
  }
  $<HTMLSelectElement>('fm-layer').replaceChildren();
  status.textContent = `${name} ready on ${tf.getBackend()}`;
  await predict();
}

/** The eval transforms of the model's default torchvision weights (resize, crop, normalise unless `normalized` is false). */
function preprocess(img: DecodedImage, normalized = true): tf.Tensor4D {
  // An imported model: ImageNet's transforms at its input size (resize by 256/224, centre crop).
  const t = imported
    ? { resizeSize: Math.round(imported.inputSize / 0.875), cropSize: imported.inputSize, mean: IMAGENET_MEAN, std: IMAGENET_STD }
    : modelInfo(modelSelect.value).weights[0]?.transforms;
  const pipeline = compose([
    resize(t?.resizeSize ?? 256),
    centerCrop(t?.cropSize ?? 224),
    ...(normalized ? [normalize(t?.mean ?? IMAGENET_MEAN, t?.std ?? IMAGENET_STD)] : []),
  ]);
  return tf.tidy(() => pipeline(toTensor(img)) as tf.Tensor4D);
}

async function predict(): Promise<void> {
  if (!active() || !image) return;
  const x = preprocess(image);
  const { logits, ms } = await timedPredict(active()!, x);
  const classes = logits.shape[1] ?? 0;
  const classNames = imported ? (imported.classNames.length === classes ? imported.classNames : classNamesFor(classes)) : undefined;
  const [top] = await decodePredictionsAsync(logits, { topK: Math.min(5, classes), classNames });
  logits.dispose();
  $('top5').replaceChildren(
    ...top.map((p) => {
      const li = document.createElement('li');
      li.textContent = `${(100 * p.probability).toFixed(2).padStart(6)} %  ${p.className}`;
      return li;
    }),
  );
  if (!pretrained)
    $('top5').insertAdjacentHTML('beforeend', '<li class="hint" style="list-style:none">(random weights: these classes mean nothing)</li>');
  status.textContent = `predicted in ${ms.toFixed(0)} ms per image on ${where()}`;
  await explainTop(x, top[0]);
  x.dispose();
}

/** The Grad-CAM of the top class beside the top-5; its own caption, so the status keeps the timing. */
async function explainTop(x: tf.Tensor4D, top: { index: number; className: string }): Promise<void> {
  const caption = $('cam-caption');
  if (!model) {
    caption.textContent = 'no Grad-CAM: not available for imported ONNX models';
    const cam = $<HTMLCanvasElement>('cam');
    cam.getContext('2d')?.clearRect(0, 0, cam.width, cam.height);
    return;
  }
  const crop = preprocess(image!, false);
  try {
    const layer = await showGradCam(model!, x, crop, top.index, $<HTMLCanvasElement>('cam'));
    caption.textContent = `Grad-CAM of “${top.className}” at ${layer}`;
  } catch (e) {
    caption.textContent = `no Grad-CAM: ${(e as Error).message}`;
  } finally {
    crop.dispose();
  }
}

/** The chosen layer's feature maps for the image on screen, as a grid of small grey images. */
async function featureMapsOfLayer(): Promise<void> {
  const caption = $('fm-caption');
  if (imported) return void (caption.textContent = 'no feature maps: not available for imported ONNX models');
  if (!model || !image) return;
  const layer = $<HTMLSelectElement>('fm-layer').value;
  const x = preprocess(image);
  try {
    const channels = await showFeatureMaps(model, x, layer, $<HTMLCanvasElement>('feature-maps'));
    caption.textContent = `${layer}: ${Math.min(channels, 64)} of ${channels} channels, each scaled to its own range`;
  } catch (e) {
    caption.textContent = `no feature maps: ${(e as Error).message}`;
  } finally {
    x.dispose();
  }
}

async function benchmark(): Promise<void> {
  const [current, shown] = [active(), image];
  if (!current || !shown) return;
  const say = (text: string) => void (status.textContent = text);
  await measureBackends($<HTMLTableElement>('latency').tBodies[0], current, () => preprocess(shown), say);
}

/** The current model (its loaded weights included) as an ONNX file: NCHW input at the model's crop size, dynamic batch. */
async function downloadOnnx(): Promise<void> {
  const current = active();
  if (!current) return;
  const name = imported ? imported.name.replace(/\.onnx$/i, '') : modelSelect.value;
  const size = imported?.inputSize ?? modelInfo(name).inputSize;
  status.textContent = `exporting ${name} to ONNX…`;
  const bytes = await exportOnnx(current, { inputShape: [1, 3, size, size] });
  const file = `${name.replace('/', '-')}.onnx`; // timm/… names
  download(bytes, file);
  status.textContent = `exported ${file} (${(bytes.length / 1e6).toFixed(1)} MB, input [batch, 3, ${size}, ${size}])`;
}

function showImage(img: DecodedImage): void {
  image = img;
  const canvas = $<HTMLCanvasElement>('preview');
  const rgba = new Uint8ClampedArray(img.width * img.height * 4);
  for (let i = 0; i < img.width * img.height; i++) rgba.set([img.data[3 * i], img.data[3 * i + 1], img.data[3 * i + 2], 255], 4 * i);
  canvas.width = img.width;
  canvas.height = img.height;
  canvas.getContext('2d')!.putImageData(new ImageData(rgba, img.width, img.height), 0, 0);
}

async function useImageFile(file: File): Promise<void> {
  showImage(await decodeImageInBrowser(file, file.name));
  await predict();
}

/** A drop zone that also accepts its file input. */
function dropZone(zone: HTMLElement, input: HTMLInputElement, onFile: (file: File) => Promise<void>): void {
  zone.addEventListener('dragover', (e) => {
    e.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    const file = e.dataTransfer?.files[0];
    if (file) void queue(() => onFile(file));
  });
  input.addEventListener('change', () => input.files?.[0] && void queue(() => onFile(input.files![0])));
}

dropZone($('weights-drop'), $('weights-file'), (file) => useWeights(file, file.name));
dropZone($('image-drop'), $('image-file'), useImageFile);
$('weights-load').addEventListener('click', () => {
  const url = $<HTMLInputElement>('weights-url').value.trim();
  if (url) void queue(() => useWeights(new URL(url, location.href), url));
});
$('sample').addEventListener('click', () => void queue(async () => (showImage(sampleImage()), await predict())));
$('bench').addEventListener('click', () => void queue(benchmark));
$('fm-show').addEventListener('click', () => void queue(featureMapsOfLayer));
$('export-onnx').addEventListener('click', () => void queue(downloadOnnx));
modelSelect.addEventListener('change', () => modelSelect.value !== 'onnx' && void queue(() => buildModel(modelSelect.value)));
backendSelect.addEventListener(
  'change',
  () =>
    void queue(async () => {
      try {
        await selectBackend([backendSelect.value]);
      } finally {
        backendSelect.value = tf.getBackend();
      }
      await predict();
    }),
);

modelSelect.value = 'resnet18';
await queue(async () => {
  await selectBackend(['cpu']);
  await buildModel('resnet18');
});
