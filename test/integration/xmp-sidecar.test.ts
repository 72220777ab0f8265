/**
 * @file Integration tests of the XMP adapter (native/xmp) against real ExifTool: what
 * Lantern writes into sidecars is read back by Debian's `exiftool`
 * (libimage-exiftool-perl) through child_process, never through exiftool-vendored, so a
 * mistake shared by Lantern's reader and writer cannot hide itself. Fixtures are made
 * by sharp and Debian's exiftool in a temporary folder.
 */
import { execFile } from 'node:child_process';
import { chmod, readFile, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endExiftool, sharedExiftool } from '../../native/xmp/exiftool.js';
import { readKeywords } from '../../native/xmp/keywords.js';
import { writeTagSidecar } from '../../native/xmp/sidecar.js';
import { tempDir } from '../fixtures/library.js';

const run = promisify(execFile);

/**
 * What Debian's exiftool reads in one tag of `file`: list items one by one, exactly as
 * written, in file order (its JSON would turn "1.50" into 1.5, and 12.57 has no StructFormat=JSONQ).
 */
async function read(file: string, tag: string): Promise<string[]> {
  // -a: a tag found more than once (the flattened items of an unknown structure list,
  // like darktable's history) is printed once per occurrence, one line each.
  const { stdout } = await run('exiftool', ['-a', '-s3', '-sep', ' <sep> ', `-${tag}`, file]);
  const text = stdout.replace(/\n$/, '');
  return text === '' ? [] : text.split('\n').flatMap((line) => line.split(' <sep> '));
}

const DARKTABLE_SIDECAR = `<?xml version="1.0" encoding="UTF-8"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="XMP Core 4.4.0-Exiv2">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:lr="http://ns.adobe.com/lightroom/1.0/"
    xmlns:darktable="http://darktable.sf.net/"
   xmp:Rating="4"
   xmp:Label="Red"
   darktable:xmp_version="5"
   darktable:history_end="2">
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">Harbour at dawn</rdf:li></rdf:Alt></dc:title>
   <dc:subject><rdf:Bag><rdf:li>grandma</rdf:li><rdf:li>1.50</rdf:li></rdf:Bag></dc:subject>
   <lr:hierarchicalSubject><rdf:Bag><rdf:li>People|grandma</rdf:li></rdf:Bag></lr:hierarchicalSubject>
   <darktable:history>
    <rdf:Seq>
     <rdf:li darktable:num="0" darktable:operation="exposure" darktable:enabled="1" darktable:params="0000000000000000"/>
     <rdf:li darktable:num="1" darktable:operation="colorbalancergb" darktable:enabled="1" darktable:params="gz11eJxjYIAAGQYGBgA"/>
    </rdf:Seq>
   </darktable:history>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
`;

let dir = '';
let count = 0;

/** A fresh JPEG with an old mtime, so a rewrite would show. */
async function photo(name = `photo${++count}.jpg`): Promise<string> {
  const path = join(dir, name);
  await sharp({ create: { width: 32, height: 24, channels: 3, background: '#3a6' } })
    .jpeg()
    .toFile(path);
  await utimes(path, new Date('2020-01-01T00:00:00Z'), new Date('2020-01-01T00:00:00Z'));
  return path;
}

beforeAll(async () => {
  dir = await tempDir('lantern-xmp-');
});
afterAll(async () => {
  await endExiftool();
  await rm(dir, { recursive: true, force: true });
});

