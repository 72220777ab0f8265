/**
 * @file Errors of the ffmpeg adapter, and the mapping from ffmpeg's and ffprobe's own
 * words to them. Runs in the engine worker (plain Node).
 *
 * native/ may not import electron/ (DESIGN.md, Layout), so this is not a LanternError:
 * like ImageError it carries a stable `code` spelled as in electron/shared/errors.ts
 * ErrorCode and one sentence that says what to do. The engine wraps it as
 * `new LanternError(error.code, error.message, { cause: error })`.
 *
 * FFMPEG_MISSING is the one code not (yet) in ErrorCode: "no working ffmpeg" is not a
 * fault of any file, and the app answers it differently (a settings link, not a per-file
 * reason), so it deserves its own code rather than NOT_FOUND.
 */

export type VideoErrorCode =
  /** No working ffmpeg/ffprobe: configured path wrong, nothing bundled, none on PATH. */
  | 'FFMPEG_MISSING'
  | 'EMPTY_FILE'
  | 'READ_FAILED'
  /** Not media at all, or media without a video stream. */
  | 'UNSUPPORTED_FORMAT'
  /** Media that ffmpeg recognises but cannot read to the end: truncated or corrupt. */
  | 'DECODE_FAILED'
  /** Bad arguments: start after end, an output that exists, an output over the input. */
  | 'INVALID_INPUT'
  /** An output (clip) could not be written: full disk, no permission. */
  | 'STORE_FAILED'
  /** A frame over the pixel limit (videoStill in still.ts). */
  | 'TOO_LARGE'
  | 'CANCELLED';

export class VideoError extends Error {
  readonly code: VideoErrorCode;

  constructor(code: VideoErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VideoError';
    this.code = code;
  }
}

export function cancelled(what: string): VideoError {
  return new VideoError('CANCELLED', `${what} was cancelled.`);
}

/**
 * The lines of ffmpeg's stderr that say what went wrong: the last few, without the
 * banner and progress lines, each shortened. ffmpeg ends a failure with its reason, so
 * the tail is the useful part.
 */
export function ffmpegReason(stderr: string, lines = 2): string {
  const useful = stderr
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !/^(frame|size|Press|\[Parsed_showinfo)/.test(line));
  const tail = useful
    .slice(-lines)
    .map((line) => (line.length > 200 ? `${line.slice(0, 200)}…` : line));
  return tail.join('; ') || 'no message from ffmpeg';
}

/**
 * Turn a failed ffprobe/ffmpeg run on an input file into a per-file VideoError, by its
 * words (ffmpeg has no machine-readable error output). "moov atom not found" is an MP4
 * whose index never got written or was cut off the end: truncated, not foreign.
 */
export function classifyInputError(stderr: string, name: string, cause?: unknown): VideoError {
  const options = cause === undefined ? undefined : { cause };
  const reason = ffmpegReason(stderr);
  if (/No such file or directory/i.test(stderr)) {
    return new VideoError(
      'READ_FAILED',
      `${name} was not found; it may have been moved or deleted.`,
      options,
    );
  }
  if (/Permission denied/i.test(stderr)) {
    return new VideoError('READ_FAILED', `${name} could not be read: permission denied.`, options);
  }
  if (
    /moov atom not found|partial file|truncat|End of file|Invalid NAL unit size|error while decoding/i.test(
      stderr,
    )
  ) {
    return new VideoError(
      'DECODE_FAILED',
      `${name} looks truncated or corrupt (${reason}); re-copy it from its source if it plays nowhere else.`,
      options,
    );
  }
  if (
    /Invalid data found when processing input|could not find codec parameters|unknown format/i.test(
      stderr,
    )
  ) {
    return new VideoError(
      'UNSUPPORTED_FORMAT',
      `${name} is not a video file ffmpeg can read (${reason}).`,
      options,
    );
  }
  return new VideoError(
    'DECODE_FAILED',
    `${name} could not be read to the end (${reason}); re-copy it from its source if it plays nowhere else.`,
    options,
  );
}
