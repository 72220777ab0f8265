/**
 * @file `tag:` in search queries, the `tags` filter and tag facets, through the real
 * Library on toy-clip-gap (real sharp, onnxruntime-node and LanceDB) and the built CLI:
 * tags alone list the tagged files newest first, tags with words rank inside the tagged
 * files, `-tag:` drops files, an unknown tag is refused with a sentence, a rejected tag
 * never matches or counts, and facets count the results' tags.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Library } from '../../electron/engine/library.js';
import { lantern } from '../fixtures/cli.js';
import { openGapLibrary, removeDir, tempDir } from '../fixtures/library.js';
import { writePhoto, type PhotoSpec } from '../fixtures/photos.js';

/** Two photos of red and blue (different sizes, so different contents and hashes). */
const PHOTOS: Record<string, Omit<PhotoSpec, 'name'>> = {
  'red-1.jpg': { colour: 'red', width: 64, takenAt: '2021:01:10 12:00:00' },
  'red-2.jpg': { colour: 'red', width: 80, takenAt: '2021:02:10 12:00:00' },
  'blue-1.jpg': { colour: 'blue', width: 64, takenAt: '2021:03:10 12:00:00' },
  'blue-2.jpg': { colour: 'blue', width: 80, takenAt: '2021:04:10 12:00:00' },
  'green-1.jpg': { colour: 'green', width: 64, takenAt: '2021:05:10 12:00:00' },
  'yellow-1.jpg': { colour: 'yellow', width: 64, takenAt: '2021:06:10 12:00:00' },
};
const BEACH = ['red-1.jpg', 'blue-1.jpg', 'blue-2.jpg'];

describe('tag: in search', () => {
  let root: string;
  let db: string;
  let library: Library;
  const names = (results: readonly { path: string }[]) =>
    results.map((result) => path.basename(result.path));

  beforeAll(async () => {
    [root, db] = await Promise.all([tempDir(), tempDir()]);
    for (const [name, spec] of Object.entries(PHOTOS)) await writePhoto(root, { ...spec, name });
    library = await openGapLibrary(db);
    expect((await library.index([root])).indexed).toBe(6);
    const hash = new Map(
      (await library.store.listMedia()).map((row) => [path.basename(row.path), row.hash]),
    );
    const of = (...files: string[]) => files.map((file) => hash.get(file)!);
    const tags = library.store.tags;
    // Beach: accepted on two files, suggested on one, rejected on green-1.
    await tags.setState(of('red-1.jpg', 'blue-1.jpg'), 'scenes/beach', 'accepted');
    await tags.suggest([{ hash: hash.get('blue-2.jpg')!, tag: 'scenes/beach', score: 0.33 }]);
    await tags.setState(of('green-1.jpg'), 'scenes/beach', 'rejected');
    await tags.setState(of('blue-1.jpg', 'blue-2.jpg'), 'colours/blue', 'accepted');
    await tags.suggest([{ hash: hash.get('red-1.jpg')!, tag: 'colours/red', score: 0.34 }]);
    await tags.setState(of('red-2.jpg'), 'colours/red', 'accepted');
    // Rejected everywhere it appears: matches nothing, counts nowhere.
    await tags.setState(of('blue-1.jpg', 'green-1.jpg'), 'colours/purple', 'rejected');
  }, 120_000);

  afterAll(async () => {
    await library.close();
    await removeDir(root);
    await removeDir(db);
  });

  it('lists the files a tag alone names, accepted and suggested, newest first', async () => {
    const answer = await library.searchWithHidden('tag:beach');
    expect(names(answer.results)).toEqual(['blue-2.jpg', 'blue-1.jpg', 'red-1.jpg']);
    expect(answer.hidden).toBe(0);
  });

  it('ranks by the words inside the tagged files only', async () => {
    const all = names(await library.search('blue', { noCutoff: true, limit: 100 }));
    expect(all).toHaveLength(6);
    const tagged = names(await library.search('tag:beach blue', { noCutoff: true, limit: 100 }));
    expect(tagged.slice(0, 2).sort()).toEqual(['blue-1.jpg', 'blue-2.jpg']);
    expect(tagged.sort()).toEqual([...BEACH].sort());
    // With the relevance gate on, the blue photos still pass and nothing untagged does.
    const gated = names(await library.search('tag:beach blue'));
    expect(gated).toContain('blue-1.jpg');
    expect(gated.every((name) => BEACH.includes(name))).toBe(true);
  });

  it('drops the files an excluded tag names', async () => {
    const left = names(await library.search('blue -tag:beach', { noCutoff: true, limit: 100 }));
    expect(left.sort()).toEqual(['green-1.jpg', 'red-2.jpg', 'yellow-1.jpg']);
    // Tags resolve by name, synonym, id or Category|Name; several tags must all hold.
    for (const words of ['tag:seaside', 'tag:scenes/beach', 'tag:"Scenes|Beach"'])
      expect(names(await library.search(`${words} tag:red`))).toEqual(['red-1.jpg']);
  });

  it('never matches a rejected tag', async () => {
    expect(await library.search('tag:purple')).toEqual([]);
    const green = names(await library.search('tag:beach green', { noCutoff: true, limit: 100 }));
    expect(green).not.toContain('green-1.jpg');
  });

  it('takes tags as a filter field too', async () => {
    const filtered = await library.search('blue', { tags: ['Beach'], noCutoff: true, limit: 100 });
    expect(names(filtered).sort()).toEqual([...BEACH].sort());
    expect(names(await library.search('tag:red', { tags: ['beach'] }))).toEqual(['red-1.jpg']);
  });

  it('refuses an unknown tag with a sentence naming it and how to list tags', async () => {
    const refusal = library.search('tag:beachh sunset');
    await expect(refusal).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(refusal).rejects.toThrow(/"beachh".*lantern tags list/s);
    await expect(library.search('sunset', { tags: ['no-such-tag'] })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
  });

  it('counts the tags the results carry as facets, rejected ones left out', async () => {
    expect((await library.searchWithHidden('tag:beach')).facets).toEqual([
      { tag: 'scenes/beach', name: 'Beach', count: 3 },
      { tag: 'colours/blue', name: 'Blue', count: 2 },
      { tag: 'colours/red', name: 'Red', count: 1 },
    ]);
    const everything = await library.searchWithHidden('red', { noCutoff: true, limit: 100 });
    expect(everything.facets).toEqual([
      { tag: 'scenes/beach', name: 'Beach', count: 3 },
      { tag: 'colours/blue', name: 'Blue', count: 2 },
      { tag: 'colours/red', name: 'Red', count: 2 },
    ]);
  });

  it('works from the command line, facets in --json', async () => {
    const global = ['--db', db, '--models', inject('toyModelsDir'), '--model', 'toy-clip-gap'];
    const result = await lantern(['search', 'tag:beach blue', '--json', '--all', ...global]);
    expect(result.code, result.stderr).toBe(0);
    const answer = JSON.parse(result.stdout) as {
      results: { path: string }[];
      facets: { tag: string; count: number }[];
    };
    expect(names(answer.results).sort()).toEqual([...BEACH].sort());
    expect(answer.facets[0]).toEqual({ tag: 'scenes/beach', name: 'Beach', count: 3 });
    const unknown = await lantern(['search', 'tag:beachh', ...global]);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/beachh.*lantern tags list/s);
  });
});
