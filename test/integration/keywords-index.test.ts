/**
 * @file Keywords a photo already carries become tags at index time: IPTC and embedded
 * XMP keywords written by Debian's exiftool, and an XMP sidecar's keywords, are in the
 * tags table as accepted 'keyword' tags after indexing; a keyword tag the person
 * rejected stays rejected when the photo is indexed again. Real indexer, real store,
 * real ExifTool.
 */
import { execFile } from 'node:child_process';
import { utimes } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Library } from '../../electron/engine/library.js';
import { openToyLibrary, removeDir, tempDir } from '../fixtures/library.js';
import { writePhoto } from '../fixtures/photos.js';

const run = promisify(execFile);

describe('existing keywords at index time', () => {
  let root: string;
  let db: string;
  let library: Library;

  beforeAll(async () => {
    [root, db] = await Promise.all([tempDir(), tempDir()]);
    const embedded = await writePhoto(root, { colour: 'red', name: 'embedded.jpg' });
    await run('exiftool', [
      '-overwrite_original',
      '-IPTC:Keywords=Harbour',
      '-IPTC:Keywords=Boats',
      '-XMP-dc:Subject=Sunset',
      '-XMP-lr:HierarchicalSubject=Places|France|Paris',
      embedded,
    ]);
    const sidecarred = await writePhoto(root, { colour: 'blue', name: 'sidecarred.jpg' });
    // ExifTool creates an XMP file from nothing when the target does not exist.
    await run('exiftool', [
      '-XMP-dc:Subject=Grandma',
      '-XMP-dc:Subject=Garden',
      `${sidecarred}.xmp`,
    ]);
    await writePhoto(root, { colour: 'green', name: 'plain.jpg' });
    library = await openToyLibrary(db);
  }, 60_000);

  afterAll(async () => {
    await library?.close();
    await removeDir(root);
    await removeDir(db);
  });

  async function tagsByFile(): Promise<Map<string, string[]>> {
    const media = await library.store.listMedia();
    const rows = await library.store.tags.forFiles(media.map((row) => row.hash));
    const byFile = new Map<string, string[]>();
    for (const file of media)
      byFile.set(
        path.basename(file.path),
        rows
          .filter((row) => row.hash === file.hash)
          .map((row) => `${row.tag} ${row.state} ${row.source}`)
          .sort(),
      );
    return byFile;
  }

  it('records embedded IPTC, XMP and sidecar keywords as accepted keyword tags', async () => {
    const report = await library.index([root]);
    expect(report.indexed).toBe(3);
    const tags = await tagsByFile();
    expect(tags.get('embedded.jpg')).toEqual([
      'keywords/boats accepted keyword',
      'keywords/harbour accepted keyword',
      'keywords/paris accepted keyword',
      'keywords/sunset accepted keyword',
    ]);
    expect(tags.get('sidecarred.jpg')).toEqual([
      'keywords/garden accepted keyword',
      'keywords/grandma accepted keyword',
    ]);
    expect(tags.get('plain.jpg')).toEqual([]);
  }, 60_000);

  it('keeps a rejected keyword rejected when the photo is indexed again', async () => {
    const [embedded] = await library.store.listMedia({
      where: `path = '${path.join(root, 'embedded.jpg')}'`,
    });
    await library.store.tags.setState([embedded!.hash], 'keywords/boats', 'rejected');
    // A new mtime makes the indexer read the photo (and its keywords) again.
    const later = new Date(Date.now() + 60_000);
    await utimes(embedded!.path, later, later);
    const report = await library.index([root]);
    expect(report.indexed).toBe(1);
    expect((await tagsByFile()).get('embedded.jpg')).toEqual([
      'keywords/boats rejected keyword',
      'keywords/harbour accepted keyword',
      'keywords/paris accepted keyword',
      'keywords/sunset accepted keyword',
    ]);
  }, 60_000);
});
