/**
 * @file The toy detector of TOY_MODELS.md ("toy detector"): one ONNX graph with the
 * signature of the OWL-ViT B/32 export — `input_ids`, `attention_mask` int64 `[Q,16]`,
 * `pixel_values` float32 `[1,3,768,768]` → `logits` `[1,576,Q]`, `pred_boxes`
 * `[1,576,4]` (cx, cy, w, h in 0..1 of the input tensor) — whose answer is
 * predictable: a patch scores a query by colour, and predicts the box of the
 * same-coloured region it lies in. Built by the toy-model generator (plain Node, test time).
 *
 * [Note: toy detector regions] Patches are 32 px, 24×24 of them, numbered row by row
 * as OWL-ViT flattens its grid. Two 4-neighbouring patches are linked when their mean
 * colours differ by less than 0.15; a patch's region is everything linked to it, the
 * fixed point of "take the largest label among my linked neighbours" (masked neighbour
 * max-pooling of patch labels). The graph reaches that fixed point in a fixed number of
 * steps by squaring the link matrix (ten squarings cover paths of 1 024 ≥ 576 links),
 * so any region shape is exact, not only those a few pooling rounds can cross. On a
 * uniformly coloured object this is exactly TOY_MODELS.md's "patches within 0.15 of
 * `p_i`"; on a smooth gradient the links chain further, which no toy test paints.
 */
import type { ClipTokenizer } from '../../electron/engine/tokenizer/clip-bpe.js';
import { GraphBuilder } from './onnx-writer.js';
import type { ToyPixelNormalisation } from './toy-vision-common.js';
import { colourLogits, queryColours, undoNormalisation } from './toy-vision-common.js';

export const TOY_DETECT_ID = 'toy-detect';

/** OWL-ViT B/32's input side, patch size and text context (google/owlvit-base-patch32). */
export const DETECT_SIZE = 768;
export const DETECT_PATCH = 32;
export const DETECT_GRID = DETECT_SIZE / DETECT_PATCH; // 24
export const DETECT_PATCHES = DETECT_GRID * DETECT_GRID; // 576
export const DETECT_CONTEXT = 16;
/** Two neighbouring patches belong to one region when their colours differ by less than this. */
export const DETECT_REGION_DISTANCE = 0.15;
const CLOSURE_SQUARINGS = 10; // 2^10 = 1024 ≥ 576 patches

/**
 * The preprocessing the toy states in its manifest entry, copied from OWL-ViT B/32's
 * `preprocessor_config.json` (huggingface.co/google/owlvit-base-patch32): resize to
 * 768×768 without keeping the aspect ratio, bicubic (resample 3), rescale 1/255,
 * CLIP's mean and std. The graph undoes exactly these.
 */
export const DETECT_PREPROCESS = {
  size: DETECT_SIZE,
  resize: 'squash',
  interpolation: 'bicubic',
  rescale: 1 / 255,
  mean: [0.48145466, 0.4578275, 0.40821073],
  std: [0.26862954, 0.26130258, 0.27577711],
} as const satisfies ToyPixelNormalisation & Record<string, unknown>;

/** `[576,576]` 0/1: patch j is patch i or one of its four neighbours. */
function neighbourMatrix(): Float32Array {
  const m = new Float32Array(DETECT_PATCHES * DETECT_PATCHES);
  for (let i = 0; i < DETECT_PATCHES; i++) {
    const row = Math.floor(i / DETECT_GRID);
    const col = i % DETECT_GRID;
    for (const [dr, dc] of [
      [0, 0],
      [-1, 0],
      [1, 0],
      [0, -1],
      [0, 1],
    ] as const) {
      const r = row + dr;
      const c = col + dc;
      if (r >= 0 && r < DETECT_GRID && c >= 0 && c < DETECT_GRID)
        m[i * DETECT_PATCHES + r * DETECT_GRID + c] = 1;
    }
  }
  return m;
}

/** `[1,576]` edges of every patch in 0..1: left or top (`offset` 0), right or bottom (1). */
function patchEdges(axis: 'x' | 'y', offset: 0 | 1): Float32Array {
  return Float32Array.from({ length: DETECT_PATCHES }, (_, i) => {
    const cell = axis === 'x' ? i % DETECT_GRID : Math.floor(i / DETECT_GRID);
    return (cell + offset) / DETECT_GRID;
  });
}

