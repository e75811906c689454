import { ConvkitError } from '@convkit/core';

/** A module in the tree has no ONNX mapping; `modulePath` is its state-dict path (`''` for the root). */
export class UnsupportedModuleError extends ConvkitError {
  readonly modulePath: string;
  readonly typeName: string;

  constructor(
    modulePath: string,
    typeName: string,
    reason = `no ONNX mapping for module type '${typeName}'; add one with registerOnnxMapping('${typeName}', …)`,
  ) {
    super(`exportOnnx: module '${modulePath || '(root)'}' (${typeName})`, reason);
    this.modulePath = modulePath;
    this.typeName = typeName;
  }
}

/** An optional peer dependency (an onnxruntime package) is needed and not installed. */
export class MissingPeerError extends ConvkitError {
  readonly packageName: string;

  constructor(where: string, packageName: string, cause?: unknown) {
    super(where, `needs the optional peer dependency '${packageName}': install it (npm i ${packageName})`, { cause });
    this.packageName = packageName;
  }
}
