/**
 * @file Names for the clips Lantern writes: safe on Windows, macOS and Linux, and never
 * the name of a file that exists. Runs in the engine worker (plain Node).
 */
import { access } from 'node:fs/promises';
import path from 'node:path';

/** Windows refuses these characters in names; '/' and NUL are refused everywhere. */
// eslint-disable-next-line no-control-regex -- control characters are what it must find
const RESERVED_CHARACTERS = /[<>:"/\\|?*\u0000-\u001f]/g;
/** Windows device names, refused with any extension ("NUL.mp4", "com1.txt"). */
const DEVICE_NAME = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;
/**
 * Name length cap in UTF-8 bytes for the stem: ext4 and APFS allow 255 bytes per name,
 * NTFS 255 UTF-16 units; 150 leaves room for the time range, " (99)" and an extension.
 */
const STEM_BYTES = 150;

/** A file name stem that every platform accepts: reserved characters replaced, no trailing dots or spaces, no device names. */
export function safeFileStem(stem: string): string {
  let safe = stem.normalize('NFC').replace(RESERVED_CHARACTERS, '_').trim();
  // Cut by code point, never inside a surrogate pair or a UTF-8 sequence.
  while (Buffer.byteLength(safe, 'utf8') > STEM_BYTES)
    safe = Array.from(safe).slice(0, -1).join('');
  // Windows drops trailing dots and spaces, so "a." and "a" would collide.
  safe = safe.replace(/[. ]+$/, '');
  if (safe === '') safe = 'clip';
  if (DEVICE_NAME.test(safe)) safe = `_${safe}`;
  return safe;
}

/** 75.25 → "1m15.2s", 3723 → "1h02m03.0s": sortable, readable, no colons. */
export function clipTime(seconds: number): string {
  const tenths = Math.round(Math.max(0, seconds) * 10);
  const h = Math.floor(tenths / 36000);
  const m = Math.floor((tenths % 36000) / 600);
  const s = (tenths % 600) / 10;
  const ss = s.toFixed(1).padStart(4, '0');
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m${ss}s`;
  return `${m}m${ss}s`;
}

/**
 * The default name of a clip: "<video name> <start>-<end><ext>", e.g.
 * "Beach day 1m15.2s-1m22.0s.mp4". The extension is the video's unless given
 * (accurate cuts re-encode, so they may choose another container).
 */
export function safeClipName(videoPath: string, start: number, end: number, ext?: string): string {
  const extension = normaliseExt(ext ?? path.extname(videoPath)) || '.mp4';
  const stem = safeFileStem(path.basename(videoPath, path.extname(videoPath)));
  return `${stem} ${clipTime(start)}-${clipTime(end)}${extension}`;
}

function normaliseExt(ext: string): string {
  if (ext === '') return '';
  const withDot = ext.startsWith('.') ? ext : `.${ext}`;
  return withDot.replace(RESERVED_CHARACTERS, '').toLowerCase();
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    (error: NodeJS.ErrnoException) => error.code !== 'ENOENT',
  );
}

/**
 * A path in `dir` for `base` + `ext` that no file has: "clip.mp4", else "clip (2).mp4",
 * "clip (3).mp4", … (as file managers name copies). Checked, not reserved: the writer
 * still refuses to replace a file that appears meanwhile (see writeOutput in output.ts).
 */
export async function freeOutputPath(dir: string, base: string, ext: string): Promise<string> {
  const extension = normaliseExt(ext);
  const stem = safeFileStem(
    base.endsWith(extension) && extension !== '' ? base.slice(0, -extension.length) : base,
  );
  for (let n = 1; n < 10_000; n++) {
    const candidate = path.join(dir, `${stem}${n === 1 ? '' : ` (${n})`}${extension}`);
    if (!(await exists(candidate))) return candidate;
  }
  throw new Error(`no free name for ${stem}${extension} in ${dir}`);
}
