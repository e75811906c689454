import { closestName } from './closest-name';

/**
 * Every error convkit throws on bad input is a `ConvkitError`: it names the place (`where`:
 * an op, an option, a parameter path, a file offset) and says what was expected and what was found.
 */
export class ConvkitError extends Error {
  /** The op, option, parameter path or file position the error is about. */
  readonly where: string;

  constructor(where: string, message: string, options?: { cause?: unknown }) {
    super(`${where}: ${message}`, options);
    this.name = new.target.name;
    this.where = where;
  }
}

/** A tensor has the wrong rank, shape or channel count. */
export class ShapeError extends ConvkitError {}

/** An option or argument has a value outside what is allowed. */
export class OptionError extends ConvkitError {}

/**
 * A name (model, backend, layer, key) is not known; `known` lists the names that are and
 * `suggestion` is the closest of them when the name looks like a typo of it.
 */
export class UnknownNameError extends ConvkitError {
  /** The name that was asked for. */
  readonly requested: string;
  readonly known: readonly string[];
  readonly suggestion: string | undefined;

  constructor(where: string, name: string, known: readonly string[]) {
    const suggestion = closestName(name, known);
    super(where, `unknown name '${name}'; known: ${known.join(', ')}${suggestion ? `; did you mean '${suggestion}'?` : ''}`);
    this.requested = name;
    this.known = known;
    this.suggestion = suggestion;
  }
}

/** A state dict does not fit a module: missing, unexpected or mis-shaped entries. */
export class StateDictError extends ConvkitError {
  readonly missing: readonly string[];
  readonly unexpected: readonly string[];
  readonly mismatched: readonly { key: string; expected: number[]; actual: number[] }[];

  constructor(
    where: string,
    problems: {
      missing?: readonly string[];
      unexpected?: readonly string[];
      mismatched?: readonly { key: string; expected: number[]; actual: number[] }[];
    },
  ) {
    const missing = problems.missing ?? [];
    const unexpected = problems.unexpected ?? [];
    const mismatched = problems.mismatched ?? [];
    const lines: string[] = [];
    if (missing.length) lines.push(`missing keys (${missing.length}): ${missing.join(', ')}`);
    if (unexpected.length) lines.push(`unexpected keys (${unexpected.length}): ${unexpected.join(', ')}`);
    for (const m of mismatched) {
      lines.push(`shape mismatch for ${m.key}: expected [${m.expected.join(',')}], got [${m.actual.join(',')}]`);
    }
    super(where, `state dict does not fit the module:\n  ${lines.join('\n  ')}`);
    this.missing = missing;
    this.unexpected = unexpected;
    this.mismatched = mismatched;
  }
}

/** A file or byte buffer is not in the format it claims (weights, datasets, images). */
export class FormatError extends ConvkitError {}

/** A backend is unknown, unavailable or failed to initialise. */
export class BackendError extends ConvkitError {}
