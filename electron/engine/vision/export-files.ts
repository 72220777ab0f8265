/**
 * @file Where a vision export is written: beside the photo under a new name, never over
 * anything, never half-written. Runs in the engine worker and in the CLI.
 *
 * [Note: an export never writes over a file]
 * The photo is the person's; so is every file next to it. An export's name is
 * `<photo name>.<what>.<ext>` (`IMG_1.mask-dog.png`); when that is taken it becomes
 * `IMG_1.mask-dog-2.png`, `-3`, … (a second export of the same thing is a new file, as a
 * camera numbers its shots, rather than an error the person must clear). A path the caller
 * names itself (`--out`) is the person's explicit choice: if something is there already it
 * is refused with a sentence, never renamed behind their back and never replaced.
 * The bytes go to a hidden temporary file in the same folder and are then *linked* to the
 * final name: link(2) fails with EEXIST instead of replacing, so a file that appears between
 * the check and the write is still never overwritten, and a reader never sees a partial
 * export. Where the file system has no hard links (FAT, some network shares) the temporary
 * file is renamed instead, after a check that the name is free.
 */
import { randomBytes } from 'node:crypto';
import { link, lstat, rename, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { LanternError } from '../../shared/errors.js';

/** How many numbered names are tried before giving up (-2 … -999). */
const MAX_NUMBERED_NAMES = 999;

/** A prompt ("red car") as a file-name part ("red-car"): letters and digits, short. */
export function nameLabel(label: string): string {
  return label
    .normalize('NFC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
}

/** `<what>-<label>` or `<what>` when the label has nothing usable in a file name. */
export function exportKind(what: string, label: string | undefined): string {
  const part = label === undefined ? '' : nameLabel(label);
  return part ? `${what}-${part}` : what;
}

/** The name an export takes beside `photo`: `/dir/IMG_1.jpg` + `mask-dog` + `png` → `/dir/IMG_1.mask-dog.png`. */
export function besidePhoto(photo: string, kind: string, extension: string, number = 1): string {
  const stem = path.basename(photo, path.extname(photo));
  const suffix = number > 1 ? `-${number}` : '';
  return path.join(path.dirname(photo), `${stem}.${kind}${suffix}.${extension}`);
}

function errnoOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | null)?.code;
}

function cannotWrite(folder: string, error: unknown): LanternError {
  const code = errnoOf(error);
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new LanternError(
      'NOT_FOUND',
      `The folder ${folder} does not exist; choose a folder that does.`,
      { cause: error },
    );
  }
  if (code === 'ENOSPC') {
    return new LanternError(
      'STORE_FAILED',
      `The disk holding ${folder} is full; free some space and export again.`,
      { cause: error },
    );
  }
  return new LanternError(
    'NOT_ALLOWED',
    `Lantern may not write into ${folder}; make the folder writable, or export somewhere else.`,
    { cause: error },
  );
}

/** Place the finished temporary file at `target`; false when the name is taken. */
async function claim(temporary: string, target: string): Promise<boolean> {
  try {
    await link(temporary, target);
    return true;
  } catch (error) {
    const code = errnoOf(error);
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') {
      throw error;
    }
  }
  // No hard links here: rename, which would replace, so only onto a free name.
  const taken = await lstat(target).then(
    () => true,
    (error: unknown) => {
      if (errnoOf(error) === 'ENOENT') return false;
      throw error;
    },
  );
  if (taken) return false;
  await rename(temporary, target);
  return true;
}

export interface WriteExportOptions {
  /** The photo the export comes from; names the output and is never written. */
  photo: string;
  /** What the export is, for the name: `mask-dog`, `crop-car`, `annotated`. */
  kind: string;
  extension: string;
  /** Write exactly here instead (refused if anything exists there). */
  out?: string | undefined;
}

/**
 * Write `bytes` per [Note: an export never writes over a file]; returns the path written.
 * Throws LanternError: NOT_ALLOWED (folder not writable), NOT_FOUND (no such folder),
 * INVALID_INPUT (`out` exists), STORE_FAILED (disk full).
 */
export async function writeExport(bytes: Buffer, options: WriteExportOptions): Promise<string> {
  const first = options.out ?? besidePhoto(options.photo, options.kind, options.extension);
  const folder = path.dirname(path.resolve(first));
  const temporary = path.join(
    folder,
    `.${path.basename(first)}.${randomBytes(6).toString('hex')}.tmp`,
  );
  try {
    await writeFile(temporary, bytes, { flag: 'wx' });
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw cannotWrite(folder, error);
  }
  try {
    const last = options.out === undefined ? MAX_NUMBERED_NAMES : 1;
    for (let number = 1; number <= last; number++) {
      const target =
        options.out ?? besidePhoto(options.photo, options.kind, options.extension, number);
      if (await claim(temporary, target)) return target;
    }
    throw new LanternError(
      'INVALID_INPUT',
      options.out === undefined
        ? `${besidePhoto(options.photo, options.kind, options.extension)} and ${MAX_NUMBERED_NAMES - 1} ` +
            'numbered copies exist already; move some aside and export again.'
        : `${options.out} exists already, and Lantern never writes over a file; ` +
            'choose another name or move that file aside.',
    );
  } catch (error) {
    if (error instanceof LanternError) throw error;
    throw cannotWrite(folder, error);
  } finally {
    // After a link the temporary name is a second name for the export; after a rename it is gone.
    await unlink(temporary).catch(() => undefined);
  }
}
