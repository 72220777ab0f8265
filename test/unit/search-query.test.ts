/**
 * @file The query algebra and the adaptive relevance cut-off, as pure functions.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_MATCH_FLOOR, relevanceCutoff } from '../../electron/engine/search/cutoff.js';
import { parseQuery } from '../../electron/engine/search/query.js';

const isJpeg = (candidate: string) => candidate.endsWith('.jpg');

describe('parseQuery', () => {
  it('keeps a sentence whole', () => {
    expect(parseQuery('two dogs running in the park')).toEqual([
      { kind: 'text', value: 'two dogs running in the park', weight: 1 },
    ]);
  });

  it('splits on + and - at the start of a word only', () => {
    expect(parseQuery('dog on a beach -night +red t-shirt')).toEqual([
      { kind: 'text', value: 'dog on a beach', weight: 1 },
      { kind: 'text', value: 'night', weight: -1 },
      { kind: 'text', value: 'red t-shirt', weight: 1 },
    ]);
  });

  it('reads weights, also on negative and quoted terms', () => {
    expect(parseQuery('2:dog +0.5:beach -1.5:"night sky"')).toEqual([
      { kind: 'text', value: 'dog', weight: 2 },
      { kind: 'text', value: 'beach', weight: 0.5 },
      { kind: 'text', value: 'night sky', weight: -1.5 },
    ]);
  });

  it('turns image paths into image terms, quoted when they hold spaces', () => {
    expect(parseQuery('"/my photos/ref.jpg" +snow', isJpeg)).toEqual([
      { kind: 'image', value: '/my photos/ref.jpg', weight: 1 },
      { kind: 'text', value: 'snow', weight: 1 },
    ]);
    expect(parseQuery('/p/a.jpg -/p/b.jpg', isJpeg)).toEqual([
      { kind: 'image', value: '/p/a.jpg', weight: 1 },
      { kind: 'image', value: '/p/b.jpg', weight: -1 },
    ]);
  });

  it('refuses empty and purely negative queries with a sentence', () => {
    expect(() => parseQuery('   ')).toThrow(/empty/);
    expect(() => parseQuery('-night -rain')).toThrow(/only excludes/);
  });
});

describe('relevanceCutoff', () => {
  // A large library: unrelated photos score around 0.19 with a spread of about 0.02.
  const background = Array.from({ length: 1000 }, (_, i) => 0.19 + 0.02 * Math.sin(i * 12.9898));

  it('keeps what stands four spreads above the typical photo in a large library', () => {
    const { threshold, median } = relevanceCutoff({ background, matchFloor: 0.5 });
    expect(median).toBeCloseTo(0.19, 2);
    expect(threshold).toBeGreaterThan(0.23);
    expect(threshold).toBeLessThan(0.28);
  });

  it('adapts to the query: the same gap above a higher background moves the cut', () => {
    const shifted = background.map((s) => s + 0.08);
    expect(
      relevanceCutoff({ background: shifted, matchFloor: 0.9 }).threshold -
        relevanceCutoff({ background, matchFloor: 0.9 }).threshold,
    ).toBeCloseTo(0.08, 5);
  });

  it("keeps whatever clears the model's match floor, even when the library is all matches", () => {
    // A one-subject library: every photo is a match, so nothing stands out of it.
    const subject = background.map((s) => s + 0.15);
    expect(relevanceCutoff({ background: subject, matchFloor: 0.3 }).threshold).toBe(0.3);
    expect(relevanceCutoff({ background: subject }).threshold).toBe(DEFAULT_MATCH_FLOOR);
  });

  it('does not follow the best hit down: a nonsense query gets no free half', () => {
    // The old rule never cut above half-way to the best hit, which let the top of a
    // nonsense query's tail through; the threshold now ignores the best hit.
    const { threshold } = relevanceCutoff({ background, matchFloor: 0.5 });
    expect(threshold).toBeGreaterThan(0.19 + 3 * 0.014);
  });

  it('does not let near-identical photos make every score stand out', () => {
    const { spread } = relevanceCutoff({ background: Array.from({ length: 100 }, () => 0.2) });
    expect(spread).toBe(0.01);
  });
});
