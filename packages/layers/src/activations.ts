import type * as tf from '@tensorflow/tfjs-core';
import { activation, type ActivationName, type GeluApproximation, type GeluOptions, Module, OptionError } from '@convkit/core';

/** A parameter-free module applying one activation. */
export class Activation extends Module {
  constructor(
    readonly kind: ActivationName,
    private readonly displayName: string = kind,
  ) {
    super();
  }

  override get typeName(): string {
    return this.displayName;
  }

  forward(x: tf.Tensor): tf.Tensor {
    return activation(x, this.kind);
  }
}

/** `nn.ReLU` (`inplace` has no meaning here). */
export class ReLU extends Activation {
  constructor() {
    super('relu', 'ReLU');
  }
}

/** `nn.ReLU6`. */
export class ReLU6 extends Activation {
  constructor() {
    super('relu6', 'ReLU6');
  }
}

/** `nn.SiLU` (swish). */
export class SiLU extends Activation {
  constructor() {
    super('silu', 'SiLU');
  }
}

/** `nn.Sigmoid`. */
export class Sigmoid extends Activation {
  constructor() {
    super('sigmoid', 'Sigmoid');
  }
}

/** `nn.Tanh`. */
export class Tanh extends Activation {
  constructor() {
    super('tanh', 'Tanh');
  }
}

/** `nn.Hardswish`. */
export class Hardswish extends Activation {
  constructor() {
    super('hardswish', 'Hardswish');
  }
}

/** `nn.Hardsigmoid`. */
export class Hardsigmoid extends Activation {
  constructor() {
    super('hardsigmoid', 'Hardsigmoid');
  }
}

/** `nn.GELU`, exact (torch's default) or `approximate: 'tanh'`; `GELU('tanh')` and `GELU({ approximate: 'tanh' })` are the same. */
export class GELU extends Activation {
  readonly approximate: GeluApproximation;

  constructor(options: GeluApproximation | GeluOptions = 'none') {
    const approximate = (typeof options === 'object' ? options.approximate : options) ?? 'none';
    if (approximate !== 'none' && approximate !== 'tanh') {
      throw new OptionError('GELU', `approximate must be 'none' or 'tanh', got ${JSON.stringify(approximate)}`);
    }
    super(approximate === 'tanh' ? 'gelu_tanh' : 'gelu', 'GELU');
    this.approximate = approximate;
  }
}

/** `nn.Identity`. */
export class Identity extends Module {
  override get typeName(): string {
    return 'Identity';
  }

  forward(x: tf.Tensor): tf.Tensor {
    return x;
  }
}
