import { StateDictError } from '@convkit/core';
import { modelInfo, modelsMatchingKeys } from '@convkit/models';
import { UsageError } from './model-name';

/**
 * Runs a weights load for the model `name`. When the file does not fit, its key set still names
 * an architecture: the error gets a last line saying which known models the file does fit.
 */
export async function withFitHint<T>(name: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (e) {
    if (!(e instanceof StateDictError) || !e.shapes) throw e;
    throw new UsageError(`${e.message}\n  ${fitHint(name, e.shapes)}`, { cause: e });
  }
}

/**
 * Which known models a state dict (keys and shapes, as in the file) fits, as a sentence. The
 * model's own family is searched first (the usual mistake: resnet50's file for resnet18; ~3 s
 * for the ResNets), all models only when nothing there fits (~7 s): key sets differ between families.
 */
export function fitHint(name: string, shapes: Readonly<Record<string, readonly number[]>>): string {
  const sameFamily = modelsMatchingKeys(shapes, { family: modelInfo(name).family });
  const fits = sameFamily.length ? sameFamily : modelsMatchingKeys(shapes);
  const exact = fits.filter((f) => f.exact).map((f) => f.name);
  if (exact.length) return `these weights fit ${oneOf(exact)}, not ${name}`;
  if (fits.length) return `these weights fit ${oneOf(fits.map((f) => f.name))} with a classifier head for another number of classes`;
  return 'these weights fit none of the known models (`convkit models` lists them)';
}

function oneOf(names: string[]): string {
  return names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;
}
