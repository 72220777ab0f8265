/**
 * @file The store adapter's error. Runs in the engine worker (plain Node).
 *
 * native/ may not import electron/ (DESIGN.md, Layout), so this is not a LanternError;
 * its `code` is spelled as in electron/shared/errors.ts ErrorCode, and the engine wraps
 * it as `new LanternError(error.code, error.message, { cause: error })`.
 */

export type StoreErrorCode = 'STORE_FAILED' | 'INVALID_INPUT';

export class StoreError extends Error {
  readonly code: StoreErrorCode;

  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreError';
    this.code = code;
  }
}

/** Run one store operation; anything LanceDB throws becomes a StoreError naming what failed. */
export async function guarded<T>(
  what: string,
  dir: string,
  operation: () => Promise<T>,
): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (error instanceof StoreError) throw error;
    const reason = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
    throw new StoreError(
      'STORE_FAILED',
      `Could not ${what} in the library database at ${dir} (${reason}); ` +
        'check that the folder is writable and the disk has space, or rebuild the library.',
      { cause: error },
    );
  }
}
