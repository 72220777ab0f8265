/**
 * @file The maths of `toy-clip-gap` (TOY_MODELS.md, "toy CLIP with real geometry") in
 * plain TypeScript, with no ONNX: the generator bakes the same seeded tables into the
 * graphs, and tests compare the graphs, and Lantern's whole pipeline, against this.
 * Test time only.
 *
 * Layout of the 512 values: colour 0..2, `s` 3 (both modalities), `eI` 4 (images
 * only), `eT` 5 (texts only), content 16..511; all else 0. An embedding is
 * `0.47·s + 0.545·e + 0.35·ĉ + 0.60·n`, unnormalised (Lantern L2-normalises it).
 *
 * [Note: gap toy grid] The 4×4 grid's cell of pixel row `r` is `floor(4r / H)` (the
 * same for columns), so any H and W work; at Lantern's 224 px every cell is 56 px and
 * the overall mean equals the mean of the 16 cell means. The 48 grid values are laid
 * out `[channel][row][column]`, the order of a CHW tensor.
 */
import { Prng } from '../bench/measure.js';
import { ClipTokenizer } from '../../electron/engine/tokenizer/clip-bpe.js';
import { TOY_COLOURS, colourVector } from './colours.js';
import { CLIP_VOCABULARY, FALLBACK_SIGNATURE, colourTokenIds } from './toy-clip.js';

export const GAP_EMBEDDING_SIZE = 512;
export const GAP_SHARED_DIM = 3;
export const GAP_IMAGE_DIM = 4;
export const GAP_TEXT_DIM = 5;
export const GAP_CONTENT_START = 16;
export const GAP_CONTENT_SIZE = GAP_EMBEDDING_SIZE - GAP_CONTENT_START; // 496
export const GAP_GRID = 4;
export const GAP_GRID_VALUES = 3 * GAP_GRID * GAP_GRID; // 48
export const GAP_TOKEN_BUCKETS = 1024;

/** Weights of the four terms (TOY_MODELS.md). */
export const GAP_WEIGHTS = { shared: 0.47, modality: 0.545, colour: 0.35, content: 0.6 } as const;
/** An image's colour vector shorter than this is scaled by 1/0.3, not normalised. */
export const GAP_COLOUR_FLOOR = 0.3;
/** Normalising a vector shorter than this leaves it (nearly) zero: an empty text, a grey image. */
export const GAP_EPSILON = 1e-6;

export const CLIP_START_TOKEN = 49406;
export const CLIP_END_TOKEN = 49407;
/** CLIP's own preprocessing constants (openai/CLIP `clip/clip.py`), baked into the vision graph. */
export const CLIP_MEAN = FALLBACK_SIGNATURE.vision.mean;
export const CLIP_STD = FALLBACK_SIGNATURE.vision.std;

export const GAP_PROJECTION_SEED = 0x6a9e01;
export const GAP_TOKEN_TABLE_SEED = 0x6a9e02;

function gaussianTable(seed: number, length: number): Float32Array {
  const rng = new Prng(seed);
  return Float32Array.from({ length }, () => rng.gaussian());
}

let projection: Float32Array | undefined;
let tokenTable: Float32Array | undefined;

/** `P`: 496×48 N(0,1), row-major (`P[k][j]` at `k·48 + j`). */
export function gapProjection(): Float32Array {
  projection ??= gaussianTable(GAP_PROJECTION_SEED, GAP_CONTENT_SIZE * GAP_GRID_VALUES);
  return projection;
}

/** `T`: 1024×496 N(0,1), row-major (`T[b][k]` at `b·496 + k`). */
export function gapTokenTable(): Float32Array {
  tokenTable ??= gaussianTable(GAP_TOKEN_TABLE_SEED, GAP_TOKEN_BUCKETS * GAP_CONTENT_SIZE);
  return tokenTable;
}

let colourOfToken: Map<number, [number, number, number]> | undefined;

/** Token id → `v(c_w)` for the colour words, read from the CLIP vocabulary Lantern ships. */
export function gapColourTokens(): Map<number, [number, number, number]> {
  if (!colourOfToken) {
    colourOfToken = new Map();
    const tokenizer = ClipTokenizer.fromFile(CLIP_VOCABULARY);
    for (const [word, id] of colourTokenIds(tokenizer))
      colourOfToken.set(id, colourVector(TOY_COLOURS[word]));
  }
  return colourOfToken;
}

const norm = (v: ArrayLike<number>): number =>
  Math.sqrt(Array.from(v).reduce((s, x) => s + x * x, 0));

/** `v / max(‖v‖, floor)`. */
function scaled(v: ArrayLike<number>, floor: number): number[] {
  const length = Math.max(norm(v), floor);
  return Array.from(v, (x) => x / length);
}

/** Puts the four terms of TOY_MODELS.md into one 512-vector. */
function assemble(modalityDim: number, colour: number[], content: number[]): Float64Array {
  const out = new Float64Array(GAP_EMBEDDING_SIZE);
  out[GAP_SHARED_DIM] = GAP_WEIGHTS.shared;
  out[modalityDim] = GAP_WEIGHTS.modality;
  colour.forEach((x, i) => (out[i] = GAP_WEIGHTS.colour * x));
  content.forEach((x, k) => (out[GAP_CONTENT_START + k] = GAP_WEIGHTS.content * x));
  return out;
}

