/**
 * @file Deciding tags on `toy-clip-gap` (real CLIP's score shape, TOY_MODELS.md) through
 * Lantern's real preprocessing (preprocessRaw) and the real ClipEncoder: a library of
 * 1 032 photos — 900 square crops of the MATE wallpapers (real photos, flipped and
 * exposed differently) and 12 photos per colour word (half solid, half the colour over
 * most of a real crop) — tagged with 10 colour tags of a prompt-ensembled vocabulary
 * (gray is left out: the toy gives grey the direction of white, so a gray tag is a
 * white tag there; docs/search.md leaves it out too). Per-tag calibration plus the
 * exclusive category gives the coloured photos their colour and real photos next to no
 * unrelated colour, where every single global cosine threshold does clearly worse; a tag learned from 3 warm photos finds
 * the rest of the warm family. The table it prints is docs/tagging.md's.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ClipEncoder } from '../../electron/engine/clip/encoder.js';
import { openRegistry } from '../../electron/engine/library.js';
import { clipVocabularyPath } from '../../electron/engine/paths.js';
import {
  calibrateTag,
  decideTags,
  type DecidableTag,
  type TagCalibration,
} from '../../electron/engine/tags/decide.js';
import { learnTag, type LearnMethod } from '../../electron/engine/tags/learn.js';
import { TagEmbeddingCache } from '../../electron/engine/tags/tag-embeddings.js';
import { tagPrompts, type TagDef } from '../../electron/engine/tags/vocabulary.js';
import { dot } from '../../electron/engine/util/vectors.js';
import { preprocessRaw } from '../../native/image/index.js';
import { Prng } from '../bench/measure.js';
import { COLOUR_WORDS, TOY_COLOURS, type ColourWord } from '../toy-models/colours.js';

const WALLPAPERS = '/usr/share/backgrounds/mate';
/** Source side: crops are cut from the wallpapers at this width (decoding 4K once each is enough). */
const SOURCE_WIDTH = 320;
const REAL = 900;
const PER_COLOUR = 12;

/**
 * Synonyms that still hold the colour word: the toy reads colour only from the eleven
 * colour words (TOY_MODELS.md), so "crimson" would be a nonsense word to it and would
 * dilute the ensemble, where real CLIP knows crimson is red.
 */
const SYNONYMS = Object.fromEntries(
  COLOUR_WORDS.map((w) => [w, [`deep ${w}`, `${w} coloured`]]),
) as Record<ColourWord, string[]>;
const TEMPLATES = ['a {} photo', 'a photo of something {}', 'mostly {}', 'the colour {}'];

const colourTags: TagDef[] = COLOUR_WORDS.filter((w) => w !== 'gray').map((word) => ({
  id: word,
  name: word,
  category: 'colour',
  synonyms: SYNONYMS[word],
  templates: TEMPLATES,
  exclusive: true,
  hidden: false,
}));

interface Photo {
  /** The colour it was generated as, or null for a real photo. */
  colour: ColourWord | null;
  /** ĉ·ĉ_w per colour word from the photo's mean colour (docs/search.md's "of the colour" ≥ 0.85). */
  agreement: Record<ColourWord, number>;
  dominant: boolean;
  vector: Float32Array;
}

interface RawPhoto {
  rgb: Buffer;
  side: number;
  colour: ColourWord | null;
  dominant: boolean;
}

const unit = (v: number[]) => {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};

/** How far the photo's overall colour agrees with each word, as the toy sees colour. */
function agreementOf(rgb: Buffer): Record<ColourWord, number> {
  const sum = [0, 0, 0];
  for (let i = 0; i < rgb.length; i++) sum[i % 3] = (sum[i % 3] ?? 0) + (rgb[i] ?? 0);
  const v = sum.map((s) => (s * 3) / rgb.length / 255 - 0.5);
  const length = Math.max(Math.hypot(...v), 0.3);
  const c = v.map((x) => x / length);
  const out = {} as Record<ColourWord, number>;
  for (const w of COLOUR_WORDS) {
    const cw = unit(TOY_COLOURS[w].map((x) => x / 255 - 0.5));
    out[w] = c.reduce((s, x, i) => s + x * (cw[i] ?? 0), 0);
  }
  return out;
}

