/**
 * @file `tag:` in the query algebra (search/query.ts): tags are lifted out of the query as
 * filters, the rest of the algebra reads as before.
 */
import { describe, expect, it } from 'vitest';
import { parseQuery, parseSearch } from '../../electron/engine/search/query.js';

describe('parseSearch: tag filters', () => {
  it('lifts tag: out of a sentence, which stays one phrase', () => {
    expect(parseSearch('sunset tag:beach over the sea')).toEqual({
      terms: [{ kind: 'text', value: 'sunset over the sea', weight: 1 }],
      tags: [{ words: 'beach', exclude: false }],
    });
  });

  it('reads quoted, id, Category|Name and excluded tags, in any case', () => {
    expect(
      parseSearch('tag:"city street" TAG:colours/red -tag:snow +tag:Colours|Blue -tag:"deep snow"'),
    ).toEqual({
      terms: [],
      tags: [
        { words: 'city street', exclude: false },
        { words: 'colours/red', exclude: false },
        { words: 'snow', exclude: true },
        { words: 'Colours|Blue', exclude: false },
        { words: 'deep snow', exclude: true },
      ],
    });
  });

  it('keeps the algebra around tags: weights, negatives, images', () => {
    const isJpeg = (candidate: string) => candidate.endsWith('.jpg');
    expect(parseSearch('2:dog +beach -night tag:animals/dog /p/a.jpg', isJpeg)).toEqual({
      terms: [
        { kind: 'text', value: 'dog', weight: 2 },
        { kind: 'text', value: 'beach', weight: 1 },
        { kind: 'text', value: 'night', weight: -1 },
        { kind: 'image', value: '/p/a.jpg', weight: 1 },
      ],
      tags: [{ words: 'animals/dog', exclude: false }],
    });
  });

  it('reads "tag:beach" wholly in quotes as words to search for', () => {
    expect(parseSearch('"tag:beach"')).toEqual({
      terms: [{ kind: 'text', value: 'tag:beach', weight: 1 }],
      tags: [],
    });
  });

  it('accepts a query of tags alone', () => {
    expect(parseSearch('tag:beach tag:sunset')).toMatchObject({ terms: [] });
  });

  it('refuses what has nothing to look for, an empty tag and a weighted tag', () => {
    expect(() => parseSearch('-tag:snow')).toThrow(/only excludes/);
    expect(() => parseSearch('-tag:snow -night')).toThrow(/only excludes/);
    // Tagged beach, but nothing to rank by except what to avoid: say what to add.
    expect(() => parseSearch('tag:beach -night')).toThrow(/add a word to look for/);
    expect(() => parseSearch('sunset tag:')).toThrow(/needs a tag after it/);
    expect(() => parseSearch('tag:""')).toThrow(/needs a tag after it/);
    expect(() => parseSearch('2:tag:beach')).toThrow(/A tag has no weight/);
  });
});

describe('parseQuery', () => {
  it('refuses tag: where there are no files to filter (scene search)', () => {
    expect(() => parseQuery('tag:beach sunset')).toThrow(/filters search results/);
  });

  it('parses a query without tags as before', () => {
    expect(parseQuery('dog +beach -night')).toEqual([
      { kind: 'text', value: 'dog', weight: 1 },
      { kind: 'text', value: 'beach', weight: 1 },
      { kind: 'text', value: 'night', weight: -1 },
    ]);
  });
});
