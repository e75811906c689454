import { ConvkitError, FormatError } from '@convkit/core';

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

/** An ONNX node the importer cannot run as written: names the node, its op and the attribute (or input) at fault. */
export class UnsupportedOnnxError extends ConvkitError {
  readonly node: string;
  readonly opType: string;
  readonly attribute: string | undefined;

  constructor(node: string, opType: string, reason: string, attribute?: string) {
    super(`importOnnx: node '${node}' (${opType})${attribute ? ` attribute '${attribute}'` : ''}`, reason);
    this.node = node;
    this.opType = opType;
    this.attribute = attribute;
  }
}

/**
 * An ONNX file is malformed, hostile or beyond what convkit reads (truncated protobuf, a tensor
 * whose data does not match its dims, a cycle, external data not handed over…). `subject` names
 * the node or tensor (`initializer 'fc.weight'`, `node '/conv1/Conv' (Conv)`), or the file itself.
 */
export class OnnxFormatError extends FormatError {
  readonly subject: string;

  constructor(file: string, subject: string, message: string, options?: { cause?: unknown }) {
    super(subject ? `${file}: ${subject}` : file, message, options);
    this.subject = subject;
  }
}
