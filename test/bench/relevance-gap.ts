/**
 * @file The `toy-clip-gap` geometry for the relevance measurements (bench time only):
 * the generator's own reference maths (test/toy-models/toy-clip-gap-reference.ts) on a
 * photo's 4×4 grid of cell means and a text's token ids, L2-normalised as Lantern stores
 * them. Thousands of photos in a second, with no ONNX.
 */
import { ClipTokenizer } from '../../electron/engine/tokenizer/clip-bpe.js';
import { CLIP_VOCABULARY } from '../toy-models/toy-clip.js';
import {
  clipTokenIds,
  gapImageEmbedding as referenceImage,
  gapTextEmbedding as referenceText,
  normalised,
} from '../toy-models/toy-clip-gap-reference.js';

const tokenizer = ClipTokenizer.fromFile(CLIP_VOCABULARY);

/** @param grid 16 cells × RGB, cell-major (`cell·3 + channel`), 0..1. */
export function gapImageEmbedding(grid: Float32Array): Float32Array {
  const channelMajor = Array.from(
    { length: 48 },
    (_, i) => grid[(i % 16) * 3 + Math.floor(i / 16)] ?? 0,
  );
  return Float32Array.from(normalised(referenceImage({ grid: channelMajor })));
}

export function gapTextEmbedding(text: string): Float32Array {
  return Float32Array.from(normalised(referenceText(clipTokenIds(tokenizer, text))));
}
