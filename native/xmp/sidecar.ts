/**
 * @file Writes a photo's accepted tags into its XMP sidecar, where digiKam, darktable
 * and Lightroom read them, merged into whatever the sidecar already holds. Runs in the
 * engine worker and in the command line (plain Node). The rules, for people: docs/xmp.md.
 *
 * The photo itself is never opened for writing: ExifTool only ever gets the sidecar's
 * path (or a temporary copy of it).
 *
 * Merge rule (see [Note: the lantern XMP namespace] in exiftool.ts): Lantern replaces
 * only the entries it wrote itself. The sidecar remembers them in lantern:Written*; an
 * entry that was already there before Lantern wrote it belongs to the person and is
 * never recorded, so it is never removed.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, copyFile, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import type { WriteTags } from 'exiftool-vendored';
import { type RawExiftoolTags, XmpError, sharedExiftool } from './exiftool.js';

export interface TagSidecarContent {
  /** Tag names, written to XMP-dc:Subject. */
  subjects: string[];
  /** `Category|Tag` paths, written to XMP-lr:HierarchicalSubject. */
  hierarchical: string[];
}

export interface SidecarWriteResult {
  /** The sidecar written (or left alone when nothing changed). */
  sidecar: string;
  /** False when the sidecar already said exactly this: it was not rewritten. */
  changed: boolean;
}

/** What a sidecar holds of the fields Lantern reads or writes. */
export interface SidecarTags extends TagSidecarContent {
  writtenSubjects: string[];
  writtenHierarchical: string[];
}

const EMPTY_SIDECAR: SidecarTags = {
  subjects: [],
  hierarchical: [],
  writtenSubjects: [],
  writtenHierarchical: [],
};

/**
 * The sidecar names a photo may have: `photo.jpg.xmp` (digiKam's default, the only one
 * darktable reads) and `photo.xmp` (Lightroom's, digiKam's "commercial programs" option).
 */
