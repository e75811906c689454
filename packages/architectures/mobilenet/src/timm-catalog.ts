import type { WeightsEntry } from '@convkit/core';
import catalog from './timm-weights-catalog.json';

/**
 * The entries of `timm-weights-catalog.json` (written by `scripts/catalog/timm-weights.py`, which
 * holds timm's MobileNetV3s and V4s alike) for these names only, in their order.
 */
export function timmCatalogEntries<N extends string>(names: readonly N[]): Partial<Record<N, WeightsEntry[]>> {
  const all = catalog as unknown as Record<string, WeightsEntry[]>;
  return Object.fromEntries(names.filter((n) => Object.hasOwn(all, n)).map((n) => [n, all[n]])) as Partial<Record<N, WeightsEntry[]>>;
}
