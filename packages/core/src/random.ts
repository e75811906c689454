import { OptionError } from './errors';

/**
 * A small seedable generator (splitmix32), playing the role of `torch.Generator`: every
 * random draw in convkit (initialisation, dropout masks, shuffling) takes its seeds from one.
 */
export class Generator {
  private state: number;

  constructor(seed: number = Math.floor(Math.random() * 2 ** 32)) {
    this.state = 0;
    this.manualSeed(seed);
  }

  manualSeed(seed: number): this {
    if (!Number.isFinite(seed)) throw new OptionError('Generator.manualSeed', `seed must be a finite number, got ${seed}`);
    this.state = seed >>> 0;
    return this;
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    this.state = (this.state + 0x9e3779b9) >>> 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  }

  /** A uniform float in [0, 1). */
  random(): number {
    return this.nextUint32() / 2 ** 32;
  }

  /** A fresh seed for a tfjs random op. */
  nextSeed(): number {
    return this.nextUint32();
  }
}

/** The process-wide default generator; `manualSeed(n)` reseeds it like `torch.manual_seed`. */
export const defaultGenerator = new Generator();

export function manualSeed(seed: number): void {
  defaultGenerator.manualSeed(seed);
}

/** A generator from a seed, an existing generator, or the default one. */
export function toGenerator(seed?: number | Generator): Generator {
  if (seed instanceof Generator) return seed;
  return seed === undefined ? defaultGenerator : new Generator(seed);
}
