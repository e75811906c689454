import { closestName } from './closest-name';
import type { Layout } from './layout';

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

/** A tensor of a state dict whose shape is not the one its key has in the module. */
export interface ShapeMismatch {
  key: string;
  /** The module's shape. */
  expected: number[];
  /** The state dict's shape. */
  actual: number[];
}

export interface StateDictProblems {
  /** Keys of the module that the state dict lacks. */
  missing?: readonly string[];
  /** Keys of the state dict that the module lacks. */
  unexpected?: readonly string[];
  mismatched?: readonly ShapeMismatch[];
  /**
   * The layout the shapes of `mismatched` and `shapes` are in: a file's own, so that a PyTorch
   * checkpoint is described in PyTorch's shapes (default 'tfjs', the module's).
   */
  layout?: Layout;
  /** Every key of the state dict with its shape (in `layout`): what the dict is, e.g. to tell which model it does fit. */
  shapes?: Readonly<Record<string, readonly number[]>>;
}

// The first keys of each kind are listed, one a line; the rest are counted.
const LISTED = 3;

function listed(title: string, lines: readonly string[]): string[] {
  if (lines.length === 0) return [];
  const shown = lines.length <= LISTED + 1 ? lines : lines.slice(0, LISTED);
  const rest = lines.length - shown.length;
  return [title, ...shown.map((l) => `  ${l}`), ...(rest ? [`  … and ${rest} more`] : [])];
}

const layoutNames: Record<Layout, string> = {
  pytorch: "PyTorch's layout (conv [out, in, kh, kw], linear [out, in])",
  tfjs: "convkit's tfjs layout (conv [kh, kw, in, out], linear [in, out])",
};

/**
 * A state dict does not fit a module: missing, unexpected or mis-shaped entries, all of them in
 * the fields; the message lists the first few of each kind.
 */
export class StateDictError extends ConvkitError {
  readonly missing: readonly string[];
  readonly unexpected: readonly string[];
  readonly mismatched: readonly ShapeMismatch[];
  /** The layout of the shapes in `mismatched` and `shapes`. */
  readonly layout: Layout;
  /** The state dict's keys and shapes, when the thrower had them. */
  readonly shapes: Readonly<Record<string, readonly number[]>> | undefined;

  constructor(where: string, problems: StateDictProblems) {
    const { missing = [], unexpected = [], mismatched = [], layout = 'tfjs' } = problems;
    const shape = (s: readonly number[]) => `[${s.join(', ')}]`;
    const lines = [
      ...listed(`missing keys (${missing.length}), in the module but not in the state dict:`, missing),
      ...listed(`unexpected keys (${unexpected.length}), in the state dict but not in the module:`, unexpected),
      ...listed(
        `shape mismatches (${mismatched.length}), in ${layoutNames[layout]}:`,
        mismatched.map((m) => `${m.key}: expected ${shape(m.expected)}, got ${shape(m.actual)}`),
      ),
    ];
    super(where, `state dict does not fit the module:\n  ${lines.join('\n  ')}`);
    this.missing = missing;
    this.unexpected = unexpected;
    this.mismatched = mismatched;
    this.layout = layout;
    this.shapes = problems.shapes;
  }
}

/** A file or byte buffer is not in the format it claims (weights, datasets, images). */
export class FormatError extends ConvkitError {}

/**
 * An image file declares more pixels than the caller allows: refused from its header, before
 * any decoding, since a 1 MB file can declare gigabytes of pixels. A `FormatError`, so code
 * that skips bad files skips these too.
 */
export class ImageTooLargeError extends FormatError {
  readonly width: number;
  readonly height: number;
  /** The limit that was exceeded (`maxPixels`). */
  readonly maxPixels: number;

  constructor(where: string, width: number, height: number, maxPixels: number) {
    const n = (v: number) => v.toLocaleString('en-US');
    super(
      where,
      `declares ${width}×${height} = ${n(width * height)} pixels, more than the limit ${n(maxPixels)} (raise maxPixels to allow it)`,
    );
    this.width = width;
    this.height = height;
    this.maxPixels = maxPixels;
  }
}

/** A backend is unknown, unavailable or failed to initialise. */
export class BackendError extends ConvkitError {}
