import { ConvkitError } from '@convkit/core';

/** A download failed: HTTP status, network error or a connection cut before the end. */
export class FetchError extends ConvkitError {
  readonly url: string;
  /** HTTP status, when the server answered at all. */
  readonly status: number | undefined;

  constructor(url: string, message: string, options: { status?: number; cause?: unknown } = {}) {
    super(`fetch ${url}`, message, { cause: options.cause });
    this.url = url;
    this.status = options.status;
  }
}

/** Downloaded or cached bytes do not have the SHA-256 the catalog (or file name) promises. */
export class IntegrityError extends ConvkitError {
  readonly expected: string;
  readonly actual: string;

  constructor(where: string, expected: string, actual: string) {
    super(where, `SHA-256 mismatch: expected a hash starting with ${expected}, got ${actual}`);
    this.expected = expected;
    this.actual = actual;
  }
}