async function wallpapers(): Promise<{ data: Buffer; width: number; height: number }[]> {
  const files = readdirSync(WALLPAPERS, { recursive: true, encoding: 'utf8' })
    // The 4K and 5K copies of Elephants.jpg add nothing but decoding time.
    .filter((f) => /\.(jpe?g|png)$/i.test(f) && !/_\d+x\d+\./.test(f))
    .sort();
  return Promise.all(
    files.map(async (f) => {
      const { data, info } = await sharp(path.join(WALLPAPERS, f))
        .resize({ width: SOURCE_WIDTH })
        .removeAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true });
      return { data, width: info.width, height: info.height };
    }),
  );
}

/** A square crop of a wallpaper, maybe flipped, with its own exposure: a real photo. */
function realCrop(rng: Prng, sources: Awaited<ReturnType<typeof wallpapers>>): RawPhoto {
  const src = sources[rng.int(sources.length)];
  if (!src) throw new Error('no wallpapers');
  const short = Math.min(src.width, src.height);
  const side = Math.max(32, Math.floor(short * (0.35 + 0.65 * rng.next())));
  const ox = rng.int(src.width - side + 1);
  const oy = rng.int(src.height - side + 1);
  const flip = rng.next() < 0.5;
  const exposure = Math.exp(0.15 * rng.gaussian());
  const rgb = Buffer.alloc(side * side * 3);
  for (let y = 0; y < side; y++)
    for (let x = 0; x < side; x++)
      for (let c = 0; c < 3; c++) {
        const sx = ox + (flip ? side - 1 - x : x);
        const value = src.data[((oy + y) * src.width + sx) * 3 + c] ?? 0;
        rgb[(y * side + x) * 3 + c] = Math.min(255, Math.round(value * exposure));
      }
  return { rgb, side, colour: null, dominant: false };
}

/** A photo of `colour`: solid (noisy 4×4 blocks), or the colour over 12 of 16 blocks of a real crop. */
function colourCrop(
  rng: Prng,
  sources: Awaited<ReturnType<typeof wallpapers>>,
  colour: ColourWord,
  dominant: boolean,
): RawPhoto {
  const base = realCrop(rng, sources);
  const side = base.side;
  const edge = rng.int(4);
  const rgb = Buffer.from(base.rgb);
  const target = TOY_COLOURS[colour];
  for (let by = 0; by < 4; by++)
    for (let bx = 0; bx < 4; bx++) {
      const uncovered = [by === 0, by === 3, bx === 0, bx === 3][edge] ?? false;
      if (dominant && uncovered) continue;
      const shade = 1 + 0.05 * rng.gaussian();
      const block = target.map((t) => Math.max(0, Math.min(255, t * shade + 6 * rng.gaussian())));
      for (let y = Math.floor((by * side) / 4); y < Math.floor(((by + 1) * side) / 4); y++)
        for (let x = Math.floor((bx * side) / 4); x < Math.floor(((bx + 1) * side) / 4); x++)
          for (let c = 0; c < 3; c++) rgb[(y * side + x) * 3 + c] = Math.round(block[c] ?? 0);
    }
  return { rgb, side, colour, dominant };
}

let encoder: ClipEncoder;
let matchFloor: number | undefined;
const photos: Photo[] = [];
const tags: DecidableTag[] = [];
const calibrations = new Map<string, TagCalibration>();

