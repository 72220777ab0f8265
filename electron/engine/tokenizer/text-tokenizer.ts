/**
 * @file The one interface the text encoder and the prompt models tokenise through, and
 * the choice between its two implementations, made by the manifest's `text.tokenizer`:
 * `clip-bpe` (OpenAI CLIP's BPE, clip-bpe.ts) or `tokenizer-json` (the model's own
 * Hugging Face tokenizer.json, hf-tokenizer.ts). Runs in the engine.
 */
import { LanternError } from '../../shared/errors.js';
import type { ClipModel } from '../models/manifest.js';
import { ClipTokenizer } from './clip-bpe.js';
import { HfTokenizer } from './hf-tokenizer.js';

/** `[N, contextLength]` row-major token ids and the matching attention mask (1 = token). */
export interface TokenBatch {
  ids: BigInt64Array;
  mask: BigInt64Array;
}

export interface TextTokenizer {
  /**
   * Each text with the model's special tokens, truncated so its end token still fits,
   * padded with `padToken` to `contextLength`.
   */
  encodeBatch(texts: readonly string[], contextLength: number, padToken: number): TokenBatch;
}

/**
 * The tokenizer a CLIP-task model's manifest asks for. `clipVocabulary` is the bundled
 * BPE merges file; `tokenizerJson` the checked path of files.tokenizer (registry.ts).
 */
export function textTokenizerFor(
  model: Pick<ClipModel, 'id'> & { text: Pick<ClipModel['text'], 'tokenizer' | 'clean'> },
  files: { clipVocabulary: string; tokenizerJson: string | null },
): TextTokenizer {
  if (model.text.tokenizer === 'clip-bpe') return ClipTokenizer.fromFile(files.clipVocabulary);
  if (files.tokenizerJson === null) {
    // The manifest schema refuses this already; a hand-built entry could still get here.
    throw new LanternError(
      'MODEL_INVALID',
      `Model ${model.id} reads a tokenizer.json but its models.json names none; add files.tokenizer to its entry.`,
    );
  }
  return HfTokenizer.fromFile(files.tokenizerJson, model.text.clean);
}

/**
 * [Note: padding to the longest text]
 * A text encoder of Hugging Face's CLIPTextModel kind attends causally (each position
 * sees only those before it) and pools the first end token, so the padding after it
 * changes nothing that is read: a batch padded only to its longest text gives the same
 * vectors with a fraction of the work (a five-word query is 7 tokens of 77). That is how
 * transformers.js and transformers call these exports (`padding: true`), whose sequence
 * dimension is dynamic for it. SigLIP reads every position (it pools the last one, and
 * was trained on full-length padding), so a manifest opts in with `text.padding:
 * "longest"` and the default stays the full context length.
 *
 * The batch `batch` of `rows` texts padded to `contextLength`, cut to its longest text
 * (at least one token); the same object when nothing can be cut.
 */
export function trimToLongest(batch: TokenBatch, rows: number, contextLength: number): TokenBatch {
  let longest = 1;
  for (let row = 0; row < rows; row++) {
    let length = 0;
    for (let col = 0; col < contextLength; col++)
      if (batch.mask[row * contextLength + col] !== 0n) length = col + 1;
    longest = Math.max(longest, length);
  }
  if (longest >= contextLength) return batch;
  const ids = new BigInt64Array(rows * longest);
  const mask = new BigInt64Array(rows * longest);
  for (let row = 0; row < rows; row++) {
    const from = row * contextLength;
    ids.set(batch.ids.subarray(from, from + longest), row * longest);
    mask.set(batch.mask.subarray(from, from + longest), row * longest);
  }
  return { ids, mask };
}
