/**
 * @file Deciding tags as pure functions: the exclusive-category margin, no forced top-1,
 * the per-tag offset, the live slider's edge lists, the tag-embedding cache (a model
 * change or an edited tag recomputes, nothing else does, and it survives a restart),
 * and a learned tag refusing fewer than 3 examples; the prepared decider a tag run uses
 * agrees with the rule written out plainly, ties, untrained tags and odd row counts included.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  calibrateTag,
  decideTags,
  suggestionsFor,
  tagDecider,
  withOffset,
  type DecidableTag,
  type TagCalibration,
} from '../../electron/engine/tags/decide.js';
import { learnTag } from '../../electron/engine/tags/learn.js';
import { TagEmbeddingCache, tagEmbedding } from '../../electron/engine/tags/tag-embeddings.js';
import { normalize } from '../../electron/engine/util/vectors.js';

/** A unit vector in 4 dimensions. */
const v = (...xs: number[]) => normalize(Float32Array.from(xs));
const calibration = (threshold: number, median = 0): TagCalibration => ({
  threshold,
  median,
  spread: 0.01,
  offset: 0,
});

/** Two exclusive colour tags along axes 0 and 1, and one free tag along axis 2. */
const tags: DecidableTag[] = [
  { id: 'red', category: 'colour', exclusive: true, vector: v(1, 0, 0, 0) },
  { id: 'orange', category: 'colour', exclusive: true, vector: v(0, 1, 0, 0) },
  { id: 'outdoor', category: 'place', exclusive: false, vector: v(0, 0, 1, 0) },
];
const calibrations = new Map(tags.map((t) => [t.id, calibration(0.3)]));

describe('decideTags', () => {
  it('gives an exclusive category only its best tag, and only with the margin', () => {
    // Scores: red 0.6, orange 0.55 (both pass 0.3).
    const photo = v(0.6, 0.55, 0, Math.sqrt(1 - 0.6 ** 2 - 0.55 ** 2));
    expect(decideTags(photo, tags, calibrations).map((s) => s.id)).toEqual(['red']);
    const lead = decideTags(photo, tags, calibrations)[0]?.lead ?? 0;
    expect(lead).toBeCloseTo(0.05, 5);
    // A lead of 0.05 is not enough when 0.1 is asked: neither colour.
    expect(decideTags(photo, tags, calibrations, { exclusiveMargin: 0.1 })).toEqual([]);
    expect(decideTags(photo, tags, calibrations, { exclusiveMargin: 0.04 })).toHaveLength(1);
  });

  it('keeps every passing tag of a non-exclusive category, beside the colour', () => {
    const photo = v(0.6, 0, 0.5, 0.62);
    expect(
      decideTags(photo, tags, calibrations)
        .map((s) => s.id)
        .sort(),
    ).toEqual(['outdoor', 'red']);
  });

  it('forces no top-1: a photo that matches nothing gets no tag', () => {
    const photo = v(0.2, 0.1, 0.1, 0.97); // every score below 0.3
    expect(decideTags(photo, tags, calibrations)).toEqual([]);
  });

  it('applies the per-tag offset on top of the calibrated threshold', () => {
    const library = [v(1, 0, 0, 0), v(0, 0, 0, 1), v(0, 1, 0, 0), v(0.1, 0, 0, 1)];
    const base = calibrateTag(v(1, 0, 0, 0), library, { matchFloor: 0.3, minLift: 0 });
    const stricter = calibrateTag(v(1, 0, 0, 0), library, {
      matchFloor: 0.3,
      minLift: 0,
      offset: 0.2,
    });
    expect(stricter.threshold - base.threshold).toBeCloseTo(0.2, 6);
    expect(withOffset(stricter, -0.1).threshold - base.threshold).toBeCloseTo(-0.1, 6);
    const photo = v(0.4, 0, 0, 0.92);
    const only = [tags[0] as DecidableTag];
    expect(decideTags(photo, only, new Map([['red', base]]))).toHaveLength(1);
    expect(decideTags(photo, only, new Map([['red', stricter]]))).toEqual([]);
  });
});

/** The rule of decideTags written out plainly: a dot per tag, each category sorted. */
function plainDecision(
  photo: Float32Array,
  all: readonly DecidableTag[],
  known: ReadonlyMap<string, TagCalibration>,
): { id: string; score: number; lead?: number }[] {
  const dotOf = (a: Float32Array) => {
    let sum = 0;
    for (let i = 0; i < Math.min(a.length, photo.length); i++) sum += a[i]! * photo[i]!;
    return sum;
  };
  const out: { id: string; score: number; margin: number; lead?: number }[] = [];
  const byCategory = new Map<string, { id: string; score: number }[]>();
  for (const tag of all) {
    const threshold = known.get(tag.id)?.threshold;
    if (threshold === undefined) continue;
    const score = dotOf(tag.vector);
    if (!tag.exclusive) {
      if (score >= threshold) out.push({ id: tag.id, score, margin: score - threshold });
    } else
      byCategory.set(tag.category, [
        ...(byCategory.get(tag.category) ?? []),
        { id: tag.id, score },
      ]);
  }
  for (const rivals of byCategory.values()) {
    const [best, second] = [...rivals].sort((a, b) => b.score - a.score);
    const threshold = known.get(best!.id)!.threshold;
    if (best!.score < threshold) continue;
    const lead = second ? best!.score - second.score : Infinity;
    out.push({ id: best!.id, score: best!.score, margin: best!.score - threshold, lead });
  }
  return out.sort((a, b) => b.margin - a.margin).map(({ margin: _margin, ...rest }) => rest);
}

