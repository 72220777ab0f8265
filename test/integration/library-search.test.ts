/**
 * @file End to end through the engine: generated photos → real sharp → toy CLIP on
 * onnxruntime-node → LanceDB → search. Colour words must find their colours.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Library } from '../../electron/engine/library.js';
import { writePhoto } from '../fixtures/photos.js';
import {
  cosine,
  expectedToyRanking,
  openToyLibrary,
  removeDir,
  tempDir,
  toyEmbedding,
} from '../fixtures/library.js';
import { COLOUR_WORDS, type ColourWord } from '../toy-models/colours.js';

const FORMATS = ['jpeg', 'png', 'webp', 'gif', 'tiff', 'avif'] as const;

describe('search by sentence over a library of colour photos', () => {
  let root: string;
  let db: string;
  let library: Library;
  const photoOf = new Map<ColourWord, string>();

  beforeAll(async () => {
    root = await tempDir();
    db = await tempDir();
    // Every colour once, cycling through formats, sizes and aspect ratios.
    for (const [i, colour] of COLOUR_WORDS.entries()) {
      const format = FORMATS[i % FORMATS.length] ?? 'jpeg';
      const file = await writePhoto(path.join(root, i % 2 ? 'a' : 'b'), {
        colour,
        format,
        width: 64 + 37 * i,
        height: 300 - 19 * i,
        ...(format === 'jpeg'
          ? { orientation: 1 + (i % 8), takenAt: `2021:0${1 + (i % 9)}:15 12:00:00` }
          : {}),
      });
      photoOf.set(colour, file);
    }
    library = await openToyLibrary(db);
    const report = await library.index([root]);
    expect(report.failed).toEqual([]);
    expect(report.indexed).toBe(COLOUR_WORDS.length);
  });

  afterAll(async () => {
    await library.close();
    await removeDir(root);
    await removeDir(db);
  });

  it.each(COLOUR_WORDS)('"%s" ranks that colour\'s photo first', async (colour) => {
    const results = await library.search(`a photo of a ${colour} thing`);
    expect(results[0]?.path).toBe(photoOf.get(colour));
    expect(results[0]?.kind).toBe('image');
  });

  it('orders results best first with scores in [-1, 1]', async () => {
    const results = await library.search('blue', { noCutoff: true, limit: 100 });
    expect(results).toHaveLength(COLOUR_WORDS.length);
    const scores = results.map((r) => r.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    for (const s of scores) expect(Math.abs(s)).toBeLessThanOrEqual(1.0001);
  });

  it('cuts off results that do not stand out, but keeps the match', async () => {
    const results = await library.search('blue');
    expect(results[0]?.path).toBe(photoOf.get('blue'));
    expect(results.length).toBeLessThan(COLOUR_WORDS.length);
  });

  const ranking = async (query: string) =>
    (await library.search(query, { noCutoff: true, limit: 100 })).map((r) => r.path);
  const pathsOf = (colours: ColourWord[]) => colours.map((c) => photoOf.get(c));

  it('a negative term lowers what looks more like it than like the query', async () => {
    // [Note: negative terms] in query.ts: score − 2·max(0, s_neg − score).
    const red = toyEmbedding('red');
    const blue = toyEmbedding('blue');
    const scoreOf = (c: ColourWord) => {
      const s = cosine(red, toyEmbedding(c));
      return s - 2 * Math.max(0, cosine(blue, toyEmbedding(c)) - s);
    };
    const expected = [...COLOUR_WORDS].sort((a, b) => scoreOf(b) - scoreOf(a));
    expect(expected.at(-1)).toBe('blue');
    const ranked = await ranking('red -blue');
    expect(ranked[0]).toBe(photoOf.get('red'));
    expect(ranked.at(-1)).toBe(photoOf.get('blue'));
    // Purple leans blue: it falls behind everything that leans red.
    expect(ranked.indexOf(photoOf.get('purple') ?? '')).toBeGreaterThan(
      ranked.indexOf(photoOf.get('orange') ?? ''),
    );
    expect(ranked).toEqual(pathsOf(expected));
  });

  it('weights change which term dominates', async () => {
    const redHeavy = expectedToyRanking(
      [
        ['red', 3],
        ['yellow', 1],
      ],
      COLOUR_WORDS,
    );
    const yellowHeavy = expectedToyRanking(
      [
        ['red', 1],
        ['yellow', 3],
      ],
      COLOUR_WORDS,
    );
    expect(redHeavy[0]).not.toBe(yellowHeavy[0]);
    // The top three are far apart; further down, lossy formats can swap near-ties.
    expect((await ranking('3:red +yellow')).slice(0, 3)).toEqual(pathsOf(redHeavy.slice(0, 3)));
    expect((await ranking('red +3:yellow')).slice(0, 3)).toEqual(pathsOf(yellowHeavy.slice(0, 3)));
  });

  it('an image path in the query searches by example', async () => {
    const results = await library.search(`"${photoOf.get('green')}"`);
    expect(results[0]?.path).toBe(photoOf.get('green'));
  });

  it('similar() excludes the file itself and ranks the nearest colour first', async () => {
    const results = await library.similar(photoOf.get('orange') as string, {
      noCutoff: true,
      limit: 100,
    });
    expect(results.map((r) => r.path)).not.toContain(photoOf.get('orange'));
    const others = COLOUR_WORDS.filter((c) => c !== 'orange');
    const expected = others.reduce((best, c) =>
      cosine(toyEmbedding('orange'), toyEmbedding(c)) >
      cosine(toyEmbedding('orange'), toyEmbedding(best))
        ? c
        : best,
    );
    expect(results[0]?.path).toBe(photoOf.get(expected));
  });

  it('filters by kind, folder and date', async () => {
    expect(await library.search('blue', { kind: 'video' })).toEqual([]);
    const inA = await library.search('red', {
      folder: path.join(root, 'a'),
      noCutoff: true,
      limit: 100,
    });
    expect(inA.length).toBeGreaterThan(0);
    for (const r of inA) expect(r.path.startsWith(path.join(root, 'a') + path.sep)).toBe(true);
    // Only the red photo (index 0, a JPEG) was taken in January 2021.
    const january = await library.search('blue', {
      from: Date.UTC(2021, 0, 1),
      to: Date.UTC(2021, 0, 31),
      noCutoff: true,
      limit: 100,
    });
    expect(january.map((r) => r.path)).toEqual([photoOf.get('red')]);
  });

  it('sorts by date, newest first', async () => {
    const results = await library.search('red', { sort: 'date', noCutoff: true, limit: 100 });
    const dated = results.filter((r) => r.takenAt !== null).map((r) => r.takenAt ?? 0);
    expect(dated.length).toBeGreaterThan(1);
    expect([...dated].sort((a, b) => b - a)).toEqual(dated);
  });
});
