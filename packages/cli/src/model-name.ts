import { closestName } from '@convkit/core';
import { listModels, type ModelInfo, modelInfo } from '@convkit/models';

/** An error the CLI prints as it is, without a stack trace. */
export class UsageError extends Error {
  override name = 'Error';
}

/** Checks a model name the user typed; an unknown one says what was asked and the closest known name. */
export function checkModelName(name: string, extra: readonly string[] = []): void {
  const known = [...extra, ...listModels().map((m) => m.name)];
  if (known.includes(name)) return;
  const suggestion = closestName(name, known);
  throw new UsageError(`unknown model '${name}'${suggestion ? `; did you mean ${suggestion}?` : ''} (\`convkit models\` lists them)`);
}

/** `modelInfo` for a name the user typed. */
export function userModelInfo(name: string): ModelInfo {
  checkModelName(name);
  return modelInfo(name);
}
