/**
 * @file The toy segmenter of TOY_MODELS.md ("toy segmenter"): one ONNX graph with the
 * signature of the CLIPSeg rd64-refined export, whose logit at a pixel is
 * `8 · (1 − ‖pixel − c_q‖ / 0.3)` for the query's colour `c_q` (−8 everywhere for a
 * query without a colour word). Built by the toy-model generator (plain Node, test time).
 *
 * [Note: CLIPSeg signature] The real export (huggingface.co/Xenova/clipseg-rd64-refined,
 * `onnx/model.onnx`, CLIPSegForImageSegmentation) takes `input_ids` and `attention_mask`
 * `[Q,L]` with L the padded batch length (its model card tokenises with
 * `padding: true`) and `pixel_values` `[Q,3,352,352]`, one image row per prompt, and
 * answers `logits` `[Q,352,352]` (the model card prints `dims: [4, 352, 352]` for four
 * prompts; transformers' CLIPSeg docs print `torch.Size([3, 352, 352])` for three). The
 * model card feeds one image for four prompts; the toy broadcasts a single image row
 * the same way (its image batch is a symbolic dimension of its own), so either
 * batching works.
 */
import type { ClipTokenizer } from '../../electron/engine/tokenizer/clip-bpe.js';
import { GraphBuilder } from './onnx-writer.js';
import type { ToyPixelNormalisation } from './toy-vision-common.js';
import { colourLogits, queryColours, undoNormalisation } from './toy-vision-common.js';

export const TOY_SEGMENT_ID = 'toy-segment';
export const SEGMENT_SIZE = 352;
/** CLIP's text context; CLIPSeg's text encoder has 77 positions. */
export const SEGMENT_CONTEXT = 77;

/**
 * CLIPSeg rd64-refined's `preprocessor_config.json` (huggingface.co/CIDAS/clipseg-rd64-refined):
 * resize to 352×352 without keeping the aspect ratio, bilinear (resample 2), rescale
 * 1/255, ImageNet mean and std. The graph undoes exactly these.
 */
export const SEGMENT_PREPROCESS = {
  size: SEGMENT_SIZE,
  resize: 'squash',
  interpolation: 'bilinear',
  rescale: 1 / 255,
  mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225],
} as const satisfies ToyPixelNormalisation & Record<string, unknown>;

/** The toy segmenter's graph (TOY_MODELS.md, "toy segmenter"). */
export function buildToySegment(tokenizer: ClipTokenizer): GraphBuilder {
  const g = new GraphBuilder('toy_segment');
  const ids = g.input('input_ids', 'int64', ['Q', 'L']);
  const mask = g.input('attention_mask', 'int64', ['Q', 'L']);
  // Its own symbolic batch, not 'Q': onnxruntime takes one name for one size, and a
  // single image row must broadcast over the prompts (see [Note: CLIPSeg signature]).
  const pixels = g.input('pixel_values', 'float32', ['N', 3, SEGMENT_SIZE, SEGMENT_SIZE]);

  const rgb = undoNormalisation(g, pixels, SEGMENT_PREPROCESS); // [Q,3,352,352]
  const query = queryColours(g, tokenizer, ids, mask);
  const colour = g.op('Unsqueeze', [query.rgb, g.int64s([2, 3])]); // [Q,3,1,1]
  const distance = g.op('ReduceL2', [g.op('Sub', [rgb, colour])], { axes: [1], keepdims: 0 });
  const has = g.op('Unsqueeze', [query.has, g.int64s([1, 2])]); // [Q,1,1]
  colourLogits(g, distance, has, 'logits');
  g.output('logits', 'float32', ['Q', SEGMENT_SIZE, SEGMENT_SIZE]);
  return g;
}
