/**
 * @file The ONNX graphs of `toy-clip-gap` (TOY_MODELS.md, "toy CLIP with real
 * geometry"): the signature of the bundled CLIP export (toy-clip.ts
 * `readBundledSignature`), the maths of toy-clip-gap-reference.ts. Built by the
 * toy-model generator (plain Node, test time).
 *
 * [Note: gap toy catches mistakes] Unlike the plain toy, these graphs do not trust
 * Lantern's side of the contract: the vision graph undoes CLIP's own mean/std (not the
 * manifest's), so a wrong normalisation moves every score; the text graph reads only
 * positions after the start token and before the first end token, as the real pooler
 * takes the first end token's position, so a missing or moved end token, a dropped
 * start token or padding before the end token changes the text's embedding; and its
 * sequence length is dynamic like the real export's but, like the real position
 * embedding, indexes a table of `contextLength` rows, so a sequence longer than the
 * context fails as it would on the real model.
 */
import type { ClipTokenizer } from '../../electron/engine/tokenizer/clip-bpe.js';
import { TOY_COLOURS, colourVector } from './colours.js';
import { GraphBuilder } from './onnx-writer.js';
import type { ToyClipSignature } from './toy-clip.js';
import { colourTokenIds } from './toy-clip.js';
import {
  CLIP_END_TOKEN,
  CLIP_MEAN,
  CLIP_STD,
  GAP_COLOUR_FLOOR,
  GAP_CONTENT_SIZE,
  GAP_CONTENT_START,
  GAP_EMBEDDING_SIZE,
  GAP_EPSILON,
  GAP_GRID,
  GAP_GRID_VALUES,
  GAP_IMAGE_DIM,
  GAP_SHARED_DIM,
  GAP_TEXT_DIM,
  GAP_TOKEN_BUCKETS,
  GAP_WEIGHTS,
  gapProjection,
  gapTokenTable,
} from './toy-clip-gap-reference.js';

export const TOY_CLIP_GAP_ID = 'toy-clip-gap';

const FLOAT = 1; // TensorProto.FLOAT, for Cast

function requireGapSize(sig: ToyClipSignature): void {
  if (sig.embeddingSize !== GAP_EMBEDDING_SIZE) {
    throw new Error(
      `toy-clip-gap has ${GAP_EMBEDDING_SIZE} dimensions; the bundled CLIP has ${sig.embeddingSize}.`,
    );
  }
}

/** `[N,k]` → `v / max(‖v‖, floor)`. */
function scaleRows(g: GraphBuilder, v: string, floor: number): string {
  const length = g.op('ReduceL2', [v], { axes: [1], keepdims: 1 });
  return g.op('Div', [v, g.op('Max', [length, g.constant(floor)])]);
}

/** `0.47·s + 0.545·e + 0.35·colour + 0.60·content` as `[N,512]`, declared as the graph output. */
function assemble(
  g: GraphBuilder,
  modalityDim: number,
  colour: string,
  content: string,
  output: string,
): void {
  const colourPart = g.op('Pad', [
    g.op('Mul', [colour, g.constant(GAP_WEIGHTS.colour)]),
    g.int64s([0, 0, 0, GAP_EMBEDDING_SIZE - 3]),
  ]);
  const contentPart = g.op('Pad', [
    g.op('Mul', [content, g.constant(GAP_WEIGHTS.content)]),
    g.int64s([0, GAP_CONTENT_START, 0, 0]),
  ]);
  const bias = new Float32Array(GAP_EMBEDDING_SIZE);
  bias[GAP_SHARED_DIM] = GAP_WEIGHTS.shared;
  bias[modalityDim] = GAP_WEIGHTS.modality;
  const biasName = g.initializer(g.fresh('gap_bias'), bias, [GAP_EMBEDDING_SIZE]);
  g.node('Add', [g.op('Add', [colourPart, contentPart]), biasName], [output]);
  g.output(output, 'float32', ['N', GAP_EMBEDDING_SIZE]);
}

/**
 * `[4, size]` averaging matrix of the grid (see [Note: gap toy grid] in the reference):
 * row `i` holds `1/count` where `floor(4·p / size) = i`.
 */
function cellAverages(g: GraphBuilder, size: string): string {
  const positions = g.op('Range', [g.int64(0), size, g.int64(1)]);
  const cell = g.op('Div', [g.op('Mul', [positions, g.int64(GAP_GRID)]), size]);
  const cells = g.initializer(
    g.fresh('grid_cells'),
    BigInt64Array.from({ length: GAP_GRID }, (_, i) => BigInt(i)),
    [GAP_GRID, 1],
  );
  const member = g.op('Cast', [g.op('Equal', [g.op('Unsqueeze', [cell, g.int64s([0])]), cells])], {
    to: FLOAT,
  });
  const counts = g.op('ReduceSum', [member, g.int64s([1])], { keepdims: 1 });
  return g.op('Div', [member, counts]);
}

