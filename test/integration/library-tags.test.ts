/**
 * @file Tags as people name them (electron/engine/tags/library-tags.ts) over a real store
 * and the bundled vocabulary: a tag found by id, name, synonym or Category|Name; accept
 * and reject by path; a file's tags with names, accepted first; counts per state; clear
 * errors for an unknown tag, an ambiguous name and a file outside the library.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  countTags,
  decideTag,
  resolveTag,
  tagsOfFiles,
} from '../../electron/engine/tags/library-tags.js';
import { loadVocabulary, type Vocabulary } from '../../electron/engine/tags/vocabulary.js';
import { LibraryStore } from '../../native/store/index.js';
import { hashOf, mediaRow } from '../fixtures/store-rows.js';

let dir = '';
let store: LibraryStore;
let vocabulary: Vocabulary;
const BEACH = '/lib/beach.jpg';
const COPY = '/lib/copy of beach.jpg';
const DOG = '/lib/dog.jpg';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lantern-library-tags-'));
  vocabulary = await loadVocabulary();
  store = await LibraryStore.open(dir, { dim: 4, model: 'toy-clip' });
  // Two paths with the same bytes share their tags; the dog photo is another file.
  await store.upsertMedia([
    mediaRow(BEACH, { hash: hashOf(1) }),
    mediaRow(COPY, { hash: hashOf(1) }),
    mediaRow(DOG, { hash: hashOf(2) }),
  ]);
});
afterAll(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

describe('resolveTag', () => {
  it('finds a tag by id, name, synonym or Category|Name, whatever the case', () => {
    const red = resolveTag(vocabulary, 'colours/red');
    expect(red.name).toBe('Red');
    expect(resolveTag(vocabulary, 'RED').id).toBe('colours/red');
    expect(resolveTag(vocabulary, 'Colours|Red').id).toBe('colours/red');
    const dog = vocabulary.tags.find((tag) => tag.id === 'animals/dog');
    expect(dog?.synonyms.length).toBeGreaterThan(0);
    expect(resolveTag(vocabulary, dog!.synonyms[0]!).id).toBe('animals/dog');
  });

  it('names the vocabulary command for a tag nobody defined', () => {
    expect(() => resolveTag(vocabulary, 'flux capacitor')).toThrow(
      /No tag is called "flux capacitor".*npx lantern tags list/,
    );
  });

  it('asks for the id when a name belongs to two categories', () => {
    const twice: Vocabulary = {
      ...vocabulary,
      tags: [
        ...vocabulary.tags,
        {
          ...vocabulary.tags.find((tag) => tag.id === 'colours/orange')!,
          id: 'food-drink/orange',
          category: 'Food & drink',
        },
      ],
    };
    expect(() => resolveTag(twice, 'orange')).toThrow(/colours\/orange, food-drink\/orange/);
  });
});

describe('accepting and rejecting by path', () => {
  it('accepts a tag on a file, which its identical copy shares, and lists it by name', async () => {
    const [beach] = await decideTag(store, vocabulary, [BEACH], 'blue', 'accepted');
    expect(beach?.tags).toEqual([
      expect.objectContaining({
        tag: 'colours/blue',
        name: 'Blue',
        state: 'accepted',
        source: 'user',
      }),
    ]);
    const [copy, dog] = await tagsOfFiles(
      store,
      vocabulary,
      await store
        .listMedia({ where: `path IN ('${COPY}', '${DOG}')` })
        .then((rows) => rows.sort((a, b) => a.path.localeCompare(b.path))),
    );
    expect(copy?.tags.map((tag) => tag.tag)).toEqual(['colours/blue']);
    expect(dog?.tags).toEqual([]);
  });

  it('puts accepted tags first, then suggestions by score, and keeps a rejection', async () => {
    await store.tags.suggest([
      { hash: hashOf(2), tag: 'colours/brown', score: 0.31 },
      { hash: hashOf(2), tag: 'colours/black', score: 0.33 },
      { hash: hashOf(2), tag: 'colours/white', score: 0.3 },
    ]);
    await decideTag(store, vocabulary, [DOG], 'white', 'accepted');
    const [dog] = await decideTag(store, vocabulary, [DOG], 'brown', 'rejected');
    expect(dog?.tags.map((tag) => [tag.tag, tag.state])).toEqual([
      ['colours/white', 'accepted'],
      ['colours/black', 'suggested'],
      ['colours/brown', 'rejected'],
    ]);
    const counts = await countTags(store, vocabulary);
    expect(counts.find((tag) => tag.id === 'colours/brown')).toMatchObject({
      rejected: 1,
      accepted: 0,
      suggested: 0,
    });
    expect(counts.find((tag) => tag.id === 'colours/blue')).toMatchObject({ accepted: 1 });
    expect(counts).toHaveLength(vocabulary.tags.length);
  });

  it('decides a keyword tag the library holds by the word it came from', async () => {
    await store.tags.setStates([
      { hash: hashOf(2), tag: 'keywords/grandma-s-garden', state: 'accepted', source: 'keyword' },
    ]);
    const [dog] = await decideTag(store, vocabulary, [DOG], "Grandma's garden", 'rejected');
    expect(dog?.tags.find((tag) => tag.tag === 'keywords/grandma-s-garden')?.state).toBe(
      'rejected',
    );
    await expect(
      decideTag(store, vocabulary, [DOG], 'keywords/never-seen', 'accepted'),
    ).rejects.toThrow(/No tag is called/);
  });

  it('names a file that is not in the library', async () => {
    await expect(
      decideTag(store, vocabulary, ['/elsewhere/cat.jpg'], 'red', 'accepted'),
    ).rejects.toThrow(/\/elsewhere\/cat\.jpg is not in the library; index its folder first/);
  });
});
