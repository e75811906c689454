import type { Tensor } from '@tensorflow/tfjs-core';
import { OptionError, ShapeError } from './errors';

export type Pair = [number, number];

export function shapeString(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function assertRank(where: string, name: string, t: Tensor, rank: number, layout: string): void {
  if (t.rank !== rank) {
    throw new ShapeError(where, `${name} must be rank ${rank} ${layout}, got rank ${t.rank} shape ${shapeString(t.shape)}`);
  }
}

export function assertFloat(where: string, name: string, t: Tensor): void {
  if (t.dtype !== 'float32') throw new ShapeError(where, `${name} must be float32, got ${t.dtype}`);
}

/** Expands a number to a pair and checks that every entry is an integer >= min. */
export function toPair(where: string, option: string, value: number | readonly number[], min: number): Pair {
  const pair = typeof value === 'number' ? [value, value] : [...value];
  if (pair.length !== 2 || !pair.every((v) => Number.isInteger(v) && v >= min)) {
    throw new OptionError(where, `${option} must be an integer >= ${min} or a pair of them, got ${JSON.stringify(value)}`);
  }
  return pair as Pair;
}

export function assertProbability(where: string, option: string, p: number): void {
  if (typeof p !== 'number' || !(p >= 0 && p < 1)) {
    throw new OptionError(where, `${option} must be in [0, 1), got ${p}`);
  }
}
