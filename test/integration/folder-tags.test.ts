/**
 * @file `lantern tag`'s answer made a chunk of files at a time ([Note: a folder's tags as
 * they are printed] in engine/tags/folder-tags.ts), checked against tagsOfFiles over the
 * folder's whole records, which builds every file's tags as objects at once. Real LanceDB
 * in a temporary folder.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LibraryStore } from '../../native/store/index.js';
import type { TagSuggestion } from '../../native/store/tags.js';
import { eachFolderFileTags } from '../../electron/engine/tags/folder-tags.js';
import { tagsOfFiles } from '../../electron/engine/tags/library-tags.js';
import type { TagDef, Vocabulary } from '../../electron/engine/tags/vocabulary.js';
import type { FileTags, TagState } from '../../electron/shared/types.js';
import { hashOf, mediaRow } from '../fixtures/store-rows.js';

let base = '';
let store: LibraryStore;

const tag = (id: string, hidden = false): TagDef => ({
  id,
  name: id.split('/')[1]!.toUpperCase(),
  category: 'Things',
  synonyms: [],
  templates: ['a photo of {}'],
  exclusive: false,
  hidden,
});
const vocabulary: Vocabulary = {
  version: 1,
  tags: [tag('things/red'), tag('things/sky'), tag('things/dog'), tag('things/old', true)],
};

/** 9 000 photos under /lib/a (more than one streamed batch), 300 under /lib/b. */
const A = 9000;
const B = 300;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'lantern-folder-tags-'));
  store = await LibraryStore.open(join(base, 'library'), { dim: 4, model: 'toy-clip' });
  const rows = [
    ...Array.from({ length: A }, (_, i) =>
      // Photos 10 and 11 are copies of one content: both carry its tags.
      mediaRow(`/lib/a/${i}.jpg`, { root: '/lib', hash: hashOf(i === 11 ? 10 : i) }),
    ),
    ...Array.from({ length: B }, (_, i) =>
      mediaRow(`/lib/b/${i}.jpg`, { root: '/lib', hash: hashOf(A + i) }),
    ),
  ];
  // Written in three parts, so the table has several fragments.
  await store.upsertMedia(rows.slice(0, 4000));
  await store.upsertMedia(rows.slice(4000, 9100));
  await store.upsertMedia(rows.slice(9100));
  // The first 700 contents of /lib/a and every one of /lib/b have tags (more than one
  // statement's worth of hashes, 500, so they are read in one pass); scores tie across
  // tags, some tags are hidden, one is a keyword outside the vocabulary, one a video's.
  const suggestions: TagSuggestion[] = [];
  for (const i of [
    ...Array.from({ length: 700 }, (_, i) => i),
    ...Array.from({ length: B }, (_, i) => A + i),
  ]) {
    const hash = hashOf(i);
    suggestions.push({ hash, tag: 'things/red', score: 0.2 + (i % 7) / 100, model: 'toy-clip' });
    if (i % 2 === 0) suggestions.push({ hash, tag: 'things/sky', score: 0.2 + (i % 5) / 100 });
    if (i % 3 === 0) suggestions.push({ hash, tag: 'things/old', score: 0.5 });
  }
  suggestions.push({ hash: hashOf(5), tag: 'things/dog', score: 0.3, ranges: [[1.5, 4]] });
  await store.tags.suggest(suggestions.slice(0, 600));
  await store.tags.suggest(suggestions.slice(600));
  await store.tags.setState([hashOf(4), hashOf(10)], 'things/dog', 'accepted');
  await store.tags.setState([hashOf(6), hashOf(8)], 'things/red', 'rejected');
  // A photo's own keyword: accepted, no score.
  await store.tags.setState([hashOf(0), hashOf(A)], 'keywords/holiday', 'accepted', 'keyword');
});

afterAll(async () => {
  await store?.close();
  await rm(base, { recursive: true, force: true });
});

/** What tagsOfFiles answers for the folder's whole records. */
async function expected(folder: string, states?: TagState[]): Promise<FileTags[]> {
  const media = await store.listMedia({ keep: (row) => row.path.startsWith(`${folder}/`) });
  return tagsOfFiles(store, vocabulary, media, states ? { states } : {});
}

async function chunked(folder: string, states?: TagState[], filesPerChunk?: number) {
  const chunks: FileTags[][] = [];
  const count = await eachFolderFileTags(
    store,
    vocabulary,
    (path) => path.startsWith(`${folder}/`),
    (files) => {
      chunks.push(files);
    },
    { ...(states ? { states } : {}), ...(filesPerChunk ? { filesPerChunk } : {}) },
  );
  return { count, chunks };
}

describe("a folder's tags, a chunk of files at a time", () => {
  it('hands on every file of a large folder with the tags tagsOfFiles gives it, in order', async () => {
    const states: TagState[] = ['accepted', 'suggested'];
    const { count, chunks } = await chunked('/lib/a', states);
    expect(count).toBe(A);
    expect(chunks.map((files) => files.length)).toEqual(Array.from({ length: 9 }, () => 1000));
    const want = await expected('/lib/a', states);
    expect(chunks.flat()).toEqual(want);
    // The case is not empty: tagged files, a copy sharing its content's tags, an accepted
    // tag first, a video's ranges, a tag outside the vocabulary; no hidden or rejected tag.
    const byPath = new Map(want.map((file) => [file.path, file.tags]));
    expect(byPath.get('/lib/a/10.jpg')!.map((t) => t.tag)).toEqual([
      'things/dog',
      'things/red',
      'things/sky',
    ]);
    expect(byPath.get('/lib/a/11.jpg')).toEqual(byPath.get('/lib/a/10.jpg'));
    expect(byPath.get('/lib/a/5.jpg')).toContainEqual(
      expect.objectContaining({ tag: 'things/dog', ranges: [[1.5, 4]] }),
    );
    expect(byPath.get('/lib/a/0.jpg')).toContainEqual(
      expect.objectContaining({ tag: 'keywords/holiday', score: null, source: 'keyword' }),
    );
    expect(byPath.get('/lib/a/6.jpg')!.map((t) => t.tag)).not.toContain('things/red');
    expect(want.flatMap((file) => file.tags).some((t) => t.tag === 'things/old')).toBe(false);
    expect(byPath.get('/lib/a/8000.jpg')).toEqual([]);
  });

  it('keeps every state when asked for none, in chunks of the size asked for', async () => {
    const { count, chunks } = await chunked('/lib/a', undefined, 4000);
    expect(count).toBe(A);
    expect(chunks.map((files) => files.length)).toEqual([4000, 4000, 1000]);
    const all = chunks.flat();
    expect(all).toEqual(await expected('/lib/a'));
    expect(all.find((file) => file.path === '/lib/a/6.jpg')!.tags.at(-1)).toMatchObject({
      tag: 'things/red',
      state: 'rejected',
    });
  });

  it('reads a small folder the same way, and hands on nothing for a folder with no files', async () => {
    const small = await chunked('/lib/b', ['accepted', 'suggested']);
    expect(small.count).toBe(B);
    expect(small.chunks.flat()).toEqual(await expected('/lib/b', ['accepted', 'suggested']));
    expect(small.chunks.flat().filter((file) => file.tags.length > 0)).toHaveLength(B);
    expect(await chunked('/lib/none')).toEqual({ count: 0, chunks: [] });
  });
});
