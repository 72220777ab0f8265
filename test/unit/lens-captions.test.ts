/**
 * @file The lenses' arithmetic and captions (engine/lenses ranking.ts, captions.ts), on
 * hand-made vectors and tags: the softmax at CLIP's logit scale, the ranking order,
 * CLIPScore's clamp, the label prompts and answer statements, and how captions are
 * composed from the best tag of each category.
 */
import { describe, expect, it } from 'vitest';
import {
  captionText,
  composeCaptions,
  withArticle,
} from '../../electron/engine/lenses/captions.js';
import {
  answerStatements,
  CLIP_LOGIT_SCALE,
  clipScore,
  labelPrompts,
  rankCandidates,
  softmax,
} from '../../electron/engine/lenses/ranking.js';
import type { TagDef } from '../../electron/engine/tags/vocabulary.js';

function tag(id: string, name: string, hidden = false): TagDef {
  return {
    id,
    name,
    category: id.split('/')[0] ?? '',
    synonyms: [],
    templates: [],
    exclusive: false,
    hidden,
  };
}

describe('lens ranking', () => {
  it('is a softmax at scale 100: a cosine 0.05 higher is e^5 times as likely', () => {
    expect(CLIP_LOGIT_SCALE).toBe(100);
    const [a, b] = softmax([0.3, 0.25]);
    expect(a! + b!).toBeCloseTo(1, 12);
    expect(a! / b!).toBeCloseTo(Math.exp(5), 6);
    // Stable where a naive exp(100·cos) would overflow.
    expect(softmax([9, 8]).every(Number.isFinite)).toBe(true);
  });

  it('ranks candidates by cosine with the photo, best first, keeping each probability', () => {
    const image = Float32Array.of(1, 0);
    const vectors = [Float32Array.of(0, 1), Float32Array.of(0.8, 0.6), Float32Array.of(0.6, 0.8)];
    const ranked = rankCandidates(image, ['far', 'near', 'middle'], vectors);
    expect(ranked.map((c) => c.text)).toEqual(['near', 'middle', 'far']);
    expect(ranked[0]!.cosine).toBeCloseTo(0.8, 6);
    expect(ranked.reduce((sum, c) => sum + c.probability, 0)).toBeCloseTo(1, 6);
  });

  it('scores CLIPScore as 2.5·max(cos, 0)', () => {
    expect(clipScore(0.3)).toBeCloseTo(0.75, 12);
    expect(clipScore(-0.2)).toBe(0);
  });

  it('ensembles a bare label over CLIP’s photo templates; a sentence stays as it is', () => {
    expect(labelPrompts('Red  Car')).toContain('a photo of a red car.');
    expect(labelPrompts('Red car').length).toBeGreaterThan(3);
    expect(labelPrompts('a photo of my cat')).toEqual(['a photo of my cat']);
  });

  it('reads each answer as one statement after the question', () => {
    expect(answerStatements(' what colour is it? ', ['red', ' dark  blue'])).toEqual([
      'what colour is it? red',
      'what colour is it? dark blue',
    ]);
  });
});

describe('composed captions', () => {
  const scored = [
    { tag: tag('scenes/beach', 'Beach'), cosine: 0.3 },
    { tag: tag('scenes/forest', 'Forest'), cosine: 0.2 },
    { tag: tag('events/wedding', 'Wedding'), cosine: 0.25 },
    { tag: tag('animals/dog', 'Dog'), cosine: 0.28 },
    { tag: tag('animals/owl', 'Owl'), cosine: 0.27 },
    { tag: tag('objects/umbrella', 'Umbrella'), cosine: 0.26 },
    { tag: tag('time-of-day/sunset', 'Sunset'), cosine: 0.24 },
    { tag: tag('colours/red', 'Red'), cosine: 0.22 },
    { tag: tag('colours/blue', 'Blue', true), cosine: 0.9 },
  ];

  it('combines the best tag of each category into "a [colour] photo of <place> with <thing>, <moment>"', () => {
    const captions = composeCaptions(scored);
    const texts = captions.map((c) => c.text);
    expect(texts).toContain('a red photo of a beach with a dog, sunset');
    expect(texts).toContain('a photo of a wedding with an umbrella');
    expect(texts).toContain('a photo of a dog');
    expect(
      captions.find((c) => c.text === 'a red photo of a beach with a dog, sunset')?.tags,
    ).toEqual(['colours/red', 'scenes/beach', 'animals/dog', 'time-of-day/sunset']);
  });

  it('takes only the best tag of a category, skips hidden tags, and needs a place or a thing', () => {
    const texts = composeCaptions(scored).map((c) => c.text);
    expect(texts.some((t) => t.includes('forest'))).toBe(false); // beach is the best scene
    expect(texts.some((t) => t.includes('owl'))).toBe(false); // dog is the best animal
    expect(texts.some((t) => t.includes('blue'))).toBe(false); // hidden
    expect(texts.every((t) => /beach|wedding|dog|umbrella/.test(t))).toBe(true);
    expect(new Set(texts).size).toBe(texts.length);
    // 3 things-or-none × 3 places-or-none × 2 × 2, less the 4 with neither place nor thing.
    expect(texts).toHaveLength(32);
  });

  it('writes articles as a person would', () => {
    expect(withArticle('owl')).toBe('an owl');
    expect(withArticle('city street')).toBe('a city street');
    expect(withArticle('fireworks')).toBe('fireworks');
    expect(withArticle('glass')).toBe('a glass');
    expect(withArticle('bus')).toBe('a bus');
    expect(
      captionText({
        thing: tag('sports/diving', 'Diving'),
        place: tag('scenes/wetland', 'Wetland'),
        moment: tag('weather/hail', 'Hail'),
        colour: null,
      }),
    ).toBe('a photo of a wetland with diving, hail');
    expect(
      captionText({
        thing: tag('people-activities/hiking', 'Hiking'),
        place: null,
        moment: null,
        colour: tag('colours/green', 'Green'),
      }),
    ).toBe('a green photo of hiking');
    expect(
      captionText({ thing: null, place: tag('scenes/lake', 'Lake'), moment: null, colour: null }),
    ).toBe('a photo of a lake');
  });
});