export function sidecarCandidates(photo: string): { full: string; short: string } {
  const extension = extname(photo);
  const stem = extension ? photo.slice(0, -extension.length) : photo;
  return { full: `${photo}.xmp`, short: `${stem}.xmp` };
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Where Lantern writes: an existing `photo.jpg.xmp`, else an existing `photo.xmp`, else a
 * new `photo.jpg.xmp`. When both exist, `photo.jpg.xmp` wins: it is where Lantern wrote
 * before (it never creates `photo.xmp`), so the tags it may take back are there.
 */
export async function sidecarPathFor(photo: string): Promise<string> {
  const { full, short } = sidecarCandidates(photo);
  if (await exists(full)) return full;
  if (short !== photo && (await exists(short))) return short;
  return full;
}

function asStrings(value: unknown): string[] {
  if (value === undefined || value === null || value === '') return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}

/**
 * Reads Lantern's fields from a sidecar. `StructFormat=JSONQ` makes ExifTool quote every
 * value, so a keyword "1.50" stays "1.50" rather than becoming the number 1.5 (which a
 * merge would then write back changed). https://exiftool.org/ExifTool.html#StructFormat
 */
export async function readSidecarTags(sidecar: string): Promise<SidecarTags> {
  const exiftool = await sharedExiftool();
  let raw: RawExiftoolTags;
  try {
    // readRaw, not read: read() renames and parses tags and drops ones it does not know
    // (ExifTool.d.ts, readRaw's comment); -G1 keeps the group so dc:subject is not
    // confused with another Subject.
    raw = await exiftool.readRaw<RawExiftoolTags>(sidecar, {
      readArgs: [
        '-G1',
        '-api',
        'StructFormat=JSONQ',
        '-File:FileType',
        '-XMP-dc:Subject',
        '-XMP-lr:HierarchicalSubject',
        '-XMP-lantern:all',
      ],
    });
  } catch (error) {
    throw new XmpError(
      'READ_FAILED',
      `Lantern could not read the sidecar ${sidecar}; check that it is readable and not a folder.`,
      { cause: error },
    );
  }
  const fileType = raw['File:FileType'];
  if (fileType !== 'XMP') {
    throw new XmpError(
      'UNSUPPORTED_FORMAT',
      `${sidecar} is not an XMP sidecar (ExifTool reads it as ${typeof fileType === 'string' ? fileType : 'unknown data'}), ` +
        'so Lantern left it alone; move it aside or delete it, then write the tags again.',
    );
  }
  return {
    subjects: asStrings(raw['XMP-dc:Subject']),
    hierarchical: asStrings(raw['XMP-lr:HierarchicalSubject']),
    writtenSubjects: asStrings(raw['XMP-lantern:WrittenSubjects']),
    writtenHierarchical: asStrings(raw['XMP-lantern:WrittenHierarchicalSubjects']),
  };
}

/**
 * One list after a write: the entries that are not Lantern's (kept, in their order),
 * then the wanted ones not already there. `written` is what Lantern may take back next
 * time: the wanted entries that were not already the person's.
 */
export function mergeOwnedList(
  current: readonly string[],
  previouslyWritten: readonly string[],
  wanted: readonly string[],
): { list: string[]; written: string[] } {
  const lanterns = new Set(previouslyWritten);
  const persons = current.filter((entry) => !lanterns.has(entry));
  const personsSet = new Set(persons);
  const written = [...new Set(wanted)].filter((entry) => !personsSet.has(entry));
  return { list: [...persons, ...written], written };
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((entry, i) => entry === b[i]);
}

/** Tag names are one line of text; ExifTool's argument file is line-based too. */
function cleanTags(tags: readonly string[]): string[] {
  return tags.map((tag) => tag.replace(/[\p{Cc}]+/gu, ' ').trim()).filter((tag) => tag !== '');
}

/** Writes to the same sidecar queue behind each other; different sidecars run freely. */
const queues = new Map<string, Promise<unknown>>();

/**
 * Writes `content` into the photo's sidecar (docs/xmp.md). Atomic: ExifTool writes a
 * temporary copy in the same folder, which is renamed over the sidecar, so a crash leaves
 * the old sidecar or the new one, never half of one.
 */
export async function writeTagSidecar(
  photo: string,
  content: TagSidecarContent,
): Promise<SidecarWriteResult> {
  const sidecar = await sidecarPathFor(photo);
  const previous = queues.get(sidecar) ?? Promise.resolve();
  const run = previous.catch(() => undefined).then(() => writeNow(photo, sidecar, content));
  queues.set(sidecar, run);
  try {
    return await run;
  } finally {
    if (queues.get(sidecar) === run) queues.delete(sidecar);
  }
}

async function writeNow(
  photo: string,
  sidecar: string,
  content: TagSidecarContent,
): Promise<SidecarWriteResult> {
  if (!(await exists(photo))) {
    throw new XmpError(
      'NOT_FOUND',
      `${photo} no longer exists, so Lantern wrote no sidecar for it; re-index the folder.`,
    );
  }
  const folder = dirname(sidecar);
  try {
    await access(folder, constants.W_OK);
  } catch (error) {
    throw new XmpError(
      'NOT_ALLOWED',
      `Lantern may not write into ${folder}, so the tags of ${basename(photo)} stay in Lantern ` +
        'only; make the folder writable, or turn off XMP sidecars for this library.',
      { cause: error },
    );
  }
  const existed = await exists(sidecar);
  const before = existed ? await readSidecarTags(sidecar) : EMPTY_SIDECAR;
  const subjects = mergeOwnedList(
    before.subjects,
    before.writtenSubjects,
    cleanTags(content.subjects),
  );
  const hierarchical = mergeOwnedList(
    before.hierarchical,
    before.writtenHierarchical,
    cleanTags(content.hierarchical),
  );
  const unchanged =
    sameList(subjects.list, before.subjects) &&
    sameList(hierarchical.list, before.hierarchical) &&
    sameList(subjects.written, before.writtenSubjects) &&
    sameList(hierarchical.written, before.writtenHierarchical);
  if (unchanged) return { sidecar, changed: false };

  // null deletes a field (`-TAG=`); an empty list would leave an empty bag behind.
  const orNull = (list: string[]): string[] | null => (list.length > 0 ? list : null);
  const tags = {
    'XMP-dc:Subject': orNull(subjects.list),
    'XMP-lr:HierarchicalSubject': orNull(hierarchical.list),
    'XMP-lantern:WrittenSubjects': orNull(subjects.written),
    'XMP-lantern:WrittenHierarchicalSubjects': orNull(hierarchical.written),
  } as unknown as WriteTags; // group-prefixed names are not in WriteTags' key list

  // A dot file ending in .xmp: ExifTool picks the format from the extension and creates
  // an XMP file when the path does not exist yet (https://exiftool.org/#writing).
  const temporary = join(
    folder,
    `.${basename(sidecar)}.lantern-${process.pid}-${randomBytes(4).toString('hex')}.xmp`,
  );
  try {
    if (existed) await copyFile(sidecar, temporary);
    const exiftool = await sharedExiftool();
    // -overwrite_original: no `_original` backup next to the temporary copy.
    await exiftool.write(temporary, tags, { writeArgs: ['-overwrite_original'] });
    await rename(temporary, sidecar);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    if (error instanceof XmpError) throw error;
    throw new XmpError(
      'STORE_FAILED',
      `Lantern could not write the sidecar ${sidecar}; check that the disk has room and the ` +
        'folder is writable, then write the tags again.',
      { cause: error },
    );
  }
  return { sidecar, changed: true };
}
