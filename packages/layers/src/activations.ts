import type * as tf from '@tensorflow/tfjs-core';
import { activation, type ActivationName, Module } from '@convkit/core';

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

/** `nn.GELU`, exact or `approximate: 'tanh'`. */
export class GELU extends Activation {
  constructor(approximate: 'none' | 'tanh' = 'none') {
    super(approximate === 'tanh' ? 'gelu_tanh' : 'gelu', 'GELU');
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
