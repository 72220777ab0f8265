/**
 * @file Error codes a person can meet, shared by every process. A LanternError carries
 * a stable code and one sentence that says what to do; it is what crosses process and
 * IPC boundaries (as `{ code, message }`), never a raw Error.
 */

export const ERROR_CODES = [
  'INVALID_INPUT',
  'NOT_FOUND',
  'MODEL_UNKNOWN',
  'MODEL_MISSING',
  'MODEL_CHECKSUM',
  'MODEL_INVALID',
  'DOWNLOAD_FAILED',
  'NETWORK_UNAVAILABLE',
  'DECODE_FAILED',
  'UNSUPPORTED_FORMAT',
  'TOO_LARGE',
  'EMPTY_FILE',
  'READ_FAILED',
  'STORE_FAILED',
  'INFERENCE_FAILED',
  'FFMPEG_MISSING',
  'CANCELLED',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

const KNOWN_CODES: ReadonlySet<string> = new Set(ERROR_CODES);

export class LanternError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LanternError';
    this.code = code;
  }
}

export interface EncodedError {
  code: ErrorCode;
  message: string;
}

/** Longest message that crosses a boundary; a library's raw error may quote a whole input. */
const MESSAGE_LIMIT = 2000;

const UNKNOWN_FAILURE =
  'Something went wrong inside Lantern; try again, and report it if it keeps happening.';

/**
 * Turn anything thrown into the `{ code, message }` that may cross a boundary. The native
 * adapters cannot import this module, so their errors are recognised by carrying one of
 * the known codes rather than by class. The message is always a non-empty sentence of
 * bounded length: a thrown non-Error or an empty message gets a generic one.
 */
export function encodeError(error: unknown): EncodedError {
  if (error instanceof LanternError) return { code: error.code, message: sentence(error.message) };
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && KNOWN_CODES.has(code))
      return { code: code as ErrorCode, message: sentence(error.message) };
    return { code: 'INTERNAL', message: sentence(error.message) };
  }
  // A thrown object would otherwise read "[object Object]".
  const message = (error as { message?: unknown } | null)?.message;
  if (typeof message === 'string') return { code: 'INTERNAL', message: sentence(message) };
  return {
    code: 'INTERNAL',
    message: sentence(typeof error === 'object' && error !== null ? '' : String(error)),
  };
}

function sentence(message: string): string {
  if (message.trim() === '') return UNKNOWN_FAILURE;
  return message.length > MESSAGE_LIMIT ? `${message.slice(0, MESSAGE_LIMIT)}…` : message;
}

export function isCancelled(error: unknown): boolean {
  return error instanceof LanternError && error.code === 'CANCELLED';
}