describe('tagDecider (a tag run over many photos)', () => {
  it('decides as the plain rule does, to the last bit of every score', () => {
    let seed = 11;
    const random = () => {
      seed = (seed * 1664525 + 1013904223) >>> 0;
      return seed / 2 ** 32 - 0.5;
    };
    const unit = (dim: number) => normalize(Float32Array.from({ length: dim }, random));
    // 23 tags (not a multiple of four), one of them shorter, in five categories; two
    // exclusive tags share a vector (a tie), one tag is not calibrated.
    const many: DecidableTag[] = Array.from({ length: 23 }, (_, i) => ({
      id: `t${i}`,
      category: `c${i % 5}`,
      exclusive: i % 5 < 3,
      vector: unit(i === 7 ? 24 : 32),
    }));
    many[10] = { ...many[10]!, vector: many[0]!.vector };
    const known = new Map(
      many.filter((t) => t.id !== 't4').map((t) => [t.id, calibration(-0.15 + random() * 0.3)]),
    );
    const decide = tagDecider(many, known);
    let suggested = 0;
    let tiedLeads = 0;
    for (let n = 0; n < 300; n++) {
      const photo = n % 50 === 0 ? many[0]!.vector : unit(32);
      const got = decide(photo).map(({ margin: _margin, ...rest }) => rest);
      expect(got).toEqual(plainDecision(photo, many, known));
      suggested += got.length;
      tiedLeads += got.filter((s) => s.lead === 0).length;
    }
    expect(suggested).toBeGreaterThan(300);
    expect(tiedLeads).toBeGreaterThan(0);
  });
});

describe('suggestionsFor (the live slider)', () => {
  const scores = Array.from({ length: 20 }, (_, i) => ({ id: `p${i}`, score: i / 100 }));

  it('counts what passes and lists the 5 nearest on either side', () => {
    const view = suggestionsFor(scores, 0.1);
    expect(view.passing).toBe(10); // 0.10 … 0.19
    expect(view.justIn.map((s) => s.id)).toEqual(['p14', 'p13', 'p12', 'p11', 'p10']);
    expect(view.justOut.map((s) => s.id)).toEqual(['p9', 'p8', 'p7', 'p6', 'p5']);
  });

  it('handles thresholds past either end', () => {
    expect(suggestionsFor(scores, 1)).toMatchObject({ passing: 0, justIn: [] });
    const all = suggestionsFor(scores, -1);
    expect(all.passing).toBe(20);
    expect(all.justOut).toEqual([]);
  });
});

describe('tag embeddings', () => {
  /** A fake text encoder: each text's vector from its length, counting calls. */
  const counting = () => {
    const calls: string[][] = [];
    const encode = (texts: readonly string[]) => {
      calls.push([...texts]);
      return Promise.resolve(texts.map((t) => v(t.length, 1, 0, 0)));
    };
    return { calls, encode };
  };

  it('averages the normalised prompt vectors and renormalises', async () => {
    const vector = await tagEmbedding(['a', 'b'], () =>
      Promise.resolve([v(1, 0, 0, 0), v(0, 3, 0, 0)]),
    );
    expect(vector[0]).toBeCloseTo(Math.SQRT1_2, 5);
    expect(vector[1]).toBeCloseTo(Math.SQRT1_2, 5);
  });

  it('recomputes on a model change or an edited tag, and only then; survives a restart', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'lantern-tag-cache-'));
    try {
      const { calls, encode } = counting();
      const cache = await TagEmbeddingCache.open(dir);
      await cache.vectorFor('model-a', ['a red photo', 'a crimson photo'], encode);
      await cache.vectorFor('model-a', ['a crimson photo', 'a red photo'], encode); // same set
      expect(calls).toHaveLength(1);
      await cache.vectorFor('model-b', ['a red photo', 'a crimson photo'], encode);
      expect(calls).toHaveLength(2);
      await cache.vectorFor('model-a', ['a red photo', 'a scarlet photo'], encode);
      expect(calls).toHaveLength(3);
      await cache.save();

      const reopened = await TagEmbeddingCache.open(dir);
      expect(reopened.size).toBe(3);
      await reopened.vectorFor('model-b', ['a red photo', 'a crimson photo'], encode);
      expect(calls).toHaveLength(3);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('learnTag', () => {
  const library = Array.from({ length: 30 }, (_, i) => v(Math.cos(i), Math.sin(i), 0.5, 0.2));

  it('refuses fewer than 3 examples with a sentence saying what to do', () => {
    expect(() => learnTag([v(1, 0, 0, 0), v(0.9, 0.1, 0, 0)], [], library)).toThrow(
      /at least 3 example photos \(got 2\); mark 1 more/,
    );
    try {
      learnTag([], [], library);
    } catch (error) {
      expect((error as { code?: string }).code).toBe('INVALID_INPUT');
    }
  });

  it('finds its examples again, with either method', () => {
    const examples = [v(0, 0, 0, 1), v(0.1, 0, 0, 1), v(0, 0.1, 0, 1)];
    for (const method of ['prototype', 'logistic'] as const) {
      const learned = learnTag(examples, [], library, { method });
      for (const e of examples) expect(learned.score(e)).toBeGreaterThanOrEqual(learned.threshold);
    }
  });
});
