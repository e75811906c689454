// The "your images" session in IndexedDB (idb-keyval): it survives a reload. Images stay the
// Blobs the user gave (files or camera frames); the trained model is kept whole, as safetensors
// in convkit's own layout, so a reload classifies again without retraining.
import { del, get, set } from 'idb-keyval';

export interface ImageClass {
  id: string;
  name: string;
  images: Blob[];
}

export interface TrainedModel {
  /** The class names the head was trained for, in output order. */
  classNames: string[];
  backbone: string;
  inputSize: number;
  /** `saveWeights(model, { layout: 'tfjs' })` of the whole model (backbone and head). */
  weights: Uint8Array;
  /** What the accuracy shown after training was measured on, e.g. "held-out accuracy 100 % (3 images)". */
  summary: string;
}

export interface Session {
  classes: ImageClass[];
  backbone: string;
  inputSize: number;
  fineTune: boolean;
  /** The backbone's pretrained weights file as picked (a .pth or .safetensors), if any. */
  backboneWeights?: File;
  trained?: TrainedModel;
}

const KEY = 'convkit-trainer-images-session';

export const loadSession = (): Promise<Session | undefined> => get<Session>(KEY);
export const saveSession = (session: Session): Promise<void> => set(KEY, session);
export const clearSession = (): Promise<void> => del(KEY);

let counter = 0;
/** A class id that is unique within the page's lifetime and across reloads. */
export const newClassId = (): string => `c${Date.now().toString(36)}${(counter++).toString(36)}`;
