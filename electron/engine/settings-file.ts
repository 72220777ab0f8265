/**
 * @file Small JSON settings files that survive crashes and are never silently reset (engine,
 * plain Node): `library.json` and the service's `settings.json`.
 *
 * [Note: settings files]
 * - Written atomically: a temp file in the same folder, fsync, rename over the old one. A
 *   crash leaves the old file or the new one, never a torn one; the temp name is unique so
 *   two processes writing at once cannot interleave.
 * - Writes of one file happen in the order they were asked for (`inTurn`), so the last
 *   one asked is the one that stays: two renames racing could otherwise leave an older text.
 * - Read with three outcomes: missing (defaults are right), valid, or damaged. A damaged
 *   file is kept, byte for byte, as `<name>.broken-<time>` before anything replaces it, and
 *   the caller says so in a sentence and recovers what it can.
 * - A file that exists but cannot be read at all (permissions, a folder in its place) is an
 *   error: replacing it with defaults would lose it.
 */
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { LanternError } from '../shared/errors.js';
import { inTurn } from '../../native/store/index.js';

export type JsonFileContent =
  | { state: 'missing' }
  | { state: 'parsed'; value: unknown; bytes: Buffer }
  | { state: 'damaged'; bytes: Buffer };

export async function readJsonFile(file: string): Promise<JsonFileContent> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ENOENT') return { state: 'missing' };
    throw new LanternError(
      'READ_FAILED',
      `Lantern cannot read ${file} (${typeof code === 'string' ? code : String(error)}). Check its permissions, then try again; Lantern will not replace it.`,
      { cause: error },
    );
  }
  try {
    return { state: 'parsed', value: JSON.parse(bytes.toString('utf8')) as unknown, bytes };
  } catch {
    return { state: 'damaged', bytes };
  }
}

/** Keep a damaged file's bytes next to it; returns the copy's path. */
export async function keepDamagedCopy(file: string, bytes: Buffer): Promise<string> {
  // No ':' in the name: Windows forbids it.
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  let copy = `${file}.broken-${stamp}`;
  for (let n = 2; ; n++) {
    try {
      await writeFile(copy, bytes, { flag: 'wx' });
      return copy;
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'EEXIST') throw error;
      copy = `${file}.broken-${stamp}-${n}`;
    }
  }
}

/** Replace `file` with `text` atomically and durably (see [Note: settings files]). */
export function writeFileAtomic(file: string, text: string): Promise<void> {
  return inTurn(`file:${path.resolve(file)}`, () => replaceFile(file, text));
}

async function replaceFile(file: string, text: string): Promise<void> {
  const temp = path.join(
    path.dirname(file),
    `.${path.basename(file)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`,
  );
  try {
    const handle = await open(temp, 'wx');
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await syncFolder(path.dirname(file));
}

/** Make the rename itself durable. Windows cannot open a folder for fsync; skip there. */
async function syncFolder(folder: string): Promise<void> {
  if (process.platform === 'win32') return;
  try {
    const handle = await open(folder, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Some file systems refuse fsync on a folder; the file itself is already synced.
  }
}
