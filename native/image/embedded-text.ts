/**
 * @file The text an image carries about itself: PNG text chunks (tEXt, zTXt and iTXt, as
 * libvips reads them through sharp's `metadata().comments`) and the EXIF captions
 * ImageDescription and UserComment (exifr). Generators write their prompt there: AUTOMATIC1111
 * a `parameters` chunk, ComfyUI `prompt` (JSON), others `Description` or EXIF. Runs in the
 * engine worker (plain Node); nothing here decides which text is the prompt (the engine's
 * lenses do).
 *
 * exifr alone reads PNG tEXt but not iTXt or zTXt (only XMP's iTXt), which is why the
 * chunks come from sharp; no PNG parsing is written here.
 */
import { loadExifr } from './exifr-module.js';
import { sharp } from './sharp-module.js';
import { classifyDecodeError, emptyFile } from './errors.js';
import { guardedImageBytes } from './guarded-bytes.js';

export interface EmbeddedText {
  /** PNG text chunks in file order: keyword and text. */
  chunks: { keyword: string; text: string }[];
  /** EXIF IFD0 ImageDescription, trimmed; null when absent or empty. */
  imageDescription: string | null;
  /** EXIF UserComment decoded from its 8-byte character-code header; null when absent or empty. */
  userComment: string | null;
}

/**
 * Read an image's embedded text. The file is read through readMediaFile (regular files
 * only, bounded: [Note: only regular files are read]) and its EXIF checked for looping
 * directories first, as a decode does. Throws ImageError (READ_FAILED, TOO_LARGE,
 * EMPTY_FILE, UNSUPPORTED_FORMAT, DECODE_FAILED).
 */
export async function readEmbeddedText(
  file: string,
  options: { maxBytes?: number } = {},
): Promise<EmbeddedText> {
  const { name, bytes } = await guardedImageBytes(file, options);
  if (bytes.length === 0) throw emptyFile(name);
  let comments: { keyword: string; text: string }[] = [];
  try {
    comments = (await sharp(bytes, { limitInputPixels: false }).metadata()).comments ?? [];
  } catch (error) {
    throw classifyDecodeError(error, name);
  }
  let exif: Record<string, unknown> | undefined;
  const exifr = await loadExifr();
  try {
    exif = (await exifr.parse(bytes, { pick: ['ImageDescription', 'UserComment'] })) as
      Record<string, unknown> | undefined;
  } catch {
    exif = undefined; // no EXIF, or none exifr can read: there is simply no caption there
  }
  return {
    chunks: comments.map(({ keyword, text }) => ({ keyword, text })),
    imageDescription: nonEmpty(exif?.ImageDescription),
    userComment: nonEmpty(userCommentText(exif?.UserComment ?? exif?.userComment)),
  };
}

/**
 * EXIF 2.3 §4.6.5: UserComment is an 8-byte character code ("ASCII\0\0\0", "UNICODE\0",
 * "JIS\0\0\0\0\0" or eight NULs for undefined) followed by the text. exifr hands it over raw.
 */
export function userCommentText(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (!(value instanceof Uint8Array)) return null;
  const bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  const code = bytes.toString('latin1', 0, Math.min(8, bytes.length)).replace(/\0+$/, '');
  const body = bytes.subarray(Math.min(8, bytes.length));
  if (code === 'UNICODE') {
    // UCS-2 in the byte order of the TIFF block; a BOM or a leading NUL tells big-endian.
    const bigEndian = body[0] === 0 || (body[0] === 0xfe && body[1] === 0xff);
    const even = body.subarray(0, body.length - (body.length % 2));
    const swapped = bigEndian ? Buffer.from(even).swap16() : even;
    return swapped.toString('utf16le').replace(/^\uFEFF/, '');
  }
  return body.toString('utf8');
}

function nonEmpty(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  // eslint-disable-next-line no-control-regex -- padding NULs end many EXIF strings
  const text = value.replace(/\u0000/g, '').trim();
  return text === '' ? null : text;
}