/** Image encoder: CLIP-normalised `[N,3,H,W]` → `[N,512]`. */
export function buildGapVision(sig: ToyClipSignature): GraphBuilder {
  requireGapSize(sig);
  const g = new GraphBuilder('toy_clip_gap_vision');
  const pixels = g.input(sig.vision.input, 'float32', ['N', 3, 'H', 'W']);
  // CLIP's constants, not the manifest's: a manifest with the wrong mean/std must show.
  const raw = g.op('Add', [
    g.op('Mul', [pixels, g.constant([...CLIP_STD], [1, 3, 1, 1])]),
    g.constant([...CLIP_MEAN], [1, 3, 1, 1]),
  ]);
  // Opset 17 ReduceMean and ReduceL2 take axes as an attribute (an input from opset 18).
  const mean = g.op('ReduceMean', [raw], { axes: [2, 3], keepdims: 0 });
  const colour = scaleRows(g, g.op('Sub', [mean, g.constant(0.5)]), GAP_COLOUR_FLOOR);

  const shape = g.op('Shape', [pixels]);
  const height = g.op('Gather', [shape, g.int64(2)], { axis: 0 });
  const width = g.op('Gather', [shape, g.int64(3)], { axis: 0 });
  const byRow = cellAverages(g, height); // [4,H]
  const byColumn = g.op('Transpose', [cellAverages(g, width)], { perm: [1, 0] }); // [W,4]
  const grid = g.op('MatMul', [g.op('MatMul', [byRow, raw]), byColumn]); // [N,3,4,4]
  const flat = g.op('Reshape', [grid, g.int64s([-1, GAP_GRID_VALUES])]);
  // P is 496×48; the graph multiplies rows by its transpose.
  const p = gapProjection();
  const pT = new Float32Array(p.length);
  for (let k = 0; k < GAP_CONTENT_SIZE; k++)
    for (let j = 0; j < GAP_GRID_VALUES; j++)
      pT[j * GAP_CONTENT_SIZE + k] = p[k * GAP_GRID_VALUES + j] ?? 0;
  const projection = g.initializer('projection_t', pT, [GAP_GRID_VALUES, GAP_CONTENT_SIZE]);
  const projected = g.op('MatMul', [g.op('Sub', [flat, g.constant(0.5)]), projection]);
  assemble(g, GAP_IMAGE_DIM, colour, scaleRows(g, projected, GAP_EPSILON), sig.vision.output);
  return g;
}

/** `[N,L,k]` per-token values → masked sum over L → `[N,k]`. */
function maskedSum(g: GraphBuilder, perToken: string, mask: string): string {
  const masked = g.op('Mul', [perToken, g.op('Unsqueeze', [mask, g.int64s([2])])]);
  return g.op('ReduceSum', [masked, g.int64s([1])], { keepdims: 0 });
}

/** Text encoder: `input_ids` int64 `[N,L]`, L dynamic up to the context length → `[N,512]`. */
export function buildGapText(sig: ToyClipSignature, tokenizer: ClipTokenizer): GraphBuilder {
  requireGapSize(sig);
  const { text } = sig;
  const g = new GraphBuilder('toy_clip_gap_text');
  const ids = g.input(text.input, 'int64', ['N', 'L']);
  const attention =
    text.attentionMask === null ? null : g.input(text.attentionMask, 'int64', ['N', 'L']);
  const colours = new Float32Array(tokenizer.vocabSize * 3);
  for (const [word, id] of colourTokenIds(tokenizer))
    colours.set(colourVector(TOY_COLOURS[word]), id * 3);
  gapTextFromIds(g, ids, {
    endToken: CLIP_END_TOKEN,
    contextLength: text.contextLength,
    attention,
    colours,
    output: text.output,
  });
  return g;
}

/**
 * The toy-clip-gap text geometry over token ids `[N,L]`, written into `g` as `output`
 * `[N,512]`: the tokens after the first and before the first `endToken` (times the
 * attention mask when the export takes one) sum their colours (`colours`, 3 values per
 * token id) into the colour term and their hashed ids into the content term. Shared by
 * toy-clip-gap's text encoder (CLIP BPE ids) and toy-clip-i18n's (WordPiece ids).
 */
export function gapTextFromIds(
  g: GraphBuilder,
  ids: string,
  options: {
    endToken: number;
    contextLength: number;
    attention: string | null;
    colours: Float32Array;
    output: string;
  },
): void {
  // Positions 1.. up to (not including) the first end token: a running count of end
  // tokens is still 0 there.
  const isEnd = g.op('Cast', [g.op('Equal', [ids, g.int64(options.endToken)])], { to: FLOAT });
  const endsSoFar = g.op('CumSum', [isEnd, g.int64(1)]);
  const beforeEnd = g.op('Equal', [endsSoFar, g.constant(0)]);
  const length = g.op('Gather', [g.op('Shape', [ids]), g.int64(1)], { axis: 0 });
  const positions = g.op('Range', [g.int64(0), length, g.int64(1)]);
  const afterStart = g.op('Greater', [positions, g.int64(0)]);
  let mask = g.op('Cast', [g.op('And', [beforeEnd, afterStart])], { to: FLOAT });
  // The real export's position embedding has contextLength rows; so has this table of
  // zeros: a longer row fails, as it would there.
  const positionTable = g.initializer('position_rows', new Float32Array(options.contextLength), [
    options.contextLength,
  ]);
  mask = g.op('Add', [mask, g.op('Gather', [positionTable, positions], { axis: 0 })]);
  if (options.attention !== null)
    mask = g.op('Mul', [mask, g.op('Cast', [options.attention], { to: FLOAT })]);

  const vocabSize = options.colours.length / 3;
  const colourTable = g.initializer('colour_table', options.colours, [vocabSize, 3]);
  const colourSum = maskedSum(g, g.op('Gather', [colourTable, ids], { axis: 0 }), mask);

  const tokenTable = g.initializer('token_table', gapTokenTable(), [
    GAP_TOKEN_BUCKETS,
    GAP_CONTENT_SIZE,
  ]);
  const buckets = g.op('Mod', [ids, g.int64(GAP_TOKEN_BUCKETS)]);
  const contentSum = maskedSum(g, g.op('Gather', [tokenTable, buckets], { axis: 0 }), mask);

  assemble(
    g,
    GAP_TEXT_DIM,
    scaleRows(g, colourSum, GAP_EPSILON),
    scaleRows(g, contentSum, GAP_EPSILON),
    options.output,
  );
}
