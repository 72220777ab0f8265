/**
 * @file Counting in search as pure functions: which queries ask for a count and of what
 * (parseCount, countOfTerms), and how checked counts re-rank an answer (rankByCount).
 */
import { describe, expect, it } from 'vitest';
import {
  countOfTerms,
  parseCount,
  rankByCount,
  type DetectCount,
} from '../../electron/engine/search/counting.js';
import { parseQuery } from '../../electron/engine/search/query.js';
import type { SearchResult } from '../../electron/shared/types.js';

describe('parseCount', () => {
  it.each([
    ['two orange squares', 2, 'orange squares'],
    ['two dogs running in the park', 2, 'dogs'],
    ['3 red cars on a bridge', 3, 'red cars'],
    ['Twelve Eggs', 12, 'eggs'],
    ['20 balloons', 20, 'balloons'],
    ['one orange square', 1, 'orange square'],
    ['one building', 1, 'building'],
    ['a park with five ducks and a swan', 5, 'ducks'],
    ['four, small boats', 4, 'small boats'],
    ['seven big old brown wooden chairs', 7, 'big old brown wooden'],
    ['two t-shirts', 2, 't-shirts'],
  ])('"%s" counts %i × "%s"', (phrase, count, noun) => {
    expect(parseCount(phrase)).toEqual({ count, noun });
  });

  it.each([
    'a dog on a beach',
    'an orange square',
    'several dogs',
    'a few dogs',
    'a pair of shoes',
    'a couple of birds',
    'one of the dogs',
    'two',
    'photos from 2019',
    '21 candles',
    '0 dogs',
    'beach at sunset',
    'twenty one pilots',
    'two hundred people',
    '1 2 3',
  ])('"%s" asks for no count', (phrase) => {
    expect(parseCount(phrase)).toBeNull();
  });

  it('reads the first positive text term that holds a count', () => {
    expect(countOfTerms(parseQuery('sunset +two dogs -three cats'))).toEqual({
      count: 2,
      noun: 'dogs',
    });
    expect(countOfTerms(parseQuery('beach -two dogs'))).toBeNull();
    expect(countOfTerms(parseQuery('2:dog'))).toBeNull();
  });
});

const photo = (path: string, kind: SearchResult['kind'] = 'image'): { result: SearchResult } => ({
  result: { path, kind, score: 0.3, takenAt: null, width: 10, height: 10, thumbnail: null },
});

/** A detector that answers from a table and records what it was asked. */
function fakeDetector(found: Record<string, number>): { detect: DetectCount; asked: string[] } {
  const asked: string[] = [];
  const detect: DetectCount = (file, noun) => {
    asked.push(`${file}:${noun}`);
    const count = found[file];
    return count === undefined ? Promise.reject(new Error('unreadable')) : Promise.resolve(count);
  };
  return { detect, asked };
}

describe('rankByCount', () => {
  const query = { count: 2, noun: 'dogs' };

  it('puts the exact count first, each group in its original order', async () => {
    const hits = ['a', 'b', 'c', 'd', 'e'].map((p) => photo(p));
    const { detect } = fakeDetector({ a: 1, b: 2, c: 0, d: 2, e: 3 });
    const ranked = await rankByCount(hits, query, detect);
    expect(ranked.map((h) => h.result.path)).toEqual(['b', 'd', 'a', 'c', 'e']);
    expect(ranked[0]?.result.counted).toEqual({ noun: 'dogs', found: 2, wanted: 2 });
    expect(ranked[2]?.result.counted).toEqual({ noun: 'dogs', found: 1, wanted: 2 });
    expect(hits[1]?.result.counted).toBeUndefined(); // the input is untouched
  });

  it('checks only the first photos, skips videos and keeps unreadable photos in place', async () => {
    const hits = [photo('v', 'video'), photo('a'), photo('gone'), photo('b'), photo('c')];
    const { detect, asked } = fakeDetector({ a: 0, b: 0, c: 2 });
    const ranked = await rankByCount(hits, query, detect, 3);
    expect(asked).toEqual(['a:dogs', 'gone:dogs', 'b:dogs']);
    // c has two dogs but lies past the checked photos: nothing moves.
    expect(ranked.map((h) => h.result.path)).toEqual(['v', 'a', 'gone', 'b', 'c']);
    expect(ranked.map((h) => h.result.counted?.found)).toEqual([
      undefined,
      0,
      undefined,
      0,
      undefined,
    ]);
  });
});
