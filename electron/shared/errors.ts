/**
 * @file Error codes a person can meet, shared by every process. A LanternError carries
 * a stable code and one sentence that says what to do; it is what crosses process and
 * IPC boundaries (as `{ code, message }`), never a raw Error.
 */

export const ERROR_CODES = [
  'INVALID_INPUT',
  'NOT_FOUND',
  'NOT_ALLOWED',
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
  'LIBRARY_BUSY',
  'INFERENCE_FAILED',
  'FFMPEG_MISSING',
  'EXIFTOOL_MISSING',
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
    return describeSystemError(error) ?? { code: 'INTERNAL', message: sentence(error.message) };
  }
  // A thrown object would otherwise read "[object Object]".
  const message = (error as { message?: unknown } | null)?.message;
  if (typeof message === 'string') return { code: 'INTERNAL', message: sentence(message) };
  return {
    code: 'INTERNAL',
    message: sentence(typeof error === 'object' && error !== null ? '' : String(error)),
  };
}

const READS = new Set([
  'open',
  'read',
  'stat',
  'lstat',
  'opendir',
  'scandir',
  'access',
  'realpath',
]);

/**
 * A Node system error (`EEXIST: file already exists, mkdir '/x'`) as a code and a sentence
 * that says what to do, for the errno values a person's own choice of path explains. Others
 * stay INTERNAL with Node's text: they are Lantern's bugs, not the person's to fix.
 */
function describeSystemError(error: Error): EncodedError | null {
  const { code, syscall, path } = error as { code?: unknown; syscall?: unknown; path?: unknown };
  if (typeof code !== 'string' || typeof path !== 'string') return null;
  // Renames are Lantern's own atomic writes (file.tmp → file): a failure there is its bug.
  if (syscall === 'rename') return null;
  const reading = typeof syscall === 'string' && READS.has(syscall);
  const where = path.length > 300 ? `${path.slice(0, 300)}…` : path;
  switch (code) {
    case 'ENOENT':
      return {
        code: 'NOT_FOUND',
        message: `${where} does not exist; check that it was not moved or deleted.`,
      };
    case 'EEXIST':
    case 'ENOTDIR':
      return {
        code: 'INVALID_INPUT',
        message: `${where} is (or lies under) a file, not a folder; choose a folder.`,
      };
    case 'EISDIR':
      return { code: 'INVALID_INPUT', message: `${where} is a folder, not a file; choose a file.` };
    case 'ENAMETOOLONG':
      return {
        code: 'INVALID_INPUT',
        message: `The path ${where} is too long for this system; choose a shorter one.`,
      };
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return reading
        ? { code: 'READ_FAILED', message: `Lantern may not read ${where}; check its permissions.` }
        : {
            code: 'INVALID_INPUT',
            message: `Lantern may not write to ${where}; choose a folder you can write to.`,
          };
    case 'ENOSPC':
      return {
        code: 'STORE_FAILED',
        message: `The disk holding ${where} is full; free some space and try again.`,
      };
    default:
      return null;
  }
}

function sentence(message: string): string {
  if (message.trim() === '') return UNKNOWN_FAILURE;
  return message.length > MESSAGE_LIMIT ? `${message.slice(0, MESSAGE_LIMIT)}…` : message;
}

export function isCancelled(error: unknown): boolean {
  return error instanceof LanternError && error.code === 'CANCELLED';
}
