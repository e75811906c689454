// Which backends a spec runs on, and how it switches to one. Importing the backend packages
// registers them everywhere; tfjs only *starts* the ones the environment supports.
import '@convkit/backend-cpu';
import '@convkit/backend-webgl';
import '@convkit/backend-webgpu';
import * as tf from '@tensorflow/tfjs-core';
import { type BackendReport, selectBackend } from '@convkit/core';
import { beforeAll, expect, inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The backends this project runs the specs on: ['cpu'] in Node, ['webgl', 'webgpu'] in Chromium. */
    backends: string[];
    /** Reference files for the architecture specs; empty where torch is missing (outside CI). */
    references: Record<string, ReferenceFiles>;
    /** torchvision ONNX exports with their logits for the importer spec, by case name; empty where torch is missing. */
    onnxReferences: Record<string, OnnxReferenceFiles>;
  }
}

export interface ReferenceFiles {
  /** Absolute paths of the header (.json) and data (.bin) written by scripts/fixtures/architectures.py. */
  json: string;
  bin: string;
}

export interface OnnxReferenceFiles extends ReferenceFiles {
  /** Absolute path of the .onnx file written by scripts/fixtures/onnx-import.py. */
  onnx: string;
}

export const inBrowser = typeof window !== 'undefined' && typeof document !== 'undefined';

export function backendsUnderTest(): string[] {
  return inject('backends');
}

/**
 * Activates `name` before the describe block's tests (failing loudly instead of silently keeping
 * the previous backend) and returns a check each test calls to prove where it ran.
 */
export function useBackend(name: string): { report: () => BackendReport; expectActive: () => void } {
  let report: BackendReport | undefined;
  beforeAll(async () => {
    tf.env().set('IS_TEST', true);
    report = await selectBackend([name]);
    expect(report.backend).toBe(name);
  });
  return {
    report: () => report as BackendReport,
    expectActive: () => expect(tf.getBackend(), 'the backend that ran the test').toBe(name),
  };
}