/** `[576,3]` patch colours → `[576,576]` 0/1: j is in i's region (see [Note: toy detector regions]). */
function regions(g: GraphBuilder, patches: string): string {
  const pairwise = g.op(
    'ReduceL2',
    [
      g.op('Sub', [
        g.op('Unsqueeze', [patches, g.int64s([1])]),
        g.op('Unsqueeze', [patches, g.int64s([0])]),
      ]),
    ],
    { axes: [2], keepdims: 0 },
  );
  const similar = g.op('Cast', [g.op('Less', [pairwise, g.constant(DETECT_REGION_DISTANCE)])], {
    to: 1,
  });
  const neighbours = g.initializer('neighbours', neighbourMatrix(), [
    DETECT_PATCHES,
    DETECT_PATCHES,
  ]);
  let reach = g.op('Mul', [similar, neighbours]);
  // Counts of paths stay exact integers in float32 (≤ 576); Min keeps the matrix 0/1.
  for (let k = 0; k < CLOSURE_SQUARINGS; k++)
    reach = g.op('Min', [g.op('MatMul', [reach, reach]), g.constant(1)]);
  return g.op('Greater', [reach, g.constant(0.5)]);
}

/** Region membership `[576,576]` → `[1,576,4]` boxes (cx, cy, w, h). */
function regionBoxes(g: GraphBuilder, member: string, output: string): void {
  const extreme = (axis: 'x' | 'y', offset: 0 | 1): string => {
    const edges = g.initializer(g.fresh(`edges_${axis}${offset}`), patchEdges(axis, offset), [
      1,
      DETECT_PATCHES,
    ]);
    // Outside the region: a value that never wins the min (2) or the max (−1).
    const masked = g.op('Where', [member, edges, g.constant(offset === 0 ? 2 : -1)]);
    return g.op(offset === 0 ? 'ReduceMin' : 'ReduceMax', [masked], { axes: [1], keepdims: 1 });
  };
  const [x0, x1, y0, y1] = [extreme('x', 0), extreme('x', 1), extreme('y', 0), extreme('y', 1)];
  const half = g.constant(0.5);
  const cx = g.op('Mul', [g.op('Add', [x0, x1]), half]);
  const cy = g.op('Mul', [g.op('Add', [y0, y1]), half]);
  const w = g.op('Sub', [x1, x0]);
  const h = g.op('Sub', [y1, y0]);
  const boxes = g.op('Concat', [cx, cy, w, h], { axis: 1 }); // [576,4]
  g.node('Unsqueeze', [boxes, g.int64s([0])], [output]);
  g.output(output, 'float32', [1, DETECT_PATCHES, 4]);
}

/** The toy detector's graph (TOY_MODELS.md, "toy detector"). */
export function buildToyDetect(tokenizer: ClipTokenizer): GraphBuilder {
  const g = new GraphBuilder('toy_detect');
  const ids = g.input('input_ids', 'int64', ['Q', DETECT_CONTEXT]);
  const mask = g.input('attention_mask', 'int64', ['Q', DETECT_CONTEXT]);
  const pixels = g.input('pixel_values', 'float32', [1, 3, DETECT_SIZE, DETECT_SIZE]);

  const rgb = undoNormalisation(g, pixels, DETECT_PREPROCESS);
  const pooled = g.op('AveragePool', [rgb], {
    kernel_shape: [DETECT_PATCH, DETECT_PATCH],
    strides: [DETECT_PATCH, DETECT_PATCH],
  }); // [1,3,24,24]
  const patches = g.op('Transpose', [g.op('Reshape', [pooled, g.int64s([3, DETECT_PATCHES])])], {
    perm: [1, 0],
  }); // [576,3], row by row

  const query = queryColours(g, tokenizer, ids, mask);
  const distance = g.op(
    'ReduceL2',
    [
      g.op('Sub', [
        g.op('Unsqueeze', [patches, g.int64s([1])]),
        g.op('Unsqueeze', [query.rgb, g.int64s([0])]),
      ]),
    ],
    { axes: [2], keepdims: 0 },
  ); // [576,Q]
  const scores = g.fresh('patch_scores');
  colourLogits(g, distance, query.has, scores);
  g.node('Unsqueeze', [scores, g.int64s([0])], ['logits']);
  g.output('logits', 'float32', [1, DETECT_PATCHES, 'Q']);

  regionBoxes(g, regions(g, patches), 'pred_boxes');
  return g;
}
