/**
 * @file The error the onnxruntime adapter throws. Runs in the engine's process.
 *
 * native/ may not import electron/ at run time (DESIGN.md, Layout), so this is not
 * `LanternError` itself but has its shape: `name` 'LanternError', a `code` from the
 * shared error codes (spelled out below: the layer rule in eslint.config.js bars even
 * `import type` from electron/), and one sentence that names the model file and says
 * what to do.
 * Code that tests `instanceof LanternError` (such as `encodeError`) must wrap it first:
 * `new LanternError(e.code, e.message, { cause: e })`.
 */

/** The codes of `ErrorCode` (electron/shared/errors.ts) that this adapter raises. */
export type OnnxErrorCode = 'MODEL_MISSING' | 'MODEL_INVALID' | 'INFERENCE_FAILED';

export class OnnxError extends Error {
  readonly code: OnnxErrorCode;
  /** The model file the error is about. */
  readonly path: string;

  constructor(code: OnnxErrorCode, path: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LanternError';
    this.code = code;
    this.path = path;
  }
}

export function isOnnxError(error: unknown): error is OnnxError {
  return error instanceof OnnxError;
}

/** The first line of an ORT error, without the C++ source location it sometimes starts with. */
export function ortReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const first = (message.split('\n')[0] ?? '').replace(/^\S+\.(cc|cpp|h):\d+ /, '').trim();
  return first.length > 300 ? `${first.slice(0, 300)}…` : first;
}
