import { OptionError } from '@convkit/core';

export function assertP(where: string, p: number): void {
  if (typeof p !== 'number' || !(p >= 0 && p < 1)) throw new OptionError(where, `p must be in [0, 1), got ${p}`);
}
