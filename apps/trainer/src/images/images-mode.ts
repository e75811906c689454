// "Your images": classes of the user's own images, a registry backbone with a new head trained
// in the tab, classification with Grad-CAM, downloads — the session kept in IndexedDB.
import * as tf from '@tensorflow/tfjs-core';
import '@convkit/backend-cpu';
import { type ImageClassifier, selectBackend } from '@convkit/core';
import { decodeImageInBrowser } from '@convkit/data';
import { drawChart, type Series } from '../chart';
import { browserBackbones, checkWeights, DEFAULT_BACKBONE } from './backbone';
import { captureFrame, startCamera } from './capture';
import { dropTarget, renderClasses } from './class-list';
import { classify } from './classify';
import { type ExportKind, exportModel } from './exports';
import { restoreModel, train } from './session-model';
import { clearSession, loadSession, newClassId, type Session, saveSession } from './store';
import '../style.css';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = $<HTMLParagraphElement>('status');
const message = $<HTMLParagraphElement>('message');
const video = $<HTMLVideoElement>('video');
const chart = document.getElementById('chart') as unknown as SVGSVGElement;
const backboneSelect = $<HTMLSelectElement>('backbone');
const exportButtons = ['safetensors', 'onnx', 'classes'].map((k) => $<HTMLButtonElement>(`download-${k}`));

let session: Session = { classes: [], backbone: DEFAULT_BACKBONE, inputSize: 128, fineTune: false };
let model: ImageClassifier | null = null;
let abort: AbortController | null = null;
let busy = Promise.resolve();

/** One task at a time (a training must not race a classification); errors go to the message line. */
function queue(task: () => Promise<void>): Promise<void> {
  busy = busy
    .then(async () => {
      message.textContent = '';
      await task();
    })
    .catch(showError);
  return busy;
}

function showError(e: unknown): void {
  message.textContent = e instanceof Error ? e.message : String(e);
}

async function save(): Promise<void> {
  await saveSession(session);
  render();
}

function render(): void {
  renderClasses($('classes'), session.classes, {
    rename: (id, name) => void queue(async () => ((find(id).name = name), await save())),
    addFiles: (id, files) => void queue(() => addImages(id, files)),
    capture: (id) => void queue(async () => addImages(id, [await captureFrame(video)])),
    remove: (id) => void queue(async () => ((session.classes = session.classes.filter((c) => c.id !== id)), await save())),
  });
  backboneSelect.value = session.backbone;
  $<HTMLSelectElement>('size').value = String(session.inputSize);
  $<HTMLInputElement>('fine-tune').checked = session.fineTune;
  $('weights-state').textContent = session.backboneWeights
    ? `Backbone weights: ${session.backboneWeights.name}`
    : 'Backbone weights: none (random initialisation — enough for colours and simple shapes; pick a torchvision checkpoint for photos).';
  for (const b of exportButtons) b.disabled = !model;
  $('train-result').innerHTML = session.trained?.summary ?? '';
}

function find(id: string) {
  const found = session.classes.find((c) => c.id === id);
  if (!found) throw new Error(`no class ${id}`);
  return found;
}

/** Adds the files that decode as images; the others are named in the message line. */
async function addImages(id: string, files: File[]): Promise<void> {
  const refused: string[] = [];
  for (const file of files) {
    try {
      await decodeImageInBrowser(file, file.name);
      find(id).images.push(file);
    } catch (e) {
      const { message } = e as Error;
      refused.push(message.includes(file.name) ? message : `${file.name}: ${message}`);
    }
  }
  await save();
  if (refused.length > 0) throw new Error(`Not added — ${refused.join('; ')}`);
}

async function runTraining(): Promise<void> {
  const series: Series = { loss: [], accuracy: [], test: [] };
  const epochs = Number($<HTMLSelectElement>('epochs').value);
  abort = new AbortController();
  $<HTMLButtonElement>('stop').disabled = false;
  $<HTMLButtonElement>('train').disabled = true;
  // What was classified came from the previous model.
  $('ranked').replaceChildren();
  $<HTMLCanvasElement>('overlay').getContext('2d')!.clearRect(0, 0, 1e4, 1e4);
  try {
    const result = await train(session, {
      epochs,
      signal: abort.signal,
      onStatus: (text) => (status.textContent = text),
      onProgress: (e) => {
        if (e.type === 'batch') {
          series.loss.push(e.batchLoss ?? e.loss);
          series.accuracy.push(e.accuracy ?? 0);
        } else if (e.valAccuracy !== undefined) series.test.push({ batch: series.loss.length - 1, accuracy: e.valAccuracy });
        drawChart(chart, series, epochs * (e.batches ?? 1));
      },
    });
    // The previous model stays until the new one is trained (a stop or an error keeps it).
    model?.dispose();
    model = result.model;
    session.trained = result.trained;
    await save();
    status.textContent = `trained ${session.backbone} for ${session.classes.length} classes`;
  } finally {
    $<HTMLButtonElement>('stop').disabled = true;
    $<HTMLButtonElement>('train').disabled = false;
  }
}

