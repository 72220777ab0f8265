/**
 * @file tagFacets (engine/tags/facets.ts) over a store that answers tag rows: counts and
 * names, and [Note: facets read names only for tags]: results that carry no tag load
 * neither the vocabulary nor the learned names.
 */
import { describe, expect, it, vi } from 'vitest';
import type { LibraryStore } from '../../native/store/index.js';
import type { TagRow, TagState } from '../../native/store/tag-rows.js';
import { tagFacets } from '../../electron/engine/tags/facets.js';
import type { TagDef, Vocabulary } from '../../electron/engine/tags/vocabulary.js';

function storeWith(rows: Array<[hash: string, tag: string, state: TagState]>): LibraryStore {
  const tagRows: TagRow[] = rows.map(([hash, tag, state]) => ({
    key: `${hash}|${tag}`,
    hash,
    tag,
    state,
    source: 'user',
    score: null,
    model: null,
    ranges: null,
    updatedAt: 0,
  }));
  const forFiles = (hashes: readonly string[]) =>
    Promise.resolve(tagRows.filter((row) => hashes.includes(row.hash)));
  return { tags: { forFiles } } as unknown as LibraryStore;
}

function tag(id: string, name: string, hidden = false): TagDef {
  return {
    id,
    name,
    category: id.split('/')[0]!,
    synonyms: [],
    templates: [],
    exclusive: false,
    hidden,
  };
}

const VOCABULARY: Vocabulary = {
  version: 1,
  tags: [tag('scenes/beach', 'Beach'), tag('scenes/snow', 'Snow', true)],
};

describe('tag facets', () => {
  it('results without tags load neither the vocabulary nor the learned names', async () => {
    const vocabulary = vi.fn(() => Promise.resolve(VOCABULARY));
    const learned = vi.fn(() => Promise.resolve(new Map<string, string>()));
    const store = storeWith([['other', 'scenes/beach', 'accepted']]);
    expect(await tagFacets(store, { vocabulary, learned }, ['a', 'b'])).toEqual([]);
    // A rejected tag is no tag the results carry.
    const rejected = storeWith([['a', 'scenes/beach', 'rejected']]);
    expect(await tagFacets(rejected, { vocabulary, learned }, ['a'])).toEqual([]);
    expect(vocabulary).not.toHaveBeenCalled();
    expect(learned).not.toHaveBeenCalled();
  });

  it('counts tagged results, names them from the vocabulary, the learned names or the id', async () => {
    const vocabulary = vi.fn(() => Promise.resolve(VOCABULARY));
    const learned = vi.fn(() => Promise.resolve(new Map([['learned/my-dog', 'Rex']])));
    const store = storeWith([
      ['a', 'scenes/beach', 'accepted'],
      ['b', 'scenes/beach', 'suggested'],
      ['b', 'learned/my-dog', 'accepted'],
      ['c', 'keywords/harbour-walk', 'accepted'],
      ['c', 'scenes/snow', 'accepted'], // hidden
    ]);
    expect(await tagFacets(store, { vocabulary, learned }, ['a', 'b', 'c'])).toEqual([
      { tag: 'scenes/beach', name: 'Beach', count: 2 },
      { tag: 'keywords/harbour-walk', name: 'harbour walk', count: 1 },
      { tag: 'learned/my-dog', name: 'Rex', count: 1 },
    ]);
    expect(vocabulary).toHaveBeenCalledTimes(1);
    expect(learned).toHaveBeenCalledTimes(1);
  });
});