describe('writeTagSidecar', () => {
  it('writes subjects and hierarchical subjects to photo.jpg.xmp and leaves the photo untouched', async () => {
    const jpeg = await photo();
    const bytes = await readFile(jpeg);
    const { mtimeMs } = await stat(jpeg);

    const result = await writeTagSidecar(jpeg, {
      subjects: ['beach', 'sunset', '007'],
      hierarchical: ['Scenes|beach', 'Time of day|sunset'],
    });

    expect(result).toEqual({ sidecar: `${jpeg}.xmp`, changed: true });
    expect(await read(result.sidecar, 'File:FileType')).toEqual(['XMP']);
    expect(await read(result.sidecar, 'XMP-dc:Subject')).toEqual(['beach', 'sunset', '007']);
    expect(await read(result.sidecar, 'XMP-lr:HierarchicalSubject')).toEqual([
      'Scenes|beach',
      'Time of day|sunset',
    ]);
    expect(await readFile(jpeg)).toEqual(bytes);
    expect((await stat(jpeg)).mtimeMs).toBe(mtimeMs);
    // No temporary copy is left behind.
    expect((await readdir(dir)).filter((name) => name.includes('lantern-'))).toEqual([]);
  });

  it("keeps every field another tool put in the sidecar, and that tool's own subjects", async () => {
    const jpeg = await photo();
    const sidecar = `${jpeg}.xmp`;
    // As darktable 4 (through Exiv2) writes one: attributes, a language alternative, a
    // history sequence of structures, and subjects the person typed ("1.50" must stay text).
    await writeFile(sidecar, DARKTABLE_SIDECAR);

    await writeTagSidecar(jpeg, { subjects: ['beach'], hierarchical: ['Scenes|beach'] });

    expect(await read(sidecar, 'XMP-xmp:Rating')).toEqual(['4']);
    expect(await read(sidecar, 'XMP-xmp:Label')).toEqual(['Red']);
    expect(await read(sidecar, 'XMP-dc:Title')).toEqual(['Harbour at dawn']);
    expect(await read(sidecar, 'XMP-darktable:History_end')).toEqual(['2']);
    expect(await read(sidecar, 'XMP-darktable:HistoryOperation')).toEqual([
      'exposure',
      'colorbalancergb',
    ]);
    expect(await read(sidecar, 'XMP-darktable:HistoryParams')).toEqual([
      '0000000000000000',
      'gz11eJxjYIAAGQYGBgA',
    ]);
    expect(await read(sidecar, 'XMP-dc:Subject')).toEqual(['grandma', '1.50', 'beach']);
    expect(await read(sidecar, 'XMP-lr:HierarchicalSubject')).toEqual([
      'People|grandma',
      'Scenes|beach',
    ]);
  });

  it('re-writing with one tag fewer removes only that Lantern-written tag, never a person’s', async () => {
    const jpeg = await photo();
    const sidecar = `${jpeg}.xmp`;
    // The person typed "dog" and "beach" in another tool before Lantern wrote anything.
    await run('exiftool', ['-q', '-XMP-dc:Subject=dog', '-XMP-dc:Subject=beach', sidecar]);

    await writeTagSidecar(jpeg, {
      subjects: ['beach', 'sea', 'sand'],
      hierarchical: ['Scenes|sea'],
    });
    expect(await read(sidecar, 'XMP-dc:Subject')).toEqual(['dog', 'beach', 'sea', 'sand']);

    // "sea" and "beach" rejected in Lantern: "sea" was Lantern's and goes; "beach" was the
    // person's before Lantern wrote it and stays.
    await writeTagSidecar(jpeg, { subjects: ['sand'], hierarchical: [] });
    expect(await read(sidecar, 'XMP-dc:Subject')).toEqual(['dog', 'beach', 'sand']);
    expect(await read(sidecar, 'XMP-lr:HierarchicalSubject')).toEqual([]);

    // Writing the same again does not rewrite the sidecar.
    expect((await writeTagSidecar(jpeg, { subjects: ['sand'], hierarchical: [] })).changed).toBe(
      false,
    );
  });

  it('writes into an existing photo.xmp instead of creating photo.jpg.xmp', async () => {
    const jpeg = await photo('lightroom.jpg');
    const short = join(dir, 'lightroom.xmp');
    await run('exiftool', ['-q', '-XMP-xmp:Rating=2', short]);

    const result = await writeTagSidecar(jpeg, { subjects: ['harbour'], hierarchical: [] });

    expect(result.sidecar).toBe(short);
    await expect(stat(`${jpeg}.xmp`)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await read(short, 'XMP-dc:Subject')).toEqual(['harbour']);
    expect(await read(short, 'XMP-xmp:Rating')).toEqual(['2']);
  });

  it('refuses a sidecar that is not XMP, with a code and a sentence, and leaves it alone', async () => {
    const jpeg = await photo();
    const sidecar = `${jpeg}.xmp`;
    await writeFile(sidecar, 'shopping list: eggs, milk\n');

    const error = await writeTagSidecar(jpeg, { subjects: ['beach'], hierarchical: [] }).catch(
      (caught: unknown) => caught,
    );

    expect(error).toMatchObject({ code: 'UNSUPPORTED_FORMAT' });
    expect((error as Error).message).toMatch(/is not an XMP sidecar.*move it aside/);
    expect(await readFile(sidecar, 'utf8')).toBe('shopping list: eggs, milk\n');
  });

  it('an unwritable folder is NOT_ALLOWED, with a sentence saying what to do', async () => {
    const folder = await tempDir('lantern-xmp-readonly-');
    const jpeg = join(folder, 'locked.jpg');
    await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } })
      .jpeg()
      .toFile(jpeg);
    await chmod(folder, 0o555);
    // root ignores permission bits; the immutable attribute stops it too.
    const asRoot = process.getuid?.() === 0;
    if (asRoot) await run('chattr', ['+i', folder]);
    try {
      const error = await writeTagSidecar(jpeg, { subjects: ['beach'], hierarchical: [] }).catch(
        (caught: unknown) => caught,
      );
      expect(error).toMatchObject({ code: 'NOT_ALLOWED' });
      expect((error as Error).message).toMatch(/may not write into .*make the folder writable/);
      expect(await readdir(folder)).toEqual(['locked.jpg']);
    } finally {
      if (asRoot) await run('chattr', ['-i', folder]);
      await chmod(folder, 0o755);
      await rm(folder, { recursive: true, force: true });
    }
  });
});

