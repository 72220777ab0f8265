/**
 * @file Graph pieces shared by the toy detector and the toy segmenter
 * (TOY_MODELS.md, "toy detector" and "toy segmenter"): a query's colour from its first
 * colour word, undoing the pixel normalisation, and the colour logit
 * `8 · (1 − ‖p − c_q‖ / 0.3)`. Built by the toy-model generator (plain Node, test time).
 */
import type { ClipTokenizer } from '../../electron/engine/tokenizer/clip-bpe.js';
import { TOY_COLOURS } from './colours.js';
import type { GraphBuilder } from './onnx-writer.js';
import { colourTokenIds } from './toy-clip.js';

const FLOAT = 1; // TensorProto.FLOAT, for Cast

/** The logit of a perfect colour match; −LOGIT_SCALE where a query has no colour word. */
export const TOY_LOGIT_SCALE = 8;
/** Colour distance (0..1 RGB) at which the logit crosses 0. */
export const TOY_LOGIT_RADIUS = 0.3;

/** What the toy's manifest entry states about the pixels, and what the graph undoes. */
export interface ToyPixelNormalisation {
  rescale: number;
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
}

/**
 * Normalised `[N,3,H,W]` → 0..1 RGB, the way the toy CLIP does it: the preprocessing
 * computed `x = (raw·rescale − mean) / std`, so `raw / 255 = (x·std + mean) / (rescale·255)`.
 */
export function undoNormalisation(
  g: GraphBuilder,
  pixels: string,
  norm: ToyPixelNormalisation,
): string {
  const toUnit = 1 / (norm.rescale * 255);
  const scale = g.constant(
    norm.std.map((s) => s * toUnit),
    [1, 3, 1, 1],
  );
  const offset = g.constant(
    norm.mean.map((m) => m * toUnit),
    [1, 3, 1, 1],
  );
  return g.op('Add', [g.op('Mul', [pixels, scale]), offset]);
}

/**
 * `input_ids`, `attention_mask` `[Q,L]` → `{ rgb: [Q,3], has: [Q] }`: the canonical
 * colour (0..1) of each query's first colour word among its attended tokens, and 1
 * where it has one (0 otherwise, with rgb 0). A `[vocab,4]` table holds each colour
 * word's RGB and a 1 in the last column; a running count of colour words picks the first.
 */
export function queryColours(
  g: GraphBuilder,
  tokenizer: ClipTokenizer,
  ids: string,
  mask: string,
): { rgb: string; has: string } {
  const table = new Float32Array(tokenizer.vocabSize * 4);
  for (const [word, id] of colourTokenIds(tokenizer)) {
    const [r, gr, b] = TOY_COLOURS[word];
    table.set([r / 255, gr / 255, b / 255, 1], id * 4);
  }
  const tableName = g.initializer(g.fresh('query_colour_table'), table, [tokenizer.vocabSize, 4]);
  const perToken = g.op('Gather', [tableName, ids], { axis: 0 }); // [Q,L,4]
  const attended = g.op('Cast', [mask], { to: FLOAT });
  const isColour = g.op('Mul', [g.op('Gather', [perToken, g.int64(3)], { axis: 2 }), attended]);
  const seen = g.op('CumSum', [isColour, g.int64(1)]);
  const first = g.op('Mul', [
    isColour,
    g.op('Cast', [g.op('Equal', [seen, g.constant(1)])], { to: FLOAT }),
  ]);
  const picked = g.op(
    'ReduceSum',
    [g.op('Mul', [perToken, g.op('Unsqueeze', [first, g.int64s([2])])]), g.int64s([1])],
    { keepdims: 0 },
  ); // [Q,4]
  const rgb = g.op('Slice', [picked, g.int64s([0]), g.int64s([3]), g.int64s([1])]);
  const has = g.op('Gather', [picked, g.int64(3)], { axis: 1 });
  return { rgb, has };
}

/**
 * `8 · (1 − distance / 0.3)` where the query has a colour word, −8 where it has none.
 * `has` must broadcast against `distance` (the query axis last, or shaped to match).
 */
export function colourLogits(g: GraphBuilder, distance: string, has: string, output: string): void {
  const match = g.op('Sub', [
    g.constant(TOY_LOGIT_SCALE),
    g.op('Mul', [distance, g.constant(TOY_LOGIT_SCALE / TOY_LOGIT_RADIUS)]),
  ]);
  g.node(
    'Where',
    [g.op('Greater', [has, g.constant(0.5)]), match, g.constant(-TOY_LOGIT_SCALE)],
    [output],
  );
}