export type GapImageInput =
  /** 48 cell means in 0..1, `[channel][row][column]`; the overall mean is their mean. */
  | { grid: ArrayLike<number> }
  /** One image as Lantern feeds it: CHW, normalised with CLIP's mean/std. */
  | { pixels: Float32Array; height: number; width: number };

/** The 4×4 grid of cell means (0..1) and the overall mean colour of a normalised CHW image. */
export function gridOfPixels(
  pixels: Float32Array,
  height: number,
  width: number,
): { grid: number[]; mean: number[] } {
  const cells = GAP_GRID * GAP_GRID;
  const grid = new Array<number>(GAP_GRID_VALUES).fill(0);
  const counts = new Array<number>(cells).fill(0);
  const mean = [0, 0, 0];
  for (let y = 0; y < height; y++) {
    const row = Math.floor((GAP_GRID * y) / height);
    for (let x = 0; x < width; x++) {
      const col = Math.floor((GAP_GRID * x) / width);
      const cell = row * GAP_GRID + col;
      counts[cell] = (counts[cell] ?? 0) + 1;
      for (let c = 0; c < 3; c++) {
        const value =
          (pixels[(c * height + y) * width + x] ?? 0) * (CLIP_STD[c] ?? 1) + (CLIP_MEAN[c] ?? 0);
        grid[c * cells + cell] = (grid[c * cells + cell] ?? 0) + value;
        mean[c] = (mean[c] ?? 0) + value;
      }
    }
  }
  for (let c = 0; c < 3; c++) {
    for (let cell = 0; cell < cells; cell++) grid[c * cells + cell]! /= counts[cell] || 1;
    mean[c]! /= height * width;
  }
  return { grid, mean };
}

/** The toy's image embedding (unnormalised), exactly as the vision graph computes it. */
export function gapImageEmbedding(input: GapImageInput): Float64Array {
  let grid: number[];
  let mean: number[];
  if ('grid' in input) {
    grid = Array.from(input.grid);
    if (grid.length !== GAP_GRID_VALUES) throw new Error(`A grid has ${GAP_GRID_VALUES} values.`);
    const cells = GAP_GRID * GAP_GRID;
    mean = [0, 1, 2].map(
      (c) => grid.slice(c * cells, (c + 1) * cells).reduce((a, b) => a + b) / cells,
    );
  } else {
    ({ grid, mean } = gridOfPixels(input.pixels, input.height, input.width));
  }
  const colour = scaled(
    mean.map((m) => m - 0.5),
    GAP_COLOUR_FLOOR,
  );
  const p = gapProjection();
  const projected = Array.from({ length: GAP_CONTENT_SIZE }, (_, k) => {
    let sum = 0;
    for (let j = 0; j < GAP_GRID_VALUES; j++)
      sum += (p[k * GAP_GRID_VALUES + j] ?? 0) * ((grid[j] ?? 0) - 0.5);
    return sum;
  });
  return assemble(GAP_IMAGE_DIM, colour, scaled(projected, GAP_EPSILON));
}

/**
 * The positions the toy's text graph reads: after the start token (position 0) and
 * before the first end token, as the real pooler reads the end token's position.
 */
export function gapTextPositions(ids: ArrayLike<number | bigint>): number[] {
  const positions: number[] = [];
  for (let p = 0; p < ids.length; p++) {
    if (Number(ids[p]) === CLIP_END_TOKEN) break;
    if (p >= 1) positions.push(p);
  }
  return positions;
}

/** The toy's text embedding (unnormalised) of one row of token ids, exactly as the text graph computes it. */
export function gapTextEmbedding(ids: ArrayLike<number | bigint>): Float64Array {
  const colours = gapColourTokens();
  const table = gapTokenTable();
  const colour = [0, 0, 0];
  const content = new Array<number>(GAP_CONTENT_SIZE).fill(0);
  for (const p of gapTextPositions(ids)) {
    const id = Number(ids[p]);
    const c = colours.get(id);
    if (c) c.forEach((x, i) => (colour[i] = (colour[i] ?? 0) + x));
    const row = (id % GAP_TOKEN_BUCKETS) * GAP_CONTENT_SIZE;
    for (let k = 0; k < GAP_CONTENT_SIZE; k++)
      content[k] = (content[k] ?? 0) + (table[row + k] ?? 0);
  }
  return assemble(GAP_TEXT_DIM, scaled(colour, GAP_EPSILON), scaled(content, GAP_EPSILON));
}

/**
 * The ids real CLIP expects for `text`, written independently of Lantern's
 * `encodeBatch`: start, the first `contextLength − 2` tokens, end, then the pad token.
 */
export function clipTokenIds(
  tokenizer: ClipTokenizer,
  text: string,
  contextLength = 77,
  padToken = CLIP_END_TOKEN,
): number[] {
  const ids = [
    CLIP_START_TOKEN,
    ...tokenizer.encode(text).slice(0, contextLength - 2),
    CLIP_END_TOKEN,
  ];
  while (ids.length < contextLength) ids.push(padToken);
  return ids;
}

/** L2-normalised copy. */
export function normalised(v: ArrayLike<number>): number[] {
  return scaled(v, GAP_EPSILON);
}

/** Cosine of two vectors of any length (normalises both). */
export function gapCosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const x = normalised(a);
  const y = normalised(b);
  return x.reduce((s, v, i) => s + v * (y[i] ?? 0), 0);
}
