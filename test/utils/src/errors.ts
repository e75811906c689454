import { FormatError } from '@convkit/core';
import { expect } from 'vitest';

/** Runs `fn`, expects it to throw a `FormatError` whose message matches every fragment; returns the error. */
export function expectFormatError(fn: () => unknown, ...fragments: (string | RegExp)[]): FormatError {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(FormatError);
  for (const f of fragments) expect((error as Error).message).toMatch(f);
  return error as FormatError;
}