beforeAll(async () => {
  const registry = await openRegistry({ modelsDir: inject('toyModelsDir') });
  const resolved = await registry.resolveClip('toy-clip-gap');
  matchFloor = resolved.model.relevance?.matchFloor;
  encoder = await ClipEncoder.load(resolved, {
    tokenizerPath: clipVocabularyPath(),
    provider: 'cpu',
    inferenceThread: false,
  });
  const sources = await wallpapers();
  const rng = new Prng(0x7a9);
  const raws: RawPhoto[] = [];
  for (let i = 0; i < REAL; i++) raws.push(realCrop(rng, sources));
  for (const colour of COLOUR_WORDS)
    for (let i = 0; i < PER_COLOUR; i++) raws.push(colourCrop(rng, sources, colour, i % 2 === 1));

  const BATCH = 32;
  const batch = new Float32Array(BATCH * encoder.imageStride);
  for (let start = 0; start < raws.length; start += BATCH) {
    const chunk = raws.slice(start, start + BATCH);
    await Promise.all(
      chunk.map((raw, i) =>
        preprocessRaw(raw.rgb, raw.side, raw.side, {
          preprocess: encoder.model.vision,
          target: batch,
          offset: i * encoder.imageStride,
        }),
      ),
    );
    const vectors = await encoder.encodeImages(batch, chunk.length);
    chunk.forEach((raw, i) => {
      const vector = vectors[i];
      if (!vector) throw new Error('missing vector');
      photos.push({
        colour: raw.colour,
        dominant: raw.dominant,
        agreement: agreementOf(raw.rgb),
        vector,
      });
    });
  }

  const cache = await TagEmbeddingCache.open();
  const library = photos.map((p) => p.vector);
  for (const def of colourTags) {
    const vector = await cache.vectorFor(encoder.id, tagPrompts(def), (t) =>
      encoder.encodeTexts(t),
    );
    tags.push({ id: def.id, category: def.category, exclusive: def.exclusive, vector });
    calibrations.set(def.id, calibrateTag(vector, library, { matchFloor }));
  }
}, 240_000);

afterAll(async () => {
  await encoder?.close();
});

/** A photo should carry `w`: generated as w, or a real photo whose overall colour is w's. */
const isOf = (p: Photo, w: ColourWord) => (p.colour ? p.colour === w : p.agreement[w] >= 0.85);
/** A real photo that leans towards w without being of it: counts neither way. */
const isRelated = (p: Photo, w: ColourWord) =>
  !p.colour && p.agreement[w] >= 0.4 && p.agreement[w] < 0.85;

interface Figures {
  precision: number;
  recallGenerated: number;
  unrelatedKept: number;
}

function figures(tagged: ReadonlySet<ColourWord>[], w: ColourWord): Figures {
  let kept = 0;
  let right = 0;
  let related = 0;
  let unrelated = 0;
  let generatedFound = 0;
  photos.forEach((p, i) => {
    const has = tagged[i]?.has(w) ?? false;
    if (p.colour === w && has) generatedFound++;
    if (!has) return;
    kept++;
    if (isOf(p, w)) right++;
    else if (isRelated(p, w)) related++;
    else if (!p.colour && p.agreement[w] < 0.4) unrelated++;
  });
  const judged = kept - related;
  return {
    precision: judged === 0 ? 1 : right / judged,
    recallGenerated: generatedFound / PER_COLOUR,
    unrelatedKept: unrelated,
  };
}

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;

/** Each photo's tags under the calibrated rule. */
const calibratedTags = () =>
  photos.map(
    (p) => new Set(decideTags(p.vector, tags, calibrations).map((s) => s.id as ColourWord)),
  );
/** Each photo's tags under one global cosine threshold: the naive baseline. */
const globalTags = (threshold: number) =>
  photos.map(
    (p) =>
      new Set(
        tags.filter((t) => dot(t.vector, p.vector) >= threshold).map((t) => t.id as ColourWord),
      ),
  );

/** Generated colour photos given some other colour (a neighbour, mostly: red photos as orange). */
const wrongColour = (tagged: ReadonlySet<ColourWord>[]) =>
  photos.filter((p, i) => p.colour && [...(tagged[i] ?? [])].some((w) => w !== p.colour)).length;
/** At most this many of the 120 generated photos may get a wrong colour (measured: 12). */
const MAX_WRONG = 20;

/** Bars every colour tag must clear: measured 73.7 % / 83.3 % at worst (docs/tagging.md). */
const MIN_PRECISION = 0.7;
const MIN_RECALL = 0.75;
const WORDS = colourTags.map((t) => t.id as ColourWord);
const WARM: ColourWord[] = ['red', 'orange', 'pink'];