describe('readKeywords', () => {
  it('reads embedded XMP and IPTC keywords, deduplicated, with their origin', async () => {
    const jpeg = await photo();
    await run('exiftool', [
      '-q',
      '-overwrite_original',
      '-IPTC:CodedCharacterSet=UTF8',
      '-IPTC:Keywords=Café',
      '-IPTC:Keywords=shared',
      '-XMP-dc:Subject=shared',
      '-XMP-dc:Subject=Paris',
      '-XMP-lr:HierarchicalSubject=Places|France|Paris',
      jpeg,
    ]);

    const keywords = await readKeywords(jpeg);

    expect(keywords).toEqual([
      { keyword: 'Paris', category: 'Places|France', origin: 'xmp' },
      { keyword: 'shared', origin: 'xmp' },
      { keyword: 'Café', origin: 'iptc' },
    ]);
  });

  it('keeps embedded XMP keywords that look like numbers exactly as written', async () => {
    const jpeg = await photo();
    await run('exiftool', [
      '-q',
      '-overwrite_original',
      '-XMP-dc:Subject=007',
      '-XMP-dc:Subject=1.50',
      jpeg,
    ]);

    expect((await readKeywords(jpeg)).map((k) => k.keyword)).toEqual(['007', '1.50']);
  });

  it("reads a sidecar's keywords, but not the ones Lantern wrote there itself", async () => {
    const jpeg = await photo();
    await run('exiftool', [
      '-q',
      '-XMP-dc:Subject=grandma',
      '-XMP-lr:HierarchicalSubject=People|grandma',
      `${jpeg}.xmp`,
    ]);
    await writeTagSidecar(jpeg, { subjects: ['beach'], hierarchical: ['Scenes|beach'] });

    expect(await readKeywords(jpeg)).toEqual([
      { keyword: 'grandma', category: 'People', origin: 'sidecar' },
    ]);
  });
});

describe('the shared ExifTool', () => {
  it('that cannot start is EXIFTOOL_MISSING with a sentence, and starts again once it can', async () => {
    await endExiftool();
    process.env['LANTERN_EXIFTOOL'] = join(dir, 'no-such-exiftool');
    try {
      const error = await sharedExiftool().catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: 'EXIFTOOL_MISSING' });
      expect((error as Error).message).toMatch(/ExifTool could not start.*install Perl/);
    } finally {
      delete process.env['LANTERN_EXIFTOOL'];
    }
    const jpeg = await photo();
    expect((await writeTagSidecar(jpeg, { subjects: ['beach'], hierarchical: [] })).changed).toBe(
      true,
    );
  });
});