async function classifyFile(file: File): Promise<void> {
  if (!model || !session.trained) throw new Error('Train the model first.');
  const { classNames, inputSize } = session.trained;
  const image = await decodeImageInBrowser(file, file.name);
  const { ranked, overlay } = await classify(model, image, inputSize, classNames);
  const canvas = $<HTMLCanvasElement>('overlay');
  canvas.width = overlay.width;
  canvas.height = overlay.height;
  canvas.getContext('2d')!.putImageData(overlay, 0, 0);
  $('ranked').replaceChildren(
    ...ranked.map((p) =>
      Object.assign(document.createElement('li'), { textContent: `${(100 * p.probability).toFixed(1).padStart(5)} %  ${p.className}` }),
    ),
  );
  status.textContent = `classified ${file.name}: ${ranked[0].className}`;
}

$<HTMLFormElement>('add-class').addEventListener('submit', (e) => {
  e.preventDefault();
  const input = $<HTMLInputElement>('class-name');
  const name = input.value.trim();
  input.value = '';
  if (name) void queue(async () => (session.classes.push({ id: newClassId(), name, images: [] }), await save()));
});
$('camera').addEventListener(
  'click',
  () =>
    void queue(async () => {
      video.hidden = false;
      await startCamera(video);
    }),
);
$('clear').addEventListener(
  'click',
  () =>
    void queue(async () => {
      await clearSession();
      location.reload();
    }),
);
// A weights file belongs to one backbone: another backbone starts without one.
backboneSelect.addEventListener(
  'change',
  () => void queue(async () => ((session.backbone = backboneSelect.value), (session.backboneWeights = undefined), await save())),
);
$('size').addEventListener(
  'change',
  () => void queue(async () => ((session.inputSize = Number($<HTMLSelectElement>('size').value)), await save())),
);
$('fine-tune').addEventListener(
  'change',
  () => void queue(async () => ((session.fineTune = $<HTMLInputElement>('fine-tune').checked), await save())),
);
$<HTMLInputElement>('weights-file').addEventListener('change', (e) => {
  const file = (e.target as HTMLInputElement).files?.[0];
  if (!file) return;
  void queue(async () => {
    status.textContent = `loading ${file.name} into ${session.backbone}…`;
    let tensors: number;
    try {
      tensors = await checkWeights(session.backbone, file);
    } catch (e) {
      status.textContent = `${session.backbone} keeps its previous weights.`;
      throw new Error(`Could not load ${file.name} into ${session.backbone}: ${(e as Error).message}`);
    }
    session.backboneWeights = file;
    await save();
    status.textContent = `${file.name}: ${tensors} tensors loaded into ${session.backbone}.`;
  });
});
$('train').addEventListener('click', () => void queue(runTraining));
$('stop').addEventListener('click', () => abort?.abort());
dropTarget($('classify-drop'), (files) => void queue(() => classifyFile(files[0])));
$<HTMLInputElement>('classify-file').addEventListener('change', (e) => {
  const file = (e.target as HTMLInputElement).files?.[0];
  if (file) void queue(() => classifyFile(file));
});
$('classify-capture').addEventListener('click', () => void queue(async () => classifyFile(await captureFrame(video))));
exportButtons.forEach((button, i) =>
  button.addEventListener(
    'click',
    () =>
      void queue(async () => {
        if (!model || !session.trained) return;
        status.textContent = `exporting…`;
        status.textContent = `downloaded ${await exportModel(['safetensors', 'onnx', 'classes'][i] as ExportKind, model, session.trained)}`;
      }),
  ),
);

for (const m of browserBackbones()) backboneSelect.add(new Option(`${m.name} (${(m.params / 1e6).toFixed(1)}M)`, m.name));
drawChart(chart, { loss: [], accuracy: [], test: [] }, 2);
await queue(async () => {
  await selectBackend(['cpu']);
  session = (await loadSession()) ?? session;
  render();
  const images = session.classes.reduce((n, c) => n + c.images.length, 0);
  const restored = `${session.classes.length} classes, ${images} images`;
  if (session.trained) {
    model = await restoreModel(session.trained);
    render();
    status.textContent = `Restored ${restored} and the trained ${session.trained.backbone} (${session.trained.classNames.join(', ')}) on ${tf.getBackend()}.`;
  } else
    status.textContent =
      session.classes.length > 0 ? `Restored ${restored}; not trained yet.` : `Ready on ${tf.getBackend()}: add classes.`;
});
