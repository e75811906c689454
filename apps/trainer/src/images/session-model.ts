// The session's model: trained from the session's classes, or restored from its saved weights.
import type { ImageClassifier } from '@convkit/core';
import { decodeImageInBrowser } from '@convkit/data';
import { createModel } from '@convkit/models';
import type { ProgressEvent } from '@convkit/train';
import { loadWeights, saveWeights } from '@convkit/weights';
import { buildModel } from './backbone';
import type { Session, TrainedModel } from './store';
import { type Example, isHeldOut, trainModel } from './train-model';

export interface TrainCallbacks {
  epochs: number;
  signal: AbortSignal;
  onStatus: (text: string) => void;
  onProgress: (event: ProgressEvent) => void;
}

/** Trains a new model on the session's images; the summary (HTML) says what its accuracy was measured on. */
export async function train(session: Session, run: TrainCallbacks): Promise<{ model: ImageClassifier; trained: TrainedModel }> {
  const { classes, backbone, inputSize, fineTune } = session;
  if (classes.length < 2) throw new Error(`Add at least two classes to train (there ${classes.length === 1 ? 'is one' : 'are none'}).`);
  const empty = classes.find((c) => c.images.length === 0);
  if (empty) throw new Error(`Class “${empty.name}” has no images yet.`);
  const started = performance.now();
  run.onStatus('decoding the images…');
  const examples: Example[] = [];
  for (const [label, c] of classes.entries()) {
    for (const [i, blob] of c.images.entries()) {
      const image = await decodeImageInBrowser(blob, `${c.name} image ${i + 1}`);
      examples.push({ image, label, heldOut: isHeldOut(i) });
    }
  }
  run.onStatus(`building ${backbone}…`);
  const model = await buildModel({ backbone, weights: session.backboneWeights, numClasses: classes.length, fineTune });
  let last: ProgressEvent | undefined;
  try {
    await trainModel(model, examples, {
      size: inputSize,
      epochs: run.epochs,
      // The head alone learns fast; the whole pretrained model needs small steps.
      lr: fineTune ? 1e-4 : 3e-3,
      fineTune,
      signal: run.signal,
      onFeatures: (done, total) => run.onStatus(`backbone features: ${done}/${total} images…`),
      onProgress: (e) => {
        if (e.type === 'epoch') last = e;
        run.onStatus(`epoch ${e.epoch + 1}/${e.epochs}: loss ${e.loss.toFixed(3)}, training accuracy ${percent(e.accuracy)}`);
        run.onProgress(e);
      },
    });
  } catch (e) {
    model.dispose();
    throw run.signal.aborted ? new Error('Stopped: the previous model (if any) stays.') : e;
  }
  const held = examples.filter((e) => e.heldOut).length;
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const summary =
    held > 0 && last?.valAccuracy !== undefined
      ? `Done in ${seconds} s: held-out accuracy <b data-testid="accuracy">${percent(last.valAccuracy)}</b> on ${held} images (every 5th image of each class, not trained on); training accuracy ${percent(last.accuracy)}.`
      : `Done in ${seconds} s: training accuracy <b data-testid="accuracy">${percent(last?.accuracy)}</b> (no held-out images: that needs 5 or more in a class).`;
  const classNames = classes.map((c) => c.name);
  // convkit's own layout: no conversion on save or restore.
  const weights = saveWeights(model, { layout: 'tfjs' });
  return { model, trained: { classNames, backbone, inputSize, weights, summary } };
}

/** The trained model again, from the weights kept in the session: no retraining after a reload. */
export async function restoreModel(trained: TrainedModel): Promise<ImageClassifier> {
  const model = createModel(trained.backbone, { numClasses: trained.classNames.length, seed: 0 });
  try {
    await loadWeights(model, trained.weights);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model.eval();
}

const percent = (v: number | undefined) => `${(100 * (v ?? 0)).toFixed(1)} %`;