describe('colour tags on toy-clip-gap', () => {
  it('the library is ≥ 1 000 photos, mostly real', () => {
    expect(photos.length).toBeGreaterThanOrEqual(1000);
    expect(photos.filter((p) => !p.colour).length).toBe(REAL);
  });

  it('coloured photos get their colour tag, real photos no unrelated one', () => {
    const tagged = calibratedTags();
    const table = WORDS.map((w) => ({ w, ...figures(tagged, w) }));
    console.log(
      table
        .map(
          (r) =>
            `| ${r.w} | ${pct(r.precision)} | ${pct(r.recallGenerated)} | ${r.unrelatedKept} |`,
        )
        .join('\n'),
    );
    console.log(`calibrated: ${wrongColour(tagged)} generated photos with a wrong colour`);
    for (const r of table) {
      expect(r.precision, r.w).toBeGreaterThanOrEqual(MIN_PRECISION);
      expect(r.recallGenerated, r.w).toBeGreaterThanOrEqual(MIN_RECALL);
    }
    // Real photos: nothing unrelated to their colour beyond a handful (sky-grey under "blue").
    expect(table.reduce((n, r) => n + r.unrelatedKept, 0)).toBeLessThanOrEqual(20);
    // Each generated photo gets at most one colour, and seldom a neighbour's.
    photos.forEach((p, i) => {
      if (p.colour) expect(tagged[i]?.size ?? 0).toBeLessThanOrEqual(1);
    });
    expect(wrongColour(tagged)).toBeLessThanOrEqual(MAX_WRONG);
  });

  it('no single global cosine threshold clears the same bars', () => {
    const misses: string[] = [];
    for (let t = 0.25; t <= 0.36; t += 0.005) {
      const tagged = globalTags(t);
      const worstP = Math.min(...WORDS.map((w) => figures(tagged, w).precision));
      const worstR = Math.min(...WORDS.map((w) => figures(tagged, w).recallGenerated));
      misses.push(
        `global ${t.toFixed(3)}: worst precision ${pct(worstP)}, worst recall ${pct(worstR)}`,
      );
      const wrong = wrongColour(tagged);
      misses[misses.length - 1] += `, ${wrong} generated photos with a wrong colour`;
      // Measured: where the worst recall is still ≥ 75 % (≤ 0.345), ≥ 48 photos get a wrong colour.
      const clears = worstP >= MIN_PRECISION && worstR >= MIN_RECALL && wrong <= MAX_WRONG;
      expect(clears, misses[misses.length - 1]).toBe(false);
    }
    console.log(misses.join('\n'));
  });

  it('a tag learned from 3 warm photos finds the rest of the warm family', () => {
    const examples = WARM.map((w) => photos.find((p) => p.colour === w && !p.dominant)?.vector);
    const chosen = examples.filter((v): v is Float32Array => v !== undefined);
    const library = photos.map((p) => p.vector);
    const lines: string[] = [];
    const results = new Map<LearnMethod, { recall: number; precision: number }>();
    for (const method of ['prototype', 'logistic'] as LearnMethod[]) {
      const learned = learnTag(chosen, [], library, { method });
      let found = 0;
      let family = 0;
      let kept = 0;
      let right = 0;
      let neutral = 0;
      for (const p of photos) {
        if (chosen.includes(p.vector)) continue;
        const inFamily = p.colour
          ? WARM.includes(p.colour)
          : WARM.some((w) => p.agreement[w] >= 0.85);
        const related = !p.colour && !inFamily && WARM.some((w) => p.agreement[w] >= 0.4);
        const has = learned.score(p.vector) >= learned.threshold;
        if (p.colour && WARM.includes(p.colour)) {
          family++;
          if (has) found++;
        }
        if (!has) continue;
        kept++;
        if (inFamily) right++;
        else if (related) neutral++;
      }
      const precision = right / Math.max(1, kept - neutral);
      results.set(method, { recall: found / family, precision });
      lines.push(
        `| ${method} | ${found}/${family} (${pct(found / family)}) | ${pct(precision)} | ${kept} |`,
      );
      // The examples themselves are always found again.
      for (const e of chosen) expect(learned.score(e)).toBeGreaterThanOrEqual(learned.threshold);
    }
    console.log(lines.join('\n'));
    // Measured: logistic 26/33 at 100 %, prototype 21/33 at 94.1 % (docs/tagging.md).
    const logistic = results.get('logistic');
    expect(logistic?.recall).toBeGreaterThanOrEqual(0.7);
    expect(logistic?.precision).toBeGreaterThanOrEqual(0.9);
    expect(learnTag(chosen, [], library).method).toBe('logistic');
  });
});
